"""Small helpers every handler module uses."""

from __future__ import annotations

from typing import Any

from telegram import Update, User
from telegram.ext import CallbackContext

from bot.config import Language
from bot.i18n import Translator, pick_language
from bot.runtime import get_runtime
from bot.services.users import Person, Profile, identify

Context = CallbackContext[Any, Any, Any, Any]


def profile_of(user: User) -> Profile:
    return Profile(
        telegram_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )


def translator(context: Context, language: Language) -> Translator:
    return Translator(language, get_runtime(context).settings.tz)


async def who(update: Update, context: Context) -> tuple[Person, Translator]:
    """The person behind this update (created on first contact) and their translator."""
    if update.effective_user is None:
        raise ValueError("update without a user")
    runtime = get_runtime(context)
    person = await identify(
        runtime.db, profile_of(update.effective_user), runtime.settings.default_language
    )
    return person, translator(context, person.language)


def fallback_translator(update: object, context: Context) -> Translator:
    """A translator chosen without the database, for when the database is the problem."""
    code = None
    if isinstance(update, Update) and update.effective_user is not None:
        code = update.effective_user.language_code
    settings = get_runtime(context).settings
    return translator(context, pick_language(None, code, settings.default_language))

"""/profile: what is stored, and changing each field or the language."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.screens import onboarding as onboarding_screens
from bot.screens.onboarding import CancelEdit, choose_language_text, language_buttons
from bot.screens.profile import ChangeLanguage, EditField, profile_screen
from bot.services import dialogs, profile
from bot.services.profile import PROFILE
from handlers.common import Context, drop_buttons, guarded, on_press, say, who


@guarded
async def profile_command(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    await say(update, *profile_screen(person, tr))


async def edit(update: Update, context: Context, press: EditField) -> None:
    person, _ = await who(update, context)
    step = await profile.edit_field(context.runtime.db, person, press.field.value)
    await drop_buttons(update)
    person, tr = await who(update, context, fresh=True)
    await say(update, *onboarding_screens.prompt(tr, person, step, editing=True))


async def change_language(update: Update, context: Context, press: ChangeLanguage) -> None:
    person, tr = await who(update, context)
    if not person.onboarded:
        raise profile.Stale()
    await say(update, choose_language_text(tr), language_buttons(person))


async def cancel(update: Update, context: Context, press: CancelEdit) -> None:
    person, _ = await who(update, context)
    await dialogs.close_dialog(context.runtime.db, person.id, PROFILE)
    await drop_buttons(update)
    person, tr = await who(update, context, fresh=True)
    await say(update, *profile_screen(person, tr))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("profile", profile_command))
    on_press(application, EditField, edit)
    on_press(application, ChangeLanguage, change_language)
    on_press(application, CancelEdit, cancel)

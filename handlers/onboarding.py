"""First contact: language, privacy consent, name, municipality, workplace.

Progress lives in the database (bot/services/profile.py), so a user who drops out and
comes back days later, or after a restart, continues at the same step. Profile edits
reuse the same prompts and inputs.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.ext import Application

from bot.i18n import LANGUAGE_NAMES, Translator
from bot.screens import onboarding as screens
from bot.screens.menu import main_menu
from bot.screens.onboarding import (
    Agree,
    ChooseLanguage,
    MunicipalityPage,
    PickMunicipality,
    SkipWorkplace,
    UseTelegramName,
)
from bot.screens.profile import profile_screen
from bot.services import municipalities, profile
from bot.services.profile import ONBOARDING, PROFILE, Progress, Step
from bot.services.users import Person
from handlers.common import (
    Context,
    drop_buttons,
    explain,
    keyboard,
    on_input,
    on_onboarding,
    on_press,
    open_deep_link,
    say,
    who,
)

log = logging.getLogger(__name__)


async def prompt(update: Update, person: Person, tr: Translator, dialog: str, step: Step) -> None:
    """Ask for what `step` needs; `dialog` tells onboarding from a profile edit."""
    user = update.effective_user
    text, rows = screens.prompt(
        tr,
        person,
        step,
        editing=dialog == PROFILE,
        telegram_name=user.full_name if user is not None else "",
    )
    await say(update, text, rows)


async def after_step(update: Update, context: Context, progress: Progress) -> None:
    """Show what comes next: the next prompt, the finished profile, or the main menu."""
    person, tr = await who(update, context, fresh=True)
    if progress.step is not None and progress.dialog is not None:
        await prompt(update, person, tr, progress.dialog, progress.step)
        return
    if progress.dialog == PROFILE:
        await say(update, *profile_screen(person, tr))
        return
    if progress.dialog == ONBOARDING:
        await say(
            update,
            tr._("All set, {name}! Welcome to Kopiena.", name=escape(person.full_name or "")),
        )
        if progress.start_payload:
            await open_deep_link(update, context, progress.start_payload)
            return
    await say(update, *main_menu(person, tr))


async def resume(update: Update, context: Context, payload: str | None = None) -> None:
    """Start onboarding or continue it at the step where the user stopped."""
    person, tr = await who(update, context)
    progress = await profile.begin_onboarding(context.runtime.db, person, payload)
    person, tr = await who(update, context, fresh=True)
    assert progress.step is not None
    await prompt(update, person, tr, ONBOARDING, progress.step)


async def pick_language(update: Update, context: Context, press: ChooseLanguage) -> None:
    person, _ = await who(update, context)
    code = press.code
    progress = await profile.choose_language(context.runtime.db, person, code)
    await drop_buttons(update)
    person, tr = await who(update, context, fresh=True)
    context.toast = LANGUAGE_NAMES.get(code)  # type: ignore[call-overload]
    if progress.dialog == ONBOARDING and progress.step is not None:
        await prompt(update, person, tr, ONBOARDING, progress.step)
    elif person.onboarded:
        await say(update, tr._("Language changed to {language}.", language=LANGUAGE_NAMES[code]))
        await say(update, *main_menu(person, tr))


async def agree(update: Update, context: Context, press: Agree) -> None:
    person, _ = await who(update, context)
    username = update.effective_user.username if update.effective_user else None
    progress = await profile.consent(context.runtime.db, person, username)
    await drop_buttons(update)
    await after_step(update, context, progress)


async def use_telegram_name(update: Update, context: Context, press: UseTelegramName) -> None:
    person, _ = await who(update, context)
    name = update.effective_user.full_name if update.effective_user else ""
    progress = await profile.save_name(context.runtime.db, person, name)
    await drop_buttons(update)
    await after_step(update, context, progress)


async def pick_municipality(update: Update, context: Context, press: PickMunicipality) -> None:
    person, _ = await who(update, context)
    progress = await profile.save_municipality(context.runtime.db, person, press.code)
    await drop_buttons(update)
    await after_step(update, context, progress)


async def municipality_page(update: Update, context: Context, press: MunicipalityPage) -> None:
    person, tr = await who(update, context)
    if person.dialog is None or person.dialog.step != Step.MUNICIPALITY:
        raise profile.Stale()
    query = update.callback_query
    assert query is not None
    editing = person.dialog.name == PROFILE
    rows = screens.municipality_buttons(tr, press.page, editing=editing)
    await query.edit_message_reply_markup(keyboard(rows))


async def skip_workplace(update: Update, context: Context, press: SkipWorkplace) -> None:
    person, _ = await who(update, context)
    progress = await profile.save_workplace(context.runtime.db, person, None)
    await drop_buttons(update)
    await after_step(update, context, progress)


async def handle_input(update: Update, context: Context) -> None:
    """A message while a dialog (onboarding or a profile edit) waits for input."""
    person, tr = await who(update, context)
    dialog = person.dialog
    assert dialog is not None
    step = Step(dialog.step)
    message = update.effective_message
    text = message.text if message is not None else None
    if text is None or step in (Step.LANGUAGE, Step.CONSENT):
        await say(update, tr._("Please answer with the buttons or a short text message."))
        await prompt(update, person, tr, dialog.name, step)
        return
    db = context.runtime.db
    try:
        if step is Step.NAME:
            progress = await profile.save_name(db, person, text)
        elif step is Step.WORKPLACE:
            progress = await profile.save_workplace(db, person, text)
        else:
            exact = municipalities.exact_match(text[:100])
            if exact is None:
                found, confident = municipalities.search(text[:100])
                editing = dialog.name == PROFILE
                await say(update, *screens.suggestions(tr, text, found, confident, editing=editing))
                return
            progress = await profile.save_municipality(db, person, exact.code)
            await say(update, "✅ " + tr._("Municipality: {value}", value=exact.name))
    except profile.InvalidInput as error:
        await say(update, explain(tr, error))
        return
    await after_step(update, context, progress)


def register(application: Application) -> None:  # type: ignore[type-arg]
    on_onboarding(application, resume)
    on_input(application, ONBOARDING, handle_input)
    on_input(application, PROFILE, handle_input)
    on_press(application, ChooseLanguage, pick_language)
    on_press(application, Agree, agree)
    on_press(application, UseTelegramName, use_telegram_name)
    on_press(application, SkipWorkplace, skip_workplace)
    on_press(application, PickMunicipality, pick_municipality)
    on_press(application, MunicipalityPage, municipality_page)

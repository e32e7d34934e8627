"""First contact: language, privacy consent, name, municipality, workplace.

Progress lives in the database (bot/services/profile.py), so a user who drops out and
comes back days later, or after a restart, continues at the same step. Profile edits
reuse the same prompts and inputs.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.config import LANGUAGES
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.services import municipalities, profile
from bot.services.municipalities import OTHER
from bot.services.profile import ONBOARDING, PROFILE, Progress, Step
from bot.services.users import Person
from handlers.common import Buttons, Context, deep_links, drop_buttons, guarded, on_input, say, who
from handlers.menu import show_menu
from handlers.paging import navigation

log = logging.getLogger(__name__)

MUNICIPALITY_PAGE = 10


def language_buttons(person: Person) -> Buttons:
    return [
        [
            (("✓ " if code == person.language else "") + LANGUAGE_NAMES[code], f"lang:{code}")
            for code in LANGUAGES
        ]
    ]


def municipality_buttons(tr: Translator, page: int, *, editing: bool) -> Buttons:
    items, pages = municipalities.page(page, MUNICIPALITY_PAGE)
    rows: list[list[tuple[str, str]]] = [
        [(m.name, f"mun:{m.code}") for m in items[i : i + 2]] for i in range(0, len(items), 2)
    ]
    rows.append(navigation("munp:", page, pages))
    rows.append([(tr._("Other (not a municipality)"), f"mun:{OTHER}")])
    if editing:
        rows.append([(tr._("Cancel"), "pf:cancel")])
    return rows


async def prompt(update: Update, person: Person, tr: Translator, dialog: str, step: Step) -> None:
    """Ask for what `step` needs; `dialog` tells onboarding from a profile edit."""
    editing = dialog == PROFILE
    cancel = [[(tr._("Cancel"), "pf:cancel")]] if editing else []
    if step is Step.LANGUAGE:
        text = "\n\n".join(
            [
                tr._(
                    "Hello! I am Kopiena, the assistant of Latvia's social work community: "
                    "trainings, reminders, feedback and answers to common questions."
                ),
                tr._("Choose your language:"),
            ]
        )
        await say(update, text, language_buttons(person))
    elif step is Step.CONSENT:
        await say(update, consent_text(tr), [[(tr._("✅ I agree"), "ob:agree")]])
    elif step is Step.NAME:
        text = tr._(
            "Please type your <b>full name</b> as it should appear in attendance lists "
            "(for example, Anna Bērziņa)."
        )
        telegram_name = update.effective_user.full_name if update.effective_user else ""
        rows: list[list[tuple[str, str]]] = []
        if telegram_name and not editing:
            try:
                profile.clean_name(telegram_name)
                rows.append([(tr._("Use “{name}”", name=telegram_name)[:60], "ob:tgname")])
            except profile.InvalidInput:
                pass
        await say(update, text, rows + cancel)
    elif step is Step.MUNICIPALITY:
        text = tr._(
            "Which <b>municipality</b> do you work in? Pick it below or type its name "
            "(for example, Cēsis)."
        )
        await say(update, text, municipality_buttons(tr, 0, editing=editing))
    elif step is Step.WORKPLACE:
        text = tr._(
            "Where do you <b>work</b>? Type the name of your institution, for example "
            "“Cēsu novada Sociālais dienests”. This is optional."
        )
        skip = tr._("Remove") if editing else tr._("Skip")
        await say(update, text, [[(skip, "ob:skip")], *cancel])


def consent_text(tr: Translator) -> str:
    return "\n\n".join(
        [
            tr._("<b>Before we start: your data</b>"),
            tr._(
                "To register you for trainings I will store your full name, municipality, "
                "workplace (optional), language and Telegram id. Organisers see them in "
                "attendance lists and reports; nobody else does."
            ),
            tr._(
                "You can see everything stored with /mydata and delete it with /forget at "
                "any time. More in /privacy."
            ),
        ]
    )


async def after_step(update: Update, context: Context, progress: Progress) -> None:
    """Show what comes next: the next prompt, the finished profile, or the main menu."""
    person, tr = await who(update, context, fresh=True)
    if progress.step is not None and progress.dialog is not None:
        await prompt(update, person, tr, progress.dialog, progress.step)
        return
    if progress.dialog == PROFILE:
        from handlers.profile import show_profile  # the profile screen imports this module

        await show_profile(update, person, tr)
        return
    if progress.dialog == ONBOARDING:
        await say(
            update,
            tr._("All set, {name}! Welcome to Kopiena.", name=escape(person.full_name or "")),
        )
        if progress.start_payload:
            await open_deep_link(update, context, progress.start_payload)
            return
    await show_menu(update, person, tr)


async def open_deep_link(update: Update, context: Context, payload: str) -> None:
    prefix, _, argument = payload.partition("_")
    handler = deep_links(context.application).get(prefix)
    if handler is None:
        person, tr = await who(update, context)
        await say(update, tr._("That link is not valid any more."))
        await show_menu(update, person, tr)
        return
    await handler(update, context, argument)


async def resume(update: Update, context: Context, payload: str | None = None) -> None:
    """Start onboarding or continue it at the step where the user stopped."""
    person, tr = await who(update, context)
    progress = await profile.begin_onboarding(context.runtime.db, person, payload)
    person, tr = await who(update, context, fresh=True)
    assert progress.step is not None
    await prompt(update, person, tr, ONBOARDING, progress.step)


@guarded
async def pick_language(update: Update, context: Context) -> None:
    person, _ = await who(update, context)
    code = context.matches[0].group(1) if context.matches else ""
    progress = await profile.choose_language(context.runtime.db, person, code)
    await drop_buttons(update)
    person, tr = await who(update, context, fresh=True)
    context.toast = LANGUAGE_NAMES.get(code)  # type: ignore[call-overload]
    if progress.dialog == ONBOARDING and progress.step is not None:
        await prompt(update, person, tr, ONBOARDING, progress.step)
    elif person.onboarded:
        await say(update, tr._("Language changed to {language}.", language=LANGUAGE_NAMES[code]))
        await show_menu(update, person, tr)


@guarded
async def agree(update: Update, context: Context) -> None:
    person, _ = await who(update, context)
    username = update.effective_user.username if update.effective_user else None
    progress = await profile.consent(context.runtime.db, person, username)
    await drop_buttons(update)
    await after_step(update, context, progress)


@guarded
async def use_telegram_name(update: Update, context: Context) -> None:
    person, _ = await who(update, context)
    name = update.effective_user.full_name if update.effective_user else ""
    progress = await profile.save_name(context.runtime.db, person, name)
    await drop_buttons(update)
    await after_step(update, context, progress)


@guarded
async def pick_municipality(update: Update, context: Context) -> None:
    person, _ = await who(update, context)
    code = context.matches[0].group(1) if context.matches else ""
    progress = await profile.save_municipality(context.runtime.db, person, code)
    await drop_buttons(update)
    await after_step(update, context, progress)


@guarded
async def municipality_page(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    if person.dialog is None or person.dialog.step != Step.MUNICIPALITY:
        raise profile.Stale()
    page = int(context.matches[0].group(1)) if context.matches else 0
    query = update.callback_query
    assert query is not None
    markup = municipality_buttons(tr, page, editing=person.dialog.name == PROFILE)
    from handlers.common import keyboard

    await query.edit_message_reply_markup(keyboard(markup))


@guarded
async def skip_workplace(update: Update, context: Context) -> None:
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
                await suggest_municipalities(update, tr, text, editing=dialog.name == PROFILE)
                return
            progress = await profile.save_municipality(db, person, exact.code)
            await say(update, "✅ " + tr._("Municipality: {value}", value=exact.name))
    except profile.InvalidInput as error:
        from handlers.common import explain

        await say(update, explain(tr, error))
        return
    await after_step(update, context, progress)


async def suggest_municipalities(
    update: Update, tr: Translator, text: str, *, editing: bool
) -> None:
    matches, confident = municipalities.search(text[:100])
    rows: list[list[tuple[str, str]]] = [[(m.name, f"mun:{m.code}")] for m in matches]
    rows.append([(tr._("Show the full list"), "munp:0")])
    if editing:
        rows.append([(tr._("Cancel"), "pf:cancel")])
    if not matches:
        message = tr._("Please type the name of a municipality or a town.")
    elif confident:
        message = tr._("Is it one of these?")
    else:
        message = tr._(
            "I found no municipality called “{text}”. The closest are:", text=escape(text[:60])
        )
    await say(update, message, rows)


def register(application: Application) -> None:  # type: ignore[type-arg]

    on_input(application, ONBOARDING, handle_input)
    on_input(application, PROFILE, handle_input)
    application.add_handler(CallbackQueryHandler(pick_language, pattern=r"^lang:(\w\w)$"))
    application.add_handler(CallbackQueryHandler(agree, pattern=r"^ob:agree$"))
    application.add_handler(CallbackQueryHandler(use_telegram_name, pattern=r"^ob:tgname$"))
    application.add_handler(CallbackQueryHandler(skip_workplace, pattern=r"^ob:skip$"))
    application.add_handler(
        CallbackQueryHandler(pick_municipality, pattern=r"^mun:([a-z0-9-]{1,40})$")
    )
    application.add_handler(CallbackQueryHandler(municipality_page, pattern=r"^munp:(\d{1,3})$"))

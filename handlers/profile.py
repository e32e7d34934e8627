"""/profile: what is stored, and changing each field or the language."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.i18n import LANGUAGE_NAMES, Translator
from bot.screens.onboarding import municipality_name
from bot.services import dialogs, profile
from bot.services.profile import PROFILE
from bot.services.users import Person
from handlers.common import Context, drop_buttons, guarded, say, who
from handlers.onboarding import language_buttons, prompt


def roles_text(person: Person, tr: Translator) -> str:
    names = {
        "trainer": tr._("trainer"),
        "organiser": tr._("organiser"),
        "admin": tr._("admin"),
    }
    return ", ".join([tr._("participant"), *(names[r] for r in sorted(person.roles))])


async def show_profile(
    update: Update, person: Person, tr: Translator, *, edit: bool = False
) -> None:
    lines = [
        tr._("<b>Your profile</b>"),
        tr._("Name: {value}", value=escape(person.full_name or "—")),
        tr._("Municipality: {value}", value=escape(municipality_name(tr, person.municipality))),
        tr._("Workplace: {value}", value=escape(person.workplace or "—")),
        tr._("Language: {value}", value=LANGUAGE_NAMES[person.language]),
        tr._("Roles: {value}", value=roles_text(person, tr)),
    ]
    rows = [
        [(tr._("✏️ Name"), "pf:name"), (tr._("✏️ Municipality"), "pf:municipality")],
        [(tr._("✏️ Workplace"), "pf:workplace"), (tr._("🌐 Language"), "pf:lang")],
    ]
    await say(update, "\n".join(lines), rows, edit=edit)


@guarded
async def profile_command(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    await show_profile(update, person, tr)


@guarded
async def edit(update: Update, context: Context) -> None:
    person, _ = await who(update, context)
    field = context.matches[0].group(1) if context.matches else ""
    step = await profile.edit_field(context.runtime.db, person, field)
    await drop_buttons(update)
    person, tr = await who(update, context, fresh=True)
    await prompt(update, person, tr, PROFILE, step)


@guarded
async def change_language(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    if not person.onboarded:
        raise profile.Stale()
    await say(update, tr._("Choose your language:"), language_buttons(person))


@guarded
async def cancel(update: Update, context: Context) -> None:
    person, _ = await who(update, context)
    await dialogs.close_dialog(context.runtime.db, person.id, PROFILE)
    await drop_buttons(update)
    person, tr = await who(update, context, fresh=True)
    await show_profile(update, person, tr)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("profile", profile_command))
    fields = "|".join(step.value for step in profile.EDITABLE)
    application.add_handler(CallbackQueryHandler(edit, pattern=rf"^pf:({fields})$"))
    application.add_handler(CallbackQueryHandler(change_language, pattern=r"^pf:lang$"))
    application.add_handler(CallbackQueryHandler(cancel, pattern=r"^pf:cancel$"))

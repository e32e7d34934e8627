"""/start (with deep links), /help and the main menu's buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from handlers import admin, events, faq, faq_staff, privacy
from handlers import profile as profile_screen
from handlers.common import Context, guarded, say, who
from handlers.menu import help_text, show_menu
from handlers.onboarding import open_deep_link, resume


@guarded
async def start(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    payload = context.args[0] if context.args else None
    if payload and payload.startswith("verify_"):  # checking a certificate needs no profile
        await open_deep_link(update, context, payload)
    elif not person.onboarded:
        await resume(update, context, payload)
    elif payload:
        await open_deep_link(update, context, payload)
    else:
        await show_menu(update, person, tr)


@guarded
async def show_help(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    await say(update, help_text(person if person.onboarded else None, tr))


MENU_ACTIONS = {
    "home": start,
    "help": show_help,
    "events": events.events_command,
    "my": events.my_command,
    "profile": profile_screen.profile_command,
    "privacy": privacy.privacy_command,
    "users": admin.users_command,
    "audit": admin.audit_command,
    "faq": faq.faq_command,
    "questions": faq_staff.questions_command,
}


@guarded
async def menu_button(update: Update, context: Context) -> None:
    key = context.matches[0].group(1) if context.matches else ""
    await MENU_ACTIONS[key](update, context)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", show_help))
    keys = "|".join(MENU_ACTIONS)
    application.add_handler(CallbackQueryHandler(menu_button, pattern=rf"^menu:({keys})$"))

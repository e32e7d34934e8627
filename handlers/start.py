"""/start (with deep links), /help and the main menu's buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.screens.menu import HelpButton, MenuButton, help_text, main_menu
from handlers.common import (
    Context,
    guarded,
    on_press,
    open_deep_link,
    resume_onboarding,
    run_command,
    say,
    who,
)


@guarded
async def start(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    payload = context.args[0] if context.args else None
    if payload and payload.startswith("verify_"):  # checking a certificate needs no profile
        await open_deep_link(update, context, payload)
    elif not person.onboarded:
        await resume_onboarding(update, context, payload)
    elif payload:
        await open_deep_link(update, context, payload)
    else:
        await say(update, *main_menu(person, tr))


@guarded
async def show_help(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    await say(update, help_text(person if person.onboarded else None, tr))


async def help_button(update: Update, context: Context, press: HelpButton) -> None:
    await show_help(update, context)


async def menu_button(update: Update, context: Context, press: MenuButton) -> None:
    """A main menu button shows what its command shows."""
    await run_command(update, context, press.item.command)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", show_help))
    on_press(application, HelpButton, help_button)
    on_press(application, MenuButton, menu_button)

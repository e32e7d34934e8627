"""Anything no other handler took: a command or message gets a pointer to /help, a button
"this button is no longer valid". (A typed text is looked up in the FAQ just before these:
handlers/faq.py register_search.)"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot.screens.keyboard import Noop
from handlers.common import Context, answer_press, on_press, who

EMPTY_GROUP = -100


async def unknown_command(update: Update, context: Context) -> None:
    _, tr = await who(update, context)
    await update.effective_message.reply_text(
        tr._("I don't know that command. Send /help to see what I can do.")
    )


async def stray_message(update: Update, context: Context) -> None:
    _, tr = await who(update, context)
    await update.effective_message.reply_text(
        tr._("I didn't understand that. Send /help to see what I can do.")
    )


async def stale_button(update: Update, context: Context) -> None:
    _, tr = await who(update, context)
    await answer_press(update, tr._("This button is no longer valid."), alert=True)


async def empty_button(update: Update, context: Context) -> None:
    """A press without callback data: python-telegram-bot would offer it to the first
    button handler of every group, whatever its pattern."""
    await stale_button(update, context)
    raise ApplicationHandlerStop


async def noop_button(update: Update, context: Context, press: Noop) -> None:
    """Buttons that only show information, such as a page number: the press is answered
    and nothing else happens."""


def register_first(application: Application) -> None:  # type: ignore[type-arg]
    """Before every other group: presses with empty callback data."""
    application.add_handler(
        CallbackQueryHandler(empty_button, pattern=lambda data: not data), group=EMPTY_GROUP
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Register last: in group 0 these answer only what no earlier handler took."""
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    application.add_handler(
        MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, stray_message)
    )
    on_press(application, Noop, noop_button)
    application.add_handler(CallbackQueryHandler(stale_button))

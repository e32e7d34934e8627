"""Anything no other handler took: a one-line pointer to /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from handlers.common import Context, who


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


def register(application: Application) -> None:
    """Register last: in group 0 these answer only what no earlier handler took."""
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    application.add_handler(
        MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, stray_message)
    )

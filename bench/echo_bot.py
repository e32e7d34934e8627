"""A bare python-telegram-bot echo bot: the floor bench/mixed_load.py compares against.

It echoes each text message and answers each button press, with PTB's own defaults
(long polling, `concurrent_updates`), and nothing else: no database, no handlers' work.

    python bench/echo_bot.py API_ROOT CONCURRENCY
"""

from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

TOKEN = "123456789:SANDBOX-token-for-the-fake-bot-api-0000"


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "?")


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()


def main() -> None:
    root, concurrency = sys.argv[1], int(sys.argv[2])
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{root}/bot")
        .concurrent_updates(concurrency)
        .connection_pool_size(max(concurrency, 8))
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(press))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()

"""The one error handler: log with context (no personal data above DEBUG, bot/logs.py),
apologise in the user's language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.logs import describe_update
from handlers.common import Context, fallback_translator

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    log.error("Handler failed for %s", describe_update(update), exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(context.error, Forbidden):
        return  # the user blocked the bot: nobody to apologise to
    tr = fallback_translator(update, context)
    apology = tr._("Sorry, something went wrong on our side. Please try again in a moment.")
    try:
        if update.callback_query is not None and not getattr(context, "answered", False):
            await update.callback_query.answer(apology, show_alert=True)  # stop the spinner
        else:
            await context.bot.send_message(update.effective_chat.id, apology)
    except TelegramError:
        log.warning("Could not send the apology for %s", describe_update(update))

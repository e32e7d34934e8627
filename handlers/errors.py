"""The one error handler: log with context, apologise in the user's language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.pipeline import note_failure
from handlers.common import Context, fallback_translator

log = logging.getLogger(__name__)


def describe_update(update: object) -> str:
    """The update's id and kind: no names, ids of people, texts or button data."""
    if not isinstance(update, Update):
        return type(update).__name__
    kind = next((key for key in update.to_dict() if key != "update_id"), "unknown")
    return f"update_id={update.update_id} ({kind})"


async def on_error(update: object, context: Context) -> None:
    if not note_failure(context.error):
        # The pipeline tries this update again: no apology yet, and no later handler
        # group runs now (it will on the next try, so nothing is done twice).
        log.warning(
            "Handler failed for %s: %s", describe_update(update), type(context.error).__name__
        )
        raise ApplicationHandlerStop
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

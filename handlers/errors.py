"""The one error handler: log with context (no personal data above DEBUG, bot/logs.py),
then tell the user what happened, in their language, and only that:

- they already saw the answer (the failure came after it): nothing more;
- Telegram refused or lost our answer: what they asked for may well be done, so they
  are asked to check before trying again, not told that it failed;
- anything else: an apology.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.logs import describe_update
from bot.pipeline import note_failure
from handlers.common import Context, answer_shown, fallback_translator, press_answered

log = logging.getLogger(__name__)


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
    if answer_shown():
        return
    tr = fallback_translator(update, context)
    if isinstance(context.error, TelegramError):
        apology = tr._(
            "Telegram did not pass on our answer just now. What you asked for may already "
            "be done: please check before you try again."
        )
    else:
        apology = tr._("Sorry, something went wrong on our side. Please try again in a moment.")
    try:
        if update.callback_query is not None and not press_answered():
            await update.callback_query.answer(apology, show_alert=True)  # stop the spinner
        else:
            await context.bot.send_message(update.effective_chat.id, apology)
    except TelegramError:
        log.warning("Could not send the apology for %s", describe_update(update))

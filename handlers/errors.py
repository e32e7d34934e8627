"""The one error handler: log with context, apologise in the user's language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from handlers.common import Context, fallback_translator

log = logging.getLogger(__name__)


def describe_update(update: object) -> str:
    if not isinstance(update, Update):
        return repr(update)[:200]
    parts = [f"update_id={update.update_id}"]
    if update.effective_user:
        parts.append(f"user={update.effective_user.id}")
    if update.effective_chat:
        parts.append(f"chat={update.effective_chat.id}")
    if update.callback_query:
        parts.append(f"callback={update.callback_query.data!r}")
    elif update.effective_message and update.effective_message.text:
        parts.append(f"text={update.effective_message.text[:80]!r}")
    return " ".join(parts)


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

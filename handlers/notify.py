"""Messages to someone other than the person who pressed: promotions, decisions, notices."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import InlineKeyboardMarkup, InputFile
from telegram.error import Forbidden, TelegramError

from bot.i18n import Translator, pick_language
from bot.logs import pseudonym
from bot.services.registration import Recipient
from handlers.common import Context, translator

log = logging.getLogger(__name__)


async def notify(
    context: Context,
    recipient: Recipient,
    render: Callable[[Translator], str],
    *,
    markup: Callable[[Translator], InlineKeyboardMarkup] | None = None,
    document: tuple[bytes, str] | None = None,
) -> bool:
    """Send `render(tr)` in the recipient's language; False if they cannot be reached."""
    if recipient.telegram_id is None:
        return False
    settings = context.runtime.settings
    tr = translator(context, pick_language(recipient.language, None, settings.default_language))
    try:
        await context.bot.send_message(
            recipient.telegram_id, render(tr), reply_markup=markup(tr) if markup else None
        )
        if document is not None:
            content, filename = document
            await context.bot.send_document(
                recipient.telegram_id, InputFile(content, filename=filename)
            )
    except Forbidden:
        log.info("%s has blocked the bot; notice not delivered", pseudonym(recipient.telegram_id))
        return False
    except TelegramError:
        log.warning("Could not notify %s", pseudonym(recipient.telegram_id), exc_info=True)
        return False
    return True

"""Messages to someone other than the person who pressed: promotions, approval requests,
decisions, notices. Several features send them, so they live outside handlers/."""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape
from typing import Protocol

from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.error import Forbidden, TelegramError

from bot.i18n import Translator, pick_language, translator_for
from bot.logs import pseudonym
from bot.runtime import Runtime
from bot.screens.event_staff import approval_request_screen
from bot.screens.events import promoted_text
from bot.screens.keyboard import markup
from bot.services import event_admin
from bot.services.calendar import event_calendar
from bot.services.municipalities import get as municipality
from bot.services.registration import Outcome, Promotion, Recipient
from bot.services.users import Person

log = logging.getLogger(__name__)


class Sender(Protocol):
    """What sending needs from a handler's context."""

    @property
    def bot(self) -> Bot: ...

    @property
    def runtime(self) -> Runtime: ...


async def notify(
    context: Sender,
    recipient: Recipient,
    render: Callable[[Translator], str],
    *,
    markup: Callable[[Translator], InlineKeyboardMarkup | None] | None = None,
    document: tuple[bytes, str] | None = None,
) -> bool:
    """Send `render(tr)` in the recipient's language; False if they cannot be reached."""
    if recipient.telegram_id is None:
        return False
    runtime = context.runtime
    settings = runtime.settings
    language = pick_language(recipient.language, None, settings.default_language)
    tr = translator_for(language, settings.tz).at(runtime.clock())
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


async def tell_promoted(context: Sender, promotions: list[Promotion]) -> None:
    """Tell each person who got a seat from the waiting list, with the calendar file."""
    runtime = context.runtime
    for promotion in promotions:
        event = promotion.event
        calendar = event_calendar(event, runtime.settings.tz, runtime.clock())
        title = escape(event.title)
        await notify(
            context,
            promotion.recipient,
            lambda tr, title=title: promoted_text(tr, title),
            document=(calendar, f"kopiena-event-{event.id}.ics"),
        )


async def ask_organisers(context: Sender, outcome: Outcome, person: Person) -> None:
    """Tell the event's organisers that someone asks to join, with approve/decline buttons."""
    runtime = context.runtime
    deciders = await event_admin.deciders(runtime.db, outcome.event, runtime.settings.admin_ids)
    place = municipality(person.municipality or "")
    details = ", ".join(x for x in (place.name if place else None, person.workplace) if x)
    name, title = person.full_name or "—", outcome.event.title

    def text(tr: Translator) -> str:
        return approval_request_screen(tr, name, details, title, outcome.registration_id)[0]

    def buttons(tr: Translator) -> InlineKeyboardMarkup | None:
        return markup(approval_request_screen(tr, name, details, title, outcome.registration_id)[1])

    for decider in deciders:
        await notify(context, decider, text, markup=buttons)

"""The catalogue, event cards, registering, the waiting list and /my."""

from __future__ import annotations

import asyncio
from datetime import datetime
from html import escape

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler

from bot.i18n import Translator
from bot.notices import ask_organisers, tell_promoted
from bot.screens.attendance import CheckInNow
from bot.screens.certificates import progress_note
from bot.screens.events import (
    AskToCancel,
    AskToRegister,
    CalendarFile,
    CataloguePage,
    ConfirmCancel,
    ConfirmRegistration,
    MyList,
    OpenCard,
    card_screen,
    catalogue_screen,
    dates_text,
    hours_text,
    municipality_full_text,
    outcome_text,
    standing_text,
)
from bot.screens.keyboard import Row
from bot.screens.surveys import start_data
from bot.services import events as events_service
from bot.services import my_trainings, registration
from bot.services.calendar import event_calendar
from bot.services.certificates import Progress
from bot.services.certificates import progress as certificate_progress
from bot.services.events import EventStatus, EventView, RegStatus
from bot.services.ids import parse_id
from bot.services.municipalities import get as municipality
from bot.services.my_trainings import Card
from bot.services.registration import Standing
from handlers.common import (
    Buttons,
    Context,
    deep_links,
    guarded,
    on_press,
    post_unread,
    say,
    who,
)


async def show_card(update: Update, context: Context, event_id: int, *, edit: bool) -> None:
    person, tr = await who(update, context)
    event, standing = await registration.event_and_standing(context.runtime.db, person, event_id)
    now = context.runtime.clock()
    text, rows = card_screen(tr, event, person, context.bot.username, standing, now)
    await say(update, text, rows, edit=edit)


async def show_catalogue(update: Update, context: Context, page: int, *, edit: bool) -> None:
    _, tr = await who(update, context)
    found, pages = await events_service.upcoming(context.runtime.db, context.runtime.clock(), page)
    if not found:
        await say(update, tr._("There are no upcoming trainings yet."), edit=edit)
        return
    text, rows = catalogue_screen(tr, found, min(page, pages - 1), pages)
    await say(update, text, rows, edit=edit)


@guarded
async def events_command(update: Update, context: Context) -> None:
    await show_catalogue(update, context, 0, edit=False)


async def catalogue_page(update: Update, context: Context, press: CataloguePage) -> None:
    await show_catalogue(update, context, press.page, edit=True)


async def open_card(update: Update, context: Context, press: OpenCard) -> None:
    await show_card(update, context, press.event_id, edit=True)


async def open_event_link(update: Update, context: Context, argument: str) -> None:
    event_id = parse_id(argument)
    if event_id is None:
        _, tr = await who(update, context)
        await say(update, tr._("That link is not valid any more."))
        return
    await show_card(update, context, event_id, edit=False)


async def ask_to_register(update: Update, context: Context, press: AskToRegister) -> None:
    person, tr = await who(update, context)
    event, standing = await registration.event_and_standing(
        context.runtime.db, person, press.event_id
    )
    registration.check_open(event, context.runtime.clock())
    title = escape(event.title)
    rows: Buttons
    if standing.status is not None:
        text = tr._("You are already registered for <b>{title}</b>.", title=title)
        mine = standing_text(tr, standing)
        rows = [[(tr._("◀ Back"), OpenCard(event.id))]]
        await say(update, f"{text}\n{mine}", rows, edit=True)
        return
    if event.needs_approval:
        text = tr._(
            "Ask to join <b>{title}</b>? The organiser will approve or decline.", title=title
        )
        label = tr._("✅ Send request")
    elif event.seats_left > 0 and standing.municipality_full:
        text = (
            municipality_full_text(tr, event, person.municipality)
            + "\n"
            + tr._(
                "Join the waiting list for <b>{title}</b>? You get a seat automatically when "
                "one frees up.",
                title=title,
            )
        )
        label = tr._("⏳ Join the waiting list")
    elif event.seats_left > 0:
        text = tr._(
            "Register for <b>{title}</b> ({dates})?", title=title, dates=dates_text(tr, event)
        )
        label = tr._("✅ Yes, register")
    else:
        text = tr._(
            "<b>{title}</b> is full. Join the waiting list? You get a seat "
            "automatically when one frees up.",
            title=title,
        )
        label = tr._("⏳ Join the waiting list")
    rows = [
        [(label, ConfirmRegistration(event.id))],
        [(tr._("◀ Back"), OpenCard(event.id))],
    ]
    await say(update, text, rows, edit=True)


async def send_calendar(update: Update, context: Context, event: EventView) -> None:
    chat = update.effective_chat
    assert chat is not None
    content = event_calendar(event, context.runtime.settings.tz, context.runtime.clock())
    document = InputFile(content, filename=f"kopiena-event-{event.id}.ics")
    await post_unread(context.bot, "sendDocument", chat_id=chat.id, document=document)


async def confirm_registration(
    update: Update, context: Context, press: ConfirmRegistration
) -> None:
    person, tr = await who(update, context)
    outcome = await registration.register(
        context.runtime.db, person, press.event_id, context.runtime.clock()
    )
    place = municipality(person.municipality or "")
    text = outcome_text(tr, outcome, place.name if place else person.municipality or "—")
    replies = [say(update, text, [[(tr._("📋 My registrations"), MyList())]], edit=True)]
    if outcome.status == RegStatus.CONFIRMED and not outcome.already:
        replies.append(send_calendar(update, context, outcome.event))
    if outcome.status == RegStatus.PENDING and not outcome.already:
        replies.append(ask_organisers(context, outcome, person))
    await asyncio.gather(*replies)  # none waits for another: one round trip, not three


async def calendar_file(update: Update, context: Context, press: CalendarFile) -> None:
    person, _ = await who(update, context)
    event = await events_service.event_for(context.runtime.db, person, press.event_id)
    await send_calendar(update, context, event)


MY_CARDS = 10


def my_card(
    tr: Translator, card: Card, now: datetime, toward: Progress | None = None
) -> tuple[str, Buttons]:
    """One registration: status, next session, place or link, hours and what the
    certificate still needs; and its buttons."""
    item, event = card.item, card.event_view
    lines = [f"<b>{escape(event.title)}</b>"]
    if event.status == EventStatus.CANCELLED:
        lines.append(tr._("❌ Cancelled"))
    else:
        standing = Standing(item.id, item.status, item.position, False)
        lines.append(standing_text(tr, standing) or "")
    session = card.next_session
    if session is not None and event.status != EventStatus.CANCELLED:
        when = f"{tr.short_date(session.starts_at)}, {tr.time(session.starts_at)}–"
        when += tr.time(session.ends_at)
        lines.append(tr._("🗓 Next session: {when}", when=when))
        place = session.place or event.place
        if place:
            lines.append(f"📍 {escape(place)}")
        if event.online_url:
            lines.append(tr._("💻 Online: {url}", url=escape(event.online_url)))
    if item.status == RegStatus.CONFIRMED and event.total_hours:
        lines.append(
            "⏱ "
            + tr._(
                "{attended} of {total} attended",
                attended=hours_text(tr, item.attended_hours),
                total=hours_text(tr, event.total_hours),
            )
            + progress_note(tr, toward)
        )
    rows: list[Row] = []
    if card.checkin_open:
        rows.append([(tr._("✅ Check in now"), CheckInNow())])
    for found in card.surveys:
        label = tr._("📝 Feedback: session {number}", number=found.target.number)
        rows.append([(label, start_data(found.target))])
    rows.append(
        [
            (tr._("ℹ️ Event card"), OpenCard(event.id)),
            (tr._("📆 Calendar"), CalendarFile(event.id)),
        ]
    )
    if event.status == EventStatus.PUBLISHED:
        rows.append([(tr._("✖ Cancel my registration"), AskToCancel(item.id))])
    return "\n".join(lines), rows


async def show_mine(update: Update, context: Context, *, edit: bool) -> None:
    person, tr = await who(update, context)
    now = context.runtime.clock()
    found = await my_trainings.cards(context.runtime.db, person, now)
    if not found:
        await say(
            update,
            tr._("You have no registrations. See /events for upcoming trainings."),
            edit=edit,
        )
        return
    header = tr._("<b>My registrations</b>")
    if len(found) > MY_CARDS:
        header += "\n" + tr.ngettext(
            "The {count} nearest are shown.", "The {count} nearest are shown.", MY_CARDS
        )
    await say(update, header, edit=edit)
    toward = await certificate_progress(
        context.runtime.db, person.id, [card.event_view.id for card in found[:MY_CARDS]]
    )
    for card in found[:MY_CARDS]:
        text, rows = my_card(tr, card, now, toward.get(card.event_view.id))
        await say(update, text, rows)


@guarded
async def my_command(update: Update, context: Context) -> None:
    await show_mine(update, context, edit=False)


async def my_list(update: Update, context: Context, press: MyList) -> None:
    await show_mine(update, context, edit=False)


async def ask_to_cancel(update: Update, context: Context, press: AskToCancel) -> None:
    person, tr = await who(update, context)
    registration_id = press.registration_id
    mine = {
        r.id: r
        for r in await registration.mine(context.runtime.db, person, context.runtime.clock())
    }
    item = mine.get(registration_id)
    if item is None:
        raise registration.Stale()
    rows = [
        [
            (tr._("✖ Yes, cancel"), ConfirmCancel(registration_id)),
            (tr._("No, keep it"), MyList()),
        ]
    ]
    await say(
        update,
        tr._("Cancel your registration for <b>{title}</b>?", title=escape(item.event.title)),
        rows,
        edit=True,
    )


async def confirm_cancel(update: Update, context: Context, press: ConfirmCancel) -> None:
    person, tr = await who(update, context)
    result = await registration.cancel(
        context.runtime.db, person, press.registration_id, context.runtime.clock()
    )
    await say(
        update,
        tr._(
            "Your registration for <b>{title}</b> is cancelled.", title=escape(result.event.title)
        ),
        edit=True,
    )
    await tell_promoted(context, result.promoted)


def register(application: Application) -> None:  # type: ignore[type-arg]
    deep_links(application)["event"] = open_event_link
    application.add_handler(CommandHandler("events", events_command))
    application.add_handler(CommandHandler("my", my_command))
    on_press(application, CataloguePage, catalogue_page)
    on_press(application, OpenCard, open_card)
    on_press(application, AskToRegister, ask_to_register)
    on_press(application, ConfirmRegistration, confirm_registration)
    on_press(application, CalendarFile, calendar_file)
    on_press(application, MyList, my_list)
    on_press(application, AskToCancel, ask_to_cancel)
    on_press(application, ConfirmCancel, confirm_cancel)

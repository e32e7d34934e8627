"""The event catalogue, the event card and /my: their buttons and what they show."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from bot.buttons import Button, button
from bot.i18n import Translator
from bot.screens.edit_event import PublishDraft
from bot.screens.event_staff import Manage
from bot.screens.keyboard import Row, Rows, page_row
from bot.screens.refusals import explain
from bot.services import registration
from bot.services.events import EventStatus, EventView, RegStatus, can_manage, can_staff
from bot.services.municipalities import get as municipality
from bot.services.registration import Closed, Outcome, Standing
from bot.services.users import Person

MAX_SESSIONS_ON_CARD = 8
DESCRIPTION_ON_CARD = 600


@button("evp")
class CataloguePage(Button):
    page: int


@button("ev")
class OpenCard(Button):
    event_id: int


@button("ev:r")
class AskToRegister(Button):
    event_id: int


@button("ev:rc")
class ConfirmRegistration(Button):
    event_id: int


@button("ev:ics")
class CalendarFile(Button):
    event_id: int


@button("my:list")
class MyList(Button):
    pass


@button("my:c")
class AskToCancel(Button):
    registration_id: int


@button("my:cc")
class ConfirmCancel(Button):
    registration_id: int


def hours_text(tr: Translator, hours: float) -> str:
    """'2 st. 20 min' / '2 h 20 min': hours and minutes, never decimal hours."""
    return tr.duration(hours * 60)


def dates_text(tr: Translator, event: EventView) -> str:
    if event.starts_at is None or event.ends_at is None:
        return tr._("no sessions yet")
    return tr.date_range(event.starts_at, event.ends_at)


def session_line(tr: Translator, event: EventView, index: int) -> str:
    session = event.sessions[index]
    start, end = tr.time(session.starts_at), tr.time(session.ends_at)
    line = f"• {tr.short_date(session.starts_at)}, {start}–{end}"
    if session.place and session.place != event.place:
        line += f" ({escape(session.place)})"
    return line


def seats_text(tr: Translator, event: EventView) -> str:
    if event.seats_left > 0:
        return tr._(
            "🪑 Seats left: {left} of {capacity}", left=event.seats_left, capacity=event.capacity
        )
    if event.waiting == 0:
        return tr._("🪑 No seats left; the waiting list is empty")
    return tr.ngettext(
        "🪑 Full — waiting list ({count} waiting)",
        "🪑 Full — waiting list ({count} waiting)",
        event.waiting,
    )


def municipality_full_text(tr: Translator, event: EventView, code: str | None) -> str:
    place = municipality(code or "")
    return tr._(
        "🏘 No seats are left for {municipality} (at most {limit} per municipality).",
        municipality=escape(place.name if place else code or "—"),
        limit=event.municipality_limit,
    )


def standing_text(tr: Translator, standing: Standing) -> str | None:
    if standing.status == RegStatus.CONFIRMED:
        return tr._("✅ You have a seat at this training.")
    if standing.status == RegStatus.WAITING:
        return tr._("⏳ You are number {position} on the waiting list.", position=standing.position)
    if standing.status == RegStatus.PENDING:
        return tr._("📨 Your request is waiting for the organiser's decision.")
    return None


def registration_state(
    tr: Translator, event: EventView, person: Person, standing: Standing | None, now: datetime
) -> list[str]:
    """What the person can do about registering, and why not when they cannot."""
    if event.status != EventStatus.PUBLISHED or standing is None:
        return []
    mine = standing_text(tr, standing)
    if mine:
        return [mine]
    try:
        registration.check_open(event, now)
    except Closed as error:
        return [f"⏳ {explain(tr, error)}"]
    lines = []
    if event.closes_at:
        lines.append(tr._("⏳ Registration until {when}", when=tr.until_datetime(event.closes_at)))
    if standing.municipality_full and event.seats_left > 0:
        lines.append(municipality_full_text(tr, event, person.municipality))
    return lines


def card_text(
    tr: Translator,
    event: EventView,
    person: Person,
    bot_username: str,
    standing: Standing | None = None,
    now: datetime | None = None,
) -> str:
    lines = [f"<b>{escape(event.title)}</b>"]
    if event.status == EventStatus.DRAFT:
        lines.append(tr._("📝 Draft: not visible to participants"))
    elif event.status == EventStatus.CANCELLED:
        lines.append(tr._("❌ Cancelled"))
    lines.append(f"📅 {dates_text(tr, event)}")
    if event.place:
        lines.append(f"📍 {escape(event.place)}")
    if event.online_url:
        lines.append(tr._("💻 Online: {url}", url=escape(event.online_url)))
    lines.append(seats_text(tr, event))
    if event.municipality_limit:
        lines.append(tr._("🏘 At most {limit} per municipality", limit=event.municipality_limit))
    if now is None:
        if event.closes_at:
            until = tr.until_datetime(event.closes_at)
            lines.append(tr._("⏳ Registration until {when}", when=until))
    else:
        lines += registration_state(tr, event, person, standing, now)
    if event.needs_approval:
        lines.append(tr._("✋ Registrations are approved by the organiser"))
    total = len(event.sessions)
    lines.append("")
    lines.append(
        tr.ngettext(
            "<b>{count} session</b>, {duration} in all",
            "<b>{count} sessions</b>, {duration} in all",
            total,
            duration=hours_text(tr, event.total_hours),
        )
    )
    lines += [session_line(tr, event, i) for i in range(min(total, MAX_SESSIONS_ON_CARD))]
    if total > MAX_SESSIONS_ON_CARD:
        lines.append(
            tr.ngettext(
                "… and {count} more session",
                "… and {count} more sessions",
                total - MAX_SESSIONS_ON_CARD,
            )
        )
    if event.description:
        description = event.description
        if len(description) > DESCRIPTION_ON_CARD:
            description = description[:DESCRIPTION_ON_CARD].rsplit(" ", 1)[0] + "…"
        lines += ["", escape(description)]
    if can_staff(person, event):
        link = f"https://t.me/{bot_username}?start=event_{event.id}"
        lines += ["", tr._("🔗 Link to this event: {link}", link=link)]
    return "\n".join(lines)


def register_button(
    tr: Translator, event: EventView, standing: Standing | None, now: datetime | None
) -> tuple[str, Button] | None:
    if event.status != EventStatus.PUBLISHED:
        return None
    if standing is not None and standing.registration_id is not None:
        return (tr._("✖ Cancel my registration"), AskToCancel(standing.registration_id))
    if now is not None:
        try:
            registration.check_open(event, now)
        except Closed:
            return None
    if standing is not None and standing.municipality_full and not event.needs_approval:
        return (tr._("⏳ Join the waiting list"), AskToRegister(event.id))
    return (tr._("📝 Register"), AskToRegister(event.id))


def card_buttons(
    tr: Translator,
    event: EventView,
    person: Person,
    standing: Standing | None = None,
    now: datetime | None = None,
) -> Rows:
    rows: list[Row] = []
    button = register_button(tr, event, standing, now)
    if button:
        rows.append([button])
    if event.status == EventStatus.DRAFT and can_manage(person, event):
        rows.append([(tr._("✅ Publish"), PublishDraft(event.id))])
    rows.append([(tr._("📆 Add to calendar"), CalendarFile(event.id))])
    if can_staff(person, event):
        rows.append([(tr._("⚙️ Manage"), Manage(event.id))])
    rows.append([(tr._("◀ All events"), CataloguePage(0))])
    return rows


def status_text(tr: Translator, status: RegStatus, position: int | None) -> str:
    if status == RegStatus.CONFIRMED:
        return tr._("registered")
    if status == RegStatus.WAITING:
        return tr._("waiting list, place {position}", position=position)
    return tr._("waiting for approval")


def card_screen(
    tr: Translator,
    event: EventView,
    person: Person,
    bot_username: str,
    standing: Standing | None,
    now: datetime,
) -> tuple[str, Rows]:
    """The event card as the person sees it now: text and buttons."""
    text = card_text(tr, event, person, bot_username, standing, now)
    return text, card_buttons(tr, event, person, standing, now)


def promoted_text(tr: Translator, title: str) -> str:
    return tr._("🎉 A seat has freed up: you are now registered for <b>{title}</b>.", title=title)


def outcome_text(tr: Translator, outcome: Outcome, municipality_name: str = "—") -> str:
    title = escape(outcome.event.title)
    if outcome.already:
        prefix = tr._("You are already registered for <b>{title}</b>.", title=title)
        if outcome.status == RegStatus.WAITING:
            return (
                prefix
                + " "
                + tr._("Your place on the waiting list: {position}.", position=outcome.position)
            )
        if outcome.status == RegStatus.PENDING:
            return prefix + " " + tr._("The organiser has not decided yet.")
        return prefix
    if outcome.status == RegStatus.CONFIRMED:
        when = tr.on_datetime(outcome.event.starts_at) if outcome.event.starts_at else ""
        return tr._(
            "✅ You are registered for <b>{title}</b>. It starts on {when}. "
            "The calendar file below has every session.",
            title=title,
            when=when,
        )
    if outcome.status == RegStatus.WAITING and outcome.municipality_full:
        return tr._(
            "⏳ No seats are left for {municipality} (at most {limit} per municipality). "
            "You are number {position} on the waiting list for <b>{title}</b>; I will tell "
            "you as soon as a seat frees up.",
            municipality=escape(municipality_name),
            limit=outcome.event.municipality_limit,
            position=outcome.position,
            title=title,
        )
    if outcome.status == RegStatus.WAITING:
        return tr._(
            "⏳ <b>{title}</b> is full. You are number {position} on the waiting list; "
            "I will tell you as soon as a seat frees up.",
            title=title,
            position=outcome.position,
        )
    return tr._(
        "📨 Your request to join <b>{title}</b> has been sent. I will tell you when "
        "the organiser decides.",
        title=title,
    )


def catalogue_screen(
    tr: Translator, found: Sequence[EventView], page: int, pages: int
) -> tuple[str, Rows]:
    """A page of upcoming trainings: a line and a button each, and the page row."""
    lines = [tr._("<b>Upcoming trainings</b>")]
    rows: list[Row] = []
    for event in found:
        when = tr.short_date(event.starts_at) if event.starts_at else "—"
        state = (
            tr._("seats left: {left}", left=event.seats_left)
            if event.seats_left
            else tr._("waiting list")
        )
        lines.append(f"• <b>{escape(event.title)}</b> — {when}; {state}")
        rows.append([(f"{event.title[:40]} · {when}", OpenCard(event.id))])
    if pages > 1:
        rows.append(page_row(CataloguePage, page, pages))
    return "\n".join(lines), rows

"""Creating and changing events: the checks an organiser's input must pass.

Used by the /new_event wizard, editing, and `kopiena events import`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_
from bot.services.certificates import DEFAULT_PERCENT, check_percent, clean_programme
from bot.services.errors import InvalidInput
from bot.services.events import EventStatus, EventView, lock_seats, require_manage, view
from bot.services.ids import parse_id
from bot.services.registration import Promotion, promote
from bot.services.roles import require
from bot.services.users import Person, Role
from storage.models import Attendance, Event, EventTrainer
from storage.models import Session as EventSession

TITLE_LIMIT = 150
DESCRIPTION_LIMIT = 2000
PLACE_LIMIT = 300
URL_LIMIT = 500
CAPACITY_LIMIT = 10_000
MAX_SESSIONS = 200
DATE_PATTERN = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\.?\s*$")
TIME_PATTERN = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")
URL_PATTERN = re.compile(r"^https?://\S+$")


@dataclass
class SessionDraft:
    starts_at: datetime
    ends_at: datetime
    place: str | None = None


@dataclass
class EventDraft:
    title: str
    capacity: int
    sessions: list[SessionDraft]
    description: str = ""
    place: str | None = None
    online_url: str | None = None
    municipality_limit: int | None = None
    needs_approval: bool = False
    registration_opens_at: datetime | None = None
    registration_deadline: datetime | None = None
    key: str | None = None
    trainer_ids: list[int] = field(default_factory=list)
    completion_percent: int = DEFAULT_PERCENT
    completion_needs_survey: bool = False
    programme: str | None = None


def clean_text(text: str, limit: int, *, what: str) -> str:
    value = " ".join(text.split()) if what != "description" else text.strip()
    if not value:
        raise InvalidInput(N_("Please type some text."))
    if len(value) > limit:
        raise InvalidInput(
            N_("That is too long: at most {limit} characters, you sent {length}."),
            limit=limit,
            length=len(value),
        )
    return value


def clean_title(text: str) -> str:
    return clean_text(text, TITLE_LIMIT, what="title")


def clean_url(text: str) -> str:
    value = text.strip()
    if len(value) > URL_LIMIT or not URL_PATTERN.match(value):
        raise InvalidInput(N_("Please send a web link that starts with https://"))
    return value


def parse_count(text: str, *, limit: int = CAPACITY_LIMIT) -> int:
    value = text.strip()
    negative = value.startswith("-")
    number = parse_id(value[1:] if negative else value)
    if number is None:
        raise InvalidInput(N_("Please send a whole number, for example 25."))
    number = -number if negative else number
    if number < 1:
        raise InvalidInput(N_("The number must be at least 1."))
    if number > limit:
        raise InvalidInput(N_("The number can be at most {limit}."), limit=limit)
    return number


def parse_date(text: str) -> date:
    match = DATE_PATTERN.match(text)
    if not match:
        raise InvalidInput(N_("Please send a date as DD.MM.YYYY, for example 27.09.2027."))
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(N_("There is no such date. Please check the day and month.")) from None


def parse_time(text: str) -> time:
    match = TIME_PATTERN.match(text)
    if not match:
        raise InvalidInput(N_("Please send a time as HH:MM, for example 09:30."))
    hour, minute = (int(part) for part in match.groups())
    if hour > 23 or minute > 59:
        raise InvalidInput(N_("There is no such time. Please use 00:00 to 23:59."))
    return time(hour, minute)


def local_moment(day: date, at: time, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone)


def parse_moment(text: str, timezone: ZoneInfo) -> datetime:
    """'DD.MM.YYYY HH:MM' (or just the date, meaning the end of that day) in local time."""
    parts = text.split()
    if len(parts) == 1:
        return local_moment(parse_date(parts[0]), time(23, 59), timezone)
    if len(parts) == 2:
        return local_moment(parse_date(parts[0]), parse_time(parts[1]), timezone)
    raise InvalidInput(N_("Please send a date and time as DD.MM.YYYY HH:MM."))


def check_session(new: SessionDraft, others: list[SessionDraft], now: datetime) -> None:
    if new.starts_at <= now:
        raise InvalidInput(N_("That time is in the past. Please send a future date."))
    if new.ends_at <= new.starts_at:
        raise InvalidInput(N_("The session must end after it starts."))
    if new.ends_at - new.starts_at > timedelta(hours=24):
        raise InvalidInput(N_("A session can last at most 24 hours; add one session per day."))
    for other in others:
        if new.starts_at < other.ends_at and other.starts_at < new.ends_at:
            raise InvalidInput(
                N_("This session overlaps another one ({when})."), when=other.starts_at
            )


def check_draft(draft: EventDraft, now: datetime) -> None:
    clean_title(draft.title)
    if not draft.sessions:
        raise InvalidInput(N_("An event needs at least one session."))
    if len(draft.sessions) > MAX_SESSIONS:
        raise InvalidInput(N_("An event can have at most {limit} sessions."), limit=MAX_SESSIONS)
    ordered = sorted(draft.sessions, key=lambda s: s.starts_at)
    for index, item in enumerate(ordered):
        check_session(item, ordered[:index], now)
    if draft.municipality_limit and draft.municipality_limit > draft.capacity:
        raise InvalidInput(N_("The limit per municipality cannot be larger than the capacity."))
    if draft.registration_deadline and draft.registration_deadline > ordered[0].starts_at:
        raise InvalidInput(N_("Registration must close before the first session starts."))
    check_percent(draft.completion_percent)
    if draft.programme is not None:
        clean_programme(draft.programme)


async def create_event(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    draft: EventDraft,
    now: datetime,
    *,
    publish: bool,
) -> int:
    require(actor, Role.ORGANISER)
    check_draft(draft, now)
    async with db.begin() as session:
        event = Event(
            key=draft.key,
            title=clean_title(draft.title),
            description=draft.description,
            place=draft.place,
            online_url=draft.online_url,
            organiser_id=actor.id,
            capacity=draft.capacity,
            municipality_limit=draft.municipality_limit,
            needs_approval=draft.needs_approval,
            registration_opens_at=draft.registration_opens_at,
            registration_deadline=draft.registration_deadline,
            status=(EventStatus.PUBLISHED if publish else EventStatus.DRAFT).value,
            completion_percent=draft.completion_percent,
            completion_needs_survey=draft.completion_needs_survey,
            programme=clean_programme(draft.programme) if draft.programme else None,
        )
        session.add(event)
        await session.flush()
        for item in sorted(draft.sessions, key=lambda s: s.starts_at):
            session.add(
                EventSession(
                    event_id=event.id,
                    starts_at=item.starts_at,
                    ends_at=item.ends_at,
                    place=item.place,
                )
            )
        for user_id in draft.trainer_ids:
            session.add(EventTrainer(event_id=event.id, user_id=user_id))
        return event.id


EDITABLE_FIELDS = (
    "title",
    "description",
    "place",
    "online_url",
    "capacity",
    "municipality_limit",
    "needs_approval",
    "registration_deadline",
    "registration_opens_at",
)


async def update_field(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    event_id: int,
    name: str,
    value: Any,
    now: datetime | None = None,
) -> tuple[EventView, list[Promotion]]:
    """Change one field; a larger capacity (or limit) gives seats to the waiting list."""
    if name not in EDITABLE_FIELDS:
        raise InvalidInput(N_("That cannot be changed."))
    async with db.begin() as session:
        await lock_seats(session, event_id)
        current = await view(session, event_id)
        require_manage(actor, current)
        if current.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
            raise InvalidInput(N_("A cancelled or finished event cannot be changed."))
        if name == "capacity" and value < current.confirmed:
            raise InvalidInput(
                N_("{count} people are already registered; the capacity cannot be lower."),
                count=current.confirmed,
            )
        if (
            name == "registration_deadline"
            and value
            and current.starts_at
            and (value > current.starts_at)
        ):
            raise InvalidInput(N_("Registration must close before the first session starts."))
        opens = value if name == "registration_opens_at" else current.registration_opens_at
        closes = value if name == "registration_deadline" else current.registration_deadline
        closes_at = closes or current.starts_at
        if opens and closes_at and opens >= closes_at:
            raise InvalidInput(N_("Registration must open before it closes."))
        event = await session.get(Event, event_id)
        assert event is not None
        setattr(event, name, value)
        await session.flush()
        promoted = await promote(session, event_id, now)
        return await view(session, event_id), promoted


async def publish(db: async_sessionmaker[AsyncSession], actor: Person, event_id: int) -> EventView:
    async with db.begin() as session:
        current = await view(session, event_id)
        require_manage(actor, current)
        event = await session.get(Event, event_id)
        assert event is not None
        if event.status == EventStatus.DRAFT:
            event.status = EventStatus.PUBLISHED.value
            await session.flush()
        return await view(session, event_id)


async def replace_sessions(
    session: AsyncSession, event_id: int, sessions: list[SessionDraft]
) -> None:
    """Make the event's sessions match `sessions`, keeping those that start at the same time
    (and their attendance)."""
    existing = {
        s.starts_at: s
        for s in await session.scalars(
            select(EventSession).where(EventSession.event_id == event_id)
        )
    }
    wanted = {s.starts_at: s for s in sessions}
    for start, row in existing.items():
        if start not in wanted:
            await session.execute(delete(Attendance).where(Attendance.session_id == row.id))
            await session.delete(row)
    for start, item in wanted.items():
        row = existing.get(start)
        if row is None:
            session.add(
                EventSession(
                    event_id=event_id,
                    starts_at=item.starts_at,
                    ends_at=item.ends_at,
                    place=item.place,
                )
            )
        else:
            row.ends_at, row.place = item.ends_at, item.place

"""Automatic reminders before each session, as rows in the outbox.

Planning makes the outbox match who should be reminded: one Delivery per (session,
offset, person) with the key `reminder:{session}:{offset}:{user}`, due `offset` minutes
before the session and expiring when it starts. Planning is idempotent, so it runs
whenever something changes (a registration, a mute, the event's offsets) and for every
event at start-up; a reminder already sent is never planned again, one no longer wanted
is cancelled while pending. A reminder whose time has already passed when it is first
planned (someone registers 10 hours before the session: no 24-hour reminder) is not
created; one planned earlier that fell due while the bot was down is sent at start if
its session has not begun, and expires (logged) otherwise.

The dispatcher checks again when it sends (`still_due`), so a cancellation that
planning has not seen yet never reaches anyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_
from bot.outbox import enqueue_many
from bot.services.errors import InvalidInput, Stale
from bot.services.events import (
    EventStatus,
    EventView,
    RegStatus,
    SessionView,
    require_manage,
    require_staff,
    view,
)
from bot.services.users import Person
from storage.db import insert
from storage.models import (
    Delivery,
    DeliveryStatus,
    Event,
    EventReminders,
    Registration,
    ReminderMute,
    User,
    utcnow,
)
from storage.models import Session as EventSession

KIND = "reminder"
ALL_EVENTS = 0  # ReminderMute.event_id for "no reminders for any event"
# What an organiser can pick, in minutes: a week, 3 days, 2 days, 24 h, 12 h, 3 h, 2 h, 1 h, 30 min.
PRESETS = (10080, 4320, 2880, 1440, 720, 180, 120, 60, 30)
MAX_OFFSETS = 5

_defaults: tuple[int, ...] = (1440, 60)


def set_defaults(offsets: Sequence[int]) -> None:
    """The global offsets (REMINDER_OFFSETS_MINUTES), for events without their own."""
    global _defaults
    _defaults = tuple(sorted(set(offsets), reverse=True))


def defaults() -> tuple[int, ...]:
    return _defaults


def key(session_id: int, offset: int, user_id: int) -> str:
    return f"{KIND}:{session_id}:{offset}:{user_id}"


@dataclass(frozen=True)
class Settings:
    offsets: tuple[int, ...]
    custom: bool  # the event has its own offsets
    skipped: frozenset[str]  # "session:offset"


async def event_settings(session: AsyncSession, event_id: int) -> Settings:
    row = await session.get(EventReminders, event_id)
    if row is None:
        return Settings(_defaults, False, frozenset())
    custom = row.offsets is not None
    offsets = tuple(sorted(set(row.offsets), reverse=True)) if custom else _defaults  # type: ignore[arg-type]
    return Settings(offsets, custom, frozenset(row.skipped or ()))


async def _muted(session: AsyncSession, event_id: int, user_ids: Iterable[int]) -> set[int]:
    ids = list(user_ids)
    if not ids:
        return set()
    found = await session.scalars(_MUTED, {"ids": ids, "events": [event_id, ALL_EVENTS]})
    return set(found)


# Built once: every confirmed registration plans its reminders with them.
_MUTED = select(ReminderMute.user_id).where(
    ReminderMute.user_id.in_(bindparam("ids", expanding=True)),
    ReminderMute.event_id.in_(bindparam("events", expanding=True)),
)
_SESSIONS_AHEAD = select(EventSession).where(
    EventSession.event_id == bindparam("event"), EventSession.starts_at > bindparam("now")
)
_CONFIRMED = (
    select(Registration.user_id)
    .join(User, User.id == Registration.user_id)
    .where(
        Registration.event_id == bindparam("event"),
        Registration.status == RegStatus.CONFIRMED.value,
        User.telegram_id.is_not(None),
    )
)
_CONFIRMED_OF = _CONFIRMED.where(Registration.user_id.in_(bindparam("people", expanding=True)))
_PLANNED = select(Delivery).where(
    Delivery.kind == KIND, Delivery.ref_id.in_(bindparam("sessions", expanding=True))
)
_PLANNED_OF = _PLANNED.where(Delivery.user_id.in_(bindparam("people", expanding=True)))


async def plan(
    session: AsyncSession,
    event_id: int,
    now: datetime | None = None,
    user_ids: Iterable[int] | None = None,
) -> int:
    """Make the event's pending reminders match who should get them (everyone, or only
    `user_ids`). Runs inside the caller's write transaction; returns rows added."""
    now = now or utcnow()
    people = None if user_ids is None else set(user_ids)
    event = await session.get(Event, event_id)
    if event is None:
        return 0
    sessions = list(await session.scalars(_SESSIONS_AHEAD, {"event": event_id, "now": now}))
    if not sessions:
        return 0
    wanted: dict[str, tuple[int, EventSession, int, datetime]] = {}
    only = {} if people is None else {"people": list(people)}
    if event.status == EventStatus.PUBLISHED.value:
        confirmed = set(
            await session.scalars(
                _CONFIRMED if people is None else _CONFIRMED_OF, {"event": event_id, **only}
            )
        )
        recipients = confirmed - await _muted(session, event_id, confirmed)
        settings = await event_settings(session, event_id)
        for row in sessions:
            for offset in settings.offsets:
                if f"{row.id}:{offset}" in settings.skipped:
                    continue
                due = row.starts_at - timedelta(minutes=offset)
                for user_id in recipients:
                    wanted[key(row.id, offset, user_id)] = (user_id, row, offset, due)
    existing = await session.scalars(
        _PLANNED if people is None else _PLANNED_OF,
        {"sessions": [row.id for row in sessions], **only},
    )
    for delivery in existing:
        want = wanted.pop(delivery.dedupe_key, None)
        if want is None:
            if delivery.status == DeliveryStatus.PENDING:
                delivery.status = DeliveryStatus.CANCELLED
            continue
        _, row, _, due = want
        if delivery.status == DeliveryStatus.PENDING and delivery.due_at != due:
            delivery.due_at, delivery.expires_at = due, row.starts_at
        elif delivery.status == DeliveryStatus.CANCELLED and due >= now:
            delivery.status, delivery.due_at, delivery.attempts = DeliveryStatus.PENDING, due, 0
            delivery.expires_at = row.starts_at
    await session.flush()
    # A reminder whose moment passed before it was wanted is not a missed one: not added.
    return await enqueue_many(
        session,
        [
            {
                "user_id": user_id,
                "kind": KIND,
                "dedupe_key": dedupe_key,
                "due_at": due,
                "ref_id": row.id,
                "payload": {"event_id": event_id, "offset": offset},
                "expires_at": row.starts_at,
            }
            for dedupe_key, (user_id, row, offset, due) in wanted.items()
            if due >= now
        ],
    )


async def plan_all(db: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """At start-up: plan every event that still has sessions ahead."""
    async with db() as session:
        event_ids = list(
            await session.scalars(
                select(EventSession.event_id).where(EventSession.starts_at > now).distinct()
            )
        )
    added = 0
    for event_id in event_ids:
        async with db.begin() as session:
            added += await plan(session, event_id, now)
    return added


@dataclass(frozen=True)
class Reminder:
    event: EventView
    session: SessionView
    number: int  # of the event's sessions, from 1
    offset: int


async def still_due(
    db: async_sessionmaker[AsyncSession], user_id: int, session_id: int, offset: int, now: datetime
) -> Reminder | None:
    """What a reminder shows, or None if it should not go out any more."""
    async with db() as session:
        row = await session.get(EventSession, session_id)
        if row is None or row.starts_at <= now:
            return None
        event = await view(session, row.event_id)
        if event.status != EventStatus.PUBLISHED:
            return None
        status = await session.scalar(
            select(Registration.status).where(
                Registration.event_id == event.id, Registration.user_id == user_id
            )
        )
        if status != RegStatus.CONFIRMED.value or await _muted(session, event.id, [user_id]):
            return None
        settings = await event_settings(session, event.id)
        if offset not in settings.offsets or f"{session_id}:{offset}" in settings.skipped:
            return None
        for later in settings.offsets:
            if (
                later < offset
                and f"{session_id}:{later}" not in settings.skipped
                and now >= row.starts_at - timedelta(minutes=later)
            ):
                return None  # missed while down: only the latest reminder goes out
    number = next(i for i, s in enumerate(event.sessions, start=1) if s.id == session_id)
    return Reminder(event, event.sessions[number - 1], number, offset)


# -- participants: muting --------------------------------------------------------------


@dataclass(frozen=True)
class MuteItem:
    event_id: int
    title: str
    starts_at: datetime | None
    muted: bool


@dataclass(frozen=True)
class Mutes:
    all_muted: bool
    events: list[MuteItem]


async def mutes(db: async_sessionmaker[AsyncSession], person: Person, now: datetime) -> Mutes:
    """The person's reminder settings, with every event they are registered for ahead."""
    async with db() as session:
        muted = set(
            await session.scalars(
                select(ReminderMute.event_id).where(ReminderMute.user_id == person.id)
            )
        )
        rows = await session.execute(
            select(Event.id, Event.title, EventSession.starts_at)
            .join(Registration, Registration.event_id == Event.id)
            .join(EventSession, EventSession.event_id == Event.id)
            .where(
                Registration.user_id == person.id,
                Registration.status == RegStatus.CONFIRMED.value,
                Event.status == EventStatus.PUBLISHED.value,
                EventSession.starts_at > now,
            )
            .order_by(EventSession.starts_at)
        )
        seen: dict[int, MuteItem] = {}
        for event_id, title, starts_at in rows:
            if event_id not in seen:
                seen[event_id] = MuteItem(event_id, title, starts_at, event_id in muted)
    return Mutes(ALL_EVENTS in muted, list(seen.values()))


async def set_muted(
    db: async_sessionmaker[AsyncSession],
    person: Person,
    event_id: int,
    muted: bool,
    now: datetime,
) -> None:
    """Mute or unmute automatic reminders for one event, or for all (`ALL_EVENTS`).
    Pressing twice changes nothing more."""
    async with db.begin() as session:
        if event_id != ALL_EVENTS:
            registered = await session.scalar(
                select(Registration.id).where(
                    Registration.event_id == event_id, Registration.user_id == person.id
                )
            )
            if registered is None:
                raise Stale()
        if muted:
            await session.execute(
                insert(session)(ReminderMute)
                .values(user_id=person.id, event_id=event_id, at=utcnow())
                .on_conflict_do_nothing()
            )
        else:
            await session.execute(
                delete(ReminderMute).where(
                    ReminderMute.user_id == person.id, ReminderMute.event_id == event_id
                )
            )
        if event_id != ALL_EVENTS:
            await plan(session, event_id, now, [person.id])
            return
        event_ids = await session.scalars(
            select(Registration.event_id).where(
                Registration.user_id == person.id,
                Registration.status == RegStatus.CONFIRMED.value,
            )
        )
        for each in list(event_ids):
            await plan(session, each, now, [person.id])


# -- staff: the event's reminders -------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    session: SessionView
    offset: int
    due_at: datetime
    people: int


@dataclass(frozen=True)
class Overview:
    event: EventView
    settings: Settings
    planned: list[Planned]


async def overview(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int, now: datetime
) -> Overview:
    """The event's reminder times and the reminders still to go out, soonest first."""
    async with db() as session:
        event = await view(session, event_id)
        require_staff(actor, event)
        settings = await event_settings(session, event_id)
        sessions = {s.id: s for s in event.sessions}
        counts: dict[tuple[int, int], int] = {}
        dues: dict[tuple[int, int], datetime] = {}
        if sessions and event.status == EventStatus.PUBLISHED:
            rows = await session.execute(
                select(Delivery.ref_id, Delivery.payload, Delivery.due_at).where(
                    Delivery.kind == KIND,
                    Delivery.ref_id.in_(list(sessions)),
                    Delivery.status == DeliveryStatus.PENDING,
                )
            )
            for ref_id, payload, due_at in rows:
                slot = (int(ref_id), int((payload or {}).get("offset", 0)))
                counts[slot] = counts.get(slot, 0) + 1
                dues[slot] = due_at
    planned = [
        Planned(sessions[session_id], offset, dues[(session_id, offset)], people)
        for (session_id, offset), people in counts.items()
    ]
    planned.sort(key=lambda p: p.due_at)
    return Overview(event, settings, planned)


async def planned_one(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    session_id: int,
    offset: int,
    now: datetime,
) -> tuple[EventView, Planned]:
    """One reminder still to go out, for the event's organiser to cancel."""
    async with db() as session:
        event_id = await session.scalar(
            select(EventSession.event_id).where(EventSession.id == session_id)
        )
    if event_id is None:
        raise Stale()
    found = await overview(db, actor, event_id, now)
    require_manage(actor, found.event)
    for planned in found.planned:
        if planned.session.id == session_id and planned.offset == offset:
            return found.event, planned
    raise Stale()


async def change_offsets(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    event_id: int,
    now: datetime,
    *,
    add: int | None = None,
    remove: int | None = None,
    reset: bool = False,
) -> Settings:
    """The event's organiser adds or removes a reminder time, or goes back to the defaults."""
    async with db.begin() as session:
        event = await view(session, event_id)
        require_manage(actor, event)
        if event.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
            raise InvalidInput(N_("A cancelled or finished event cannot be changed."))
        current = await event_settings(session, event_id)
        offsets = set(current.offsets)
        if add is not None:
            if add not in PRESETS:
                raise Stale()
            if add not in offsets and len(offsets) >= MAX_OFFSETS:
                raise InvalidInput(
                    N_("At most {count} reminders per session; remove one first."),
                    count=MAX_OFFSETS,
                )
            offsets.add(add)
        if remove is not None:
            offsets.discard(remove)
        row = await session.get(EventReminders, event_id)
        if row is None:
            row = EventReminders(event_id=event_id, skipped=[])
            session.add(row)
        row.offsets = None if reset else sorted(offsets, reverse=True)
        await session.flush()
        await plan(session, event_id, now)
        return await event_settings(session, event_id)


async def skip(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    session_id: int,
    offset: int,
    now: datetime,
) -> EventView:
    """Cancel one reminder (one session, one offset) for everyone, before it goes out."""
    async with db.begin() as session:
        row = await session.get(EventSession, session_id)
        if row is None:
            raise Stale()
        event = await view(session, row.event_id)
        require_manage(actor, event)
        pending = await session.execute(
            update(Delivery)
            .where(
                Delivery.kind == KIND,
                Delivery.ref_id == session_id,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.dedupe_key.like(f"{KIND}:{session_id}:{offset}:%"),
            )
            .values(status=DeliveryStatus.CANCELLED)
        )
        if not pending.rowcount:
            raise Stale()
        settings = await session.get(EventReminders, event.id)
        if settings is None:
            settings = EventReminders(event_id=event.id, offsets=None, skipped=[])
            session.add(settings)
        settings.skipped = sorted({*(settings.skipped or []), f"{session_id}:{offset}"})
        await session.flush()
        return event

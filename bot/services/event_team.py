"""An event's trainers and sessions, changed after it was created, and copying an event.

Only the event's managers (its organiser, or an admin) may change these; every function
checks that itself. Moving or deleting a session re-plans the reminders at once; surveys
are planned from the session times when they fall due, so they follow by themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_
from bot.outbox import enqueue_many
from bot.services import reminders
from bot.services.errors import InvalidInput, NotAllowed, Stale
from bot.services.event_builder import (
    MAX_SESSIONS,
    SessionDraft,
    check_session,
    local_moment,
    parse_date,
    parse_time,
)
from bot.services.events import (
    ACTIVE,
    EventStatus,
    EventView,
    require_manage,
    view,
)
from bot.services.municipalities import fold
from bot.services.users import Person, Role
from storage.models import (
    Delivery,
    DeliveryStatus,
    Event,
    EventReminders,
    EventTrainer,
    Registration,
    User,
    UserRole,
)
from storage.models import Session as EventSession

MOVED_KIND = "session_moved"
SEARCH_LIMIT = 8
STAFF_ROLES = (Role.TRAINER.value, Role.ORGANISER.value, Role.ADMIN.value)
SESSION_PATTERN = re.compile(r"^\s*(\S+)\s+(\d{1,2}[:.]\d{2})\s*[-–—]\s*(\d{1,2}[:.]\d{2})\s*$")
CHANGEABLE = (EventStatus.DRAFT, EventStatus.PUBLISHED)


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str


async def _managed(session: AsyncSession, actor: Person, event_id: int) -> EventView:
    event = await view(session, event_id)
    require_manage(actor, event)
    if event.status not in CHANGEABLE:
        raise InvalidInput(N_("A cancelled or finished event cannot be changed."))
    return event


# -- trainers -------------------------------------------------------------------------------


async def trainers(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int
) -> tuple[EventView, list[Member]]:
    async with db() as session:
        event = await view(session, event_id)
        require_manage(actor, event)
        rows = await session.execute(
            select(User.id, User.full_name)
            .join(EventTrainer, EventTrainer.user_id == User.id)
            .where(EventTrainer.event_id == event_id)
        )
        members = [Member(user_id, name or "—") for user_id, name in rows]
    return event, sorted(members, key=lambda m: fold(m.name))


def _matches(name: str, words: list[str]) -> bool:
    folded = fold(name)
    return all(word in folded for word in words)


async def find_trainers(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int, query: str
) -> list[Member]:
    """People with a staff role whose name contains every typed word (any case, with or
    without diacritics: "berz" finds "Bērziņa")."""
    words = fold(query).split()
    if not words or len(query) > 100:
        raise InvalidInput(N_("Please type a part of the trainer's name."))
    async with db() as session:
        event = await _managed(session, actor, event_id)
        rows = await session.execute(
            select(User.id, User.full_name)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role.in_(STAFF_ROLES),
                User.onboarded_at.is_not(None),
                User.full_name.is_not(None),
            )
            .distinct()
        )
        found = [
            Member(user_id, name)
            for user_id, name in rows
            if _matches(name, words) and user_id not in event.trainer_ids
        ]
    return sorted(found, key=lambda m: fold(m.name))[:SEARCH_LIMIT]


async def add_trainer(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int, user_id: int
) -> tuple[EventView, Member]:
    async with db.begin() as session:
        await _managed(session, actor, event_id)
        user = await session.get(User, user_id)
        role = await session.scalar(
            select(UserRole.role).where(UserRole.user_id == user_id, UserRole.role.in_(STAFF_ROLES))
        )
        if user is None or role is None or user.onboarded_at is None:
            raise NotAllowed(N_("Only people with the trainer role can train at an event."))
        exists = await session.get(EventTrainer, (event_id, user_id))
        if exists is None:
            session.add(EventTrainer(event_id=event_id, user_id=user_id))
            await session.flush()
        return await view(session, event_id), Member(user_id, user.full_name or "—")


async def remove_trainer(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int, user_id: int
) -> EventView:
    async with db.begin() as session:
        await _managed(session, actor, event_id)
        await session.execute(
            delete(EventTrainer).where(
                EventTrainer.event_id == event_id, EventTrainer.user_id == user_id
            )
        )
        return await view(session, event_id)


# -- sessions -------------------------------------------------------------------------------


def parse_session(text: str, timezone: ZoneInfo) -> tuple[datetime, datetime]:
    """'27.09.2027 09:00-17:00' in local time."""
    match = SESSION_PATTERN.match(text)
    if not match:
        raise InvalidInput(
            N_(
                "Please send the date and times as DD.MM.YYYY HH:MM-HH:MM, for example "
                "27.09.2027 09:00-17:00."
            )
        )
    day = parse_date(match.group(1))
    start, end = parse_time(match.group(2)), parse_time(match.group(3))
    return local_moment(day, start, timezone), local_moment(day, end, timezone)


async def _event_sessions(session: AsyncSession, event_id: int) -> list[EventSession]:
    return list(
        await session.scalars(select(EventSession).where(EventSession.event_id == event_id))
    )


def _check(rows: list[EventSession], starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    others = [SessionDraft(r.starts_at, r.ends_at) for r in rows]
    check_session(SessionDraft(starts_at, ends_at), others, now)


async def _own_session(session: AsyncSession, actor: Person, session_id: int) -> EventSession:
    row = await session.get(EventSession, session_id)
    if row is None:
        raise Stale()
    await _managed(session, actor, row.event_id)
    return row


async def add_session(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    event_id: int,
    span: tuple[datetime, datetime],
    now: datetime,
) -> EventView:
    async with db.begin() as session:
        event = await _managed(session, actor, event_id)
        rows = await _event_sessions(session, event_id)
        if len(rows) >= MAX_SESSIONS:
            raise InvalidInput(
                N_("An event can have at most {limit} sessions."), limit=MAX_SESSIONS
            )
        _check(rows, *span, now)
        session.add(EventSession(event_id=event_id, starts_at=span[0], ends_at=span[1]))
        await session.flush()
        await _deadline_still_fits(session, event)
        await reminders.plan(session, event_id, now)
        return await view(session, event_id)


async def _deadline_still_fits(session: AsyncSession, event: EventView) -> None:
    first = await session.scalar(
        select(EventSession.starts_at)
        .where(EventSession.event_id == event.id)
        .order_by(EventSession.starts_at)
        .limit(1)
    )
    if event.registration_deadline and first and event.registration_deadline > first:
        raise InvalidInput(N_("Registration must close before the first session starts."))


@dataclass(frozen=True)
class Moved:
    event: EventView
    told: int  # registrants who will be told through the outbox


async def move_session(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    session_id: int,
    span: tuple[datetime, datetime],
    now: datetime,
) -> Moved:
    """Give a session new times; its reminders move with it and everyone registered
    (confirmed, waiting or asking) is told."""
    async with db.begin() as session:
        row = await _own_session(session, actor, session_id)
        if row.ends_at <= now:
            raise InvalidInput(N_("This session is over; it cannot be moved."))
        event = await view(session, row.event_id)
        others = [r for r in await _event_sessions(session, row.event_id) if r.id != row.id]
        _check(others, *span, now)
        old_start, old_end = row.starts_at, row.ends_at
        row.starts_at, row.ends_at = span
        row.checkin_code = None
        await session.flush()
        await _deadline_still_fits(session, event)
        await reminders.plan(session, row.event_id, now)
        await _forget_planned_surveys(session, session_id)
        told = 0
        if event.status == EventStatus.PUBLISHED:
            people = await session.scalars(
                select(Registration.user_id)
                .join(User, User.id == Registration.user_id)
                .where(
                    Registration.event_id == row.event_id,
                    Registration.status.in_([s.value for s in ACTIVE]),
                    User.telegram_id.is_not(None),
                )
            )
            stamp = int(span[0].timestamp())
            payload = {
                "event_id": row.event_id,
                "old_start": old_start.isoformat(),
                "old_end": old_end.isoformat(),
                "new_start": span[0].isoformat(),
                "new_end": span[1].isoformat(),
            }
            told = await enqueue_many(
                session,
                [
                    {
                        "user_id": user_id,
                        "kind": MOVED_KIND,
                        "dedupe_key": f"{MOVED_KIND}:{session_id}:{stamp}:{user_id}",
                        "due_at": now,
                        "ref_id": session_id,
                        "payload": payload,
                        "expires_at": span[0],
                    }
                    for user_id in people
                ],
            )
        return Moved(await view(session, row.event_id), told)


async def still_registered(session: AsyncSession, event_id: int, user_id: int) -> bool:
    status = await session.scalar(
        select(Registration.status).where(
            Registration.event_id == event_id, Registration.user_id == user_id
        )
    )
    return status in {s.value for s in ACTIVE}


async def _forget_planned_surveys(session: AsyncSession, session_id: int) -> None:
    """Survey invitations not yet sent for this session go; the planner makes them again
    from the new times (their keys must be free for that)."""
    from bot.services.surveys import NUDGE_KIND, SURVEY_KIND

    pending = await session.scalars(
        select(Delivery).where(
            Delivery.kind.in_([SURVEY_KIND, NUDGE_KIND]), Delivery.status == DeliveryStatus.PENDING
        )
    )
    for delivery in pending:
        if (delivery.payload or {}).get("session") == session_id:
            await session.delete(delivery)
    await session.flush()


async def delete_session(
    db: async_sessionmaker[AsyncSession], actor: Person, session_id: int, now: datetime
) -> EventView:
    async with db.begin() as session:
        row = await _own_session(session, actor, session_id)
        event_id = row.event_id
        if len(await _event_sessions(session, event_id)) <= 1:
            raise InvalidInput(N_("An event needs at least one session."))
        await session.execute(
            Delivery.__table__.update()
            .where(
                Delivery.kind == reminders.KIND,
                Delivery.ref_id == session_id,
                Delivery.status == DeliveryStatus.PENDING,
            )
            .values(status=DeliveryStatus.CANCELLED)
        )
        await _forget_planned_surveys(session, session_id)
        await session.delete(row)
        await session.flush()
        return await view(session, event_id)


async def session_of(
    db: async_sessionmaker[AsyncSession], actor: Person, session_id: int
) -> tuple[EventView, int]:
    """The event of a session the actor may change, and the session's place in it (0-based)."""
    async with db() as session:
        row = await _own_session(session, actor, session_id)
        event = await view(session, row.event_id)
    index = next(i for i, s in enumerate(event.sessions) if s.id == session_id)
    return event, index


# -- copying --------------------------------------------------------------------------------


def _shift(moment: datetime | None, days: int, timezone: ZoneInfo) -> datetime | None:
    """The same local time `days` later (right across a change to or from summer time)."""
    if moment is None:
        return None
    local = moment.astimezone(timezone)
    return local_moment(local.date() + timedelta(days=days), local.timetz(), timezone)


async def copy_event(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    event_id: int,
    first_day: date,
    now: datetime,
    timezone: ZoneInfo,
) -> int:
    """A new draft like the event, its sessions moved so the first is on `first_day`;
    the same trainers and reminder settings, nobody registered."""
    if not actor.can(Role.ORGANISER):
        raise NotAllowed()
    async with db.begin() as session:
        source = await view(session, event_id)
        require_manage(actor, source)
        if source.starts_at is None:
            raise InvalidInput(N_("An event needs at least one session."))
        days = (first_day - source.starts_at.astimezone(timezone).date()).days
        spans = [
            (_shift(s.starts_at, days, timezone), _shift(s.ends_at, days, timezone))
            for s in source.sessions
        ]
        if spans[0][0] <= now:  # type: ignore[operator]
            raise InvalidInput(N_("That time is in the past. Please send a future date."))
        row = await session.get(Event, event_id)
        assert row is not None
        copy = Event(
            title=row.title,
            description=row.description,
            place=row.place,
            online_url=row.online_url,
            organiser_id=actor.id if not actor.can(Role.ADMIN) else row.organiser_id or actor.id,
            capacity=row.capacity,
            municipality_limit=row.municipality_limit,
            needs_approval=row.needs_approval,
            registration_opens_at=_shift(row.registration_opens_at, days, timezone),
            registration_deadline=_shift(row.registration_deadline, days, timezone),
            status=EventStatus.DRAFT.value,
        )
        session.add(copy)
        await session.flush()
        places = {s.id: s.place for s in source.sessions}
        for item, (start, end) in zip(source.sessions, spans, strict=True):
            session.add(
                EventSession(event_id=copy.id, starts_at=start, ends_at=end, place=places[item.id])
            )
        for user_id in source.trainer_ids:
            session.add(EventTrainer(event_id=copy.id, user_id=user_id))
        settings = await session.get(EventReminders, event_id)
        if settings is not None and settings.offsets is not None:
            session.add(EventReminders(event_id=copy.id, offsets=list(settings.offsets)))
        await session.flush()
        return copy.id

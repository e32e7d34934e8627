"""Seats: registering, the waiting list, approval and cancelling.

Every decision runs in one write transaction (SQLite: BEGIN IMMEDIATE, see storage/db.py),
so the seats counted are still free when the registration is written: 1,000 presses at
once still confirm exactly `capacity` people. The unique key on (event, user) makes a
double press, or a repeated update, register once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_
from bot.services import reminders
from bot.services.errors import InvalidInput, NotAllowed, NotFound, Stale
from bot.services.events import (
    ACTIVE,
    EventStatus,
    EventView,
    RegStatus,
    require_manage,
    view,
)
from bot.services.users import Person
from storage.models import Event, Registration, User


class Closed(InvalidInput):
    """Registration is not possible now; the message says why."""


@dataclass(frozen=True)
class Recipient:
    telegram_id: int | None
    language: str | None
    name: str | None


@dataclass(frozen=True)
class Outcome:
    registration_id: int
    status: RegStatus
    position: int | None  # on the waiting list, 1 = next to get a seat
    already: bool  # the person was registered before this press
    event: EventView


@dataclass(frozen=True)
class Promotion:
    """Someone who just got a seat from the waiting list (or by approval)."""

    recipient: Recipient
    event: EventView


def check_open(event: EventView, now: datetime) -> None:
    if event.status == EventStatus.DRAFT:  # drafts are invisible to participants
        raise NotFound(N_("This event does not exist."))
    if event.status == EventStatus.CANCELLED:
        raise Closed(N_("This event has been cancelled."))
    if event.status == EventStatus.FINISHED or (event.ends_at and event.ends_at <= now):
        raise Closed(N_("This event has already taken place."))
    if event.registration_opens_at and now < event.registration_opens_at:
        raise Closed(N_("Registration opens on {when}."), when=event.registration_opens_at)
    if event.closes_at and now >= event.closes_at:
        raise Closed(N_("Registration closed on {when}."), when=event.closes_at)


async def _count(session: AsyncSession, event_id: int, status: RegStatus, **where: str) -> int:
    query = select(func.count()).where(
        Registration.event_id == event_id, Registration.status == status.value
    )
    if "municipality" in where:
        query = query.where(Registration.municipality == where["municipality"])
    return await session.scalar(query) or 0


async def _seat_free(session: AsyncSession, event: Event, municipality: str | None) -> bool:
    if await _count(session, event.id, RegStatus.CONFIRMED) >= event.capacity:
        return False
    if event.municipality_limit and municipality:
        taken = await _count(session, event.id, RegStatus.CONFIRMED, municipality=municipality)
        if taken >= event.municipality_limit:
            return False
    return True


async def _position(session: AsyncSession, registration: Registration) -> int | None:
    if registration.status != RegStatus.WAITING:
        return None
    ahead = await session.scalar(
        select(func.count()).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegStatus.WAITING.value,
            Registration.seq < registration.seq,
        )
    )
    return (ahead or 0) + 1


async def _next_seq(session: AsyncSession, event_id: int) -> int:
    last = await session.scalar(
        select(func.max(Registration.seq)).where(Registration.event_id == event_id)
    )
    return (last or 0) + 1


@dataclass(frozen=True)
class _Tally:
    confirmed: int
    confirmed_here: int  # confirmed from the person's municipality
    waiting: int
    last_seq: int


async def _tally(session: AsyncSession, event_id: int, municipality: str | None) -> _Tally:
    """Everything a seat decision needs, in one query."""
    status = Registration.status
    row = (
        await session.execute(
            select(
                func.count().filter(status == RegStatus.CONFIRMED.value),
                func.count().filter(
                    status == RegStatus.CONFIRMED.value,
                    Registration.municipality == municipality,
                ),
                func.count().filter(status == RegStatus.WAITING.value),
                func.coalesce(func.max(Registration.seq), 0),
            ).where(Registration.event_id == event_id)
        )
    ).one()
    return _Tally(*row)


async def register(
    db: async_sessionmaker[AsyncSession], person: Person, event_id: int, now: datetime
) -> Outcome:
    async with db.begin() as session:
        # Counts come from the tally below; trainers do not matter here.
        event = await view(session, event_id, staff_details=False)
        if event.status == EventStatus.CANCELLED:
            check_open(event, now)
        existing = await session.scalar(
            select(Registration).where(
                Registration.event_id == event_id, Registration.user_id == person.id
            )
        )
        if existing is not None and existing.status in ACTIVE:
            position = await _position(session, existing)
            return Outcome(existing.id, RegStatus(existing.status), position, True, event)
        check_open(event, now)
        tally = await _tally(session, event_id, person.municipality)
        limit = event.municipality_limit
        if event.needs_approval:
            status = RegStatus.PENDING
        elif tally.confirmed < event.capacity and not (
            limit and person.municipality and tally.confirmed_here >= limit
        ):
            status = RegStatus.CONFIRMED
        else:
            status = RegStatus.WAITING
        seq = tally.last_seq + 1
        if existing is None:
            existing = Registration(
                event_id=event_id,
                user_id=person.id,
                status=status.value,
                seq=seq,
                municipality=person.municipality,
            )
            session.add(existing)
        else:  # registering again after cancelling: to the back of the queue
            existing.status, existing.seq = status.value, seq
            existing.municipality = person.municipality
        await session.flush()
        if status == RegStatus.CONFIRMED:
            await reminders.plan(session, event_id, now, [person.id])
        # This registration has the highest seq, so everyone waiting is ahead of it.
        position = tally.waiting + 1 if status == RegStatus.WAITING else None
        counts = dict(event.counts)
        counts[status] = counts.get(status, 0) + 1
        return Outcome(existing.id, status, position, False, replace(event, counts=counts))


async def _recipient(session: AsyncSession, user_id: int) -> Recipient:
    user = await session.get(User, user_id)
    if user is None:
        return Recipient(None, None, None)
    return Recipient(user.telegram_id, user.language or user.telegram_language, user.full_name)


async def promote(
    session: AsyncSession, event_id: int, now: datetime | None = None
) -> list[Promotion]:
    """Give free seats to the waiting list in order (skipping people whose municipality
    is at its limit), and plan their reminders. Runs inside the caller's write
    transaction."""
    event_row = await session.get(Event, event_id)
    assert event_row is not None
    promoted: list[Registration] = []
    waiting = await session.scalars(
        select(Registration)
        .where(Registration.event_id == event_id, Registration.status == RegStatus.WAITING.value)
        .order_by(Registration.seq)
    )
    for candidate in list(waiting):
        if await _count(session, event_id, RegStatus.CONFIRMED) >= event_row.capacity:
            break
        if await _seat_free(session, event_row, candidate.municipality):
            candidate.status = RegStatus.CONFIRMED.value
            await session.flush()
            promoted.append(candidate)
    if not promoted:
        return []
    await reminders.plan(session, event_id, now, [r.user_id for r in promoted])
    event = await view(session, event_id)
    return [Promotion(await _recipient(session, r.user_id), event) for r in promoted]


@dataclass(frozen=True)
class Cancellation:
    event: EventView
    promoted: list[Promotion]


async def cancel(
    db: async_sessionmaker[AsyncSession],
    person: Person,
    registration_id: int,
    now: datetime | None = None,
) -> Cancellation:
    async with db.begin() as session:
        registration = await session.get(Registration, registration_id)
        if registration is None or registration.user_id != person.id:
            raise NotAllowed()
        if registration.status not in ACTIVE:
            raise Stale()
        had_seat = registration.status == RegStatus.CONFIRMED
        registration.status = RegStatus.CANCELLED.value
        await session.flush()
        promoted = await promote(session, registration.event_id, now) if had_seat else []
        if had_seat:  # no reminders for this person any more
            await reminders.plan(session, registration.event_id, now, [person.id])
        return Cancellation(await view(session, registration.event_id), promoted)


@dataclass(frozen=True)
class Decision:
    recipient: Recipient
    status: RegStatus
    position: int | None
    event: EventView


async def decide(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    registration_id: int,
    approve: bool,
    now: datetime | None = None,
) -> Decision:
    """An organiser approves (seat, or the waiting list if full) or rejects a request."""
    async with db.begin() as session:
        registration = await session.get(Registration, registration_id)
        if registration is None:
            raise Stale()
        event = await view(session, registration.event_id)
        require_manage(actor, event)
        if registration.status != RegStatus.PENDING:
            raise Stale()
        event_row = await session.get(Event, registration.event_id)
        assert event_row is not None
        if not approve:
            registration.status = RegStatus.REJECTED.value
        elif await _seat_free(session, event_row, registration.municipality):
            registration.status = RegStatus.CONFIRMED.value
        else:
            registration.status = RegStatus.WAITING.value
            registration.seq = await _next_seq(session, event_row.id)
        await session.flush()
        if registration.status == RegStatus.CONFIRMED:
            await reminders.plan(session, event_row.id, now, [registration.user_id])
        return Decision(
            await _recipient(session, registration.user_id),
            RegStatus(registration.status),
            await _position(session, registration),
            await view(session, registration.event_id),
        )


@dataclass(frozen=True)
class MyRegistration:
    id: int
    status: RegStatus
    position: int | None
    event: EventView
    attended_hours: float


async def mine(
    db: async_sessionmaker[AsyncSession], person: Person, now: datetime
) -> list[MyRegistration]:
    """The person's active registrations, and past ones they attended, soonest first."""
    from bot.services.attendance import attended_hours

    async with db() as session:
        rows = list(
            await session.scalars(
                select(Registration).where(
                    Registration.user_id == person.id,
                    Registration.status.in_([s.value for s in ACTIVE]),
                )
            )
        )
        result = []
        for registration in rows:
            event = await view(session, registration.event_id)
            hours = await attended_hours(session, event, person.id)
            result.append(
                MyRegistration(
                    registration.id,
                    RegStatus(registration.status),
                    await _position(session, registration),
                    event,
                    hours,
                )
            )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(result, key=lambda r: r.event.starts_at or far)

"""Seats: registering, the waiting list, approval and cancelling.

Every decision runs in one write transaction that first takes the event's seats
(`events.lock_seats`: a row lock on the event on PostgreSQL; SQLite's BEGIN IMMEDIATE holds
the whole file), so the seats counted are still free when the registration is written, in
this process or any other sharing the database: 1,000 presses at once still confirm exactly
`capacity` people. The unique key on (event, user) makes a
double press, or a repeated update, register once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_
from bot.services import reminders
from bot.services.errors import InvalidInput, NotAllowed, NotFound, ServiceError, Stale
from bot.services.events import (
    ACTIVE,
    EventStatus,
    EventView,
    RegStatus,
    check_visible,
    lock_seats,
    require_manage,
    view,
)
from bot.services.users import Person
from storage.batching import GroupCommit
from storage.db import derived
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
    # Waiting only because the person's municipality used up its seats (the event has more).
    municipality_full: bool = False


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


# Built once: every card view and register press runs them.
_AHEAD = select(func.count()).where(
    Registration.event_id == bindparam("event"),
    Registration.status == RegStatus.WAITING.value,
    Registration.seq < bindparam("seq"),
)
_OWN = select(Registration).where(
    Registration.event_id == bindparam("event"), Registration.user_id == bindparam("user")
)
_OWN_OF = select(Registration).where(
    Registration.event_id == bindparam("event"),
    Registration.user_id.in_(bindparam("people", expanding=True)),
)
_SEATS = (
    select(Registration.status, Registration.municipality, func.count(), func.max(Registration.seq))
    .where(Registration.event_id == bindparam("event"))
    .group_by(Registration.status, Registration.municipality)
)


async def _position(session: AsyncSession, registration: Registration) -> int | None:
    if registration.status != RegStatus.WAITING:
        return None
    ahead = await session.scalar(_AHEAD, {"event": registration.event_id, "seq": registration.seq})
    return (ahead or 0) + 1


@dataclass
class _Seats:
    """The event's registrations by status, counted once and kept up to date in memory
    while seats are given out (a batch of presses, the waiting list, an approval)."""

    counts: dict[str, int]
    confirmed_by_municipality: dict[str | None, int]
    last_seq: int

    @classmethod
    async def load(cls, session: AsyncSession, event_id: int) -> _Seats:
        seats = cls({}, {}, 0)
        rows = await session.execute(_SEATS, {"event": event_id})
        for status, municipality, count, last_seq in rows:
            seats.counts[status] = seats.counts.get(status, 0) + count
            if status == RegStatus.CONFIRMED:
                seats.confirmed_by_municipality[municipality] = count
            seats.last_seq = max(seats.last_seq, last_seq or 0)
        return seats

    @property
    def confirmed(self) -> int:
        return self.counts.get(RegStatus.CONFIRMED, 0)

    def has_seat(self, capacity: int, limit: int | None, municipality: str | None) -> bool:
        """A free seat, within the per-municipality limit if the event has one."""
        if self.confirmed >= capacity:
            return False
        here = self.confirmed_by_municipality.get(municipality, 0)
        return not (limit and municipality and here >= limit)

    def decide(self, event: EventView, municipality: str | None) -> RegStatus:
        if event.needs_approval:
            return RegStatus.PENDING
        if self.has_seat(event.capacity, event.municipality_limit, municipality):
            return RegStatus.CONFIRMED
        return RegStatus.WAITING

    def add(self, status: RegStatus, municipality: str | None) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1
        if status == RegStatus.CONFIRMED:
            here = self.confirmed_by_municipality.get(municipality, 0)
            self.confirmed_by_municipality[municipality] = here + 1

    def next_seq(self) -> int:
        """The place at the back of the queue."""
        self.last_seq += 1
        return self.last_seq


@dataclass(frozen=True)
class _Request:
    person: Person
    event_id: int
    now: datetime


async def register(
    db: async_sessionmaker[AsyncSession], person: Person, event_id: int, now: datetime
) -> Outcome:
    """Confirm, wait-list or ask approval. Presses that arrive together are decided in one
    write transaction, in the order they arrived (storage/batching.py)."""
    desk = derived(db, "registration.desk", lambda: GroupCommit(_register_all))
    return await desk.submit(db, _Request(person, event_id, now))


async def register_alone(
    db: async_sessionmaker[AsyncSession], person: Person, event_id: int, now: datetime
) -> Outcome:
    """`register` in a write transaction of its own."""
    async with db.begin() as session:
        [result] = await _register_all(session, [_Request(person, event_id, now)])
    if isinstance(result, Exception):
        raise result
    return result


async def _register_all(
    session: AsyncSession, requests: Sequence[_Request]
) -> list[Outcome | Exception]:
    results: dict[int, Outcome | Exception] = {}
    by_event: dict[int, list[tuple[int, _Request]]] = {}
    for index, request in enumerate(requests):
        by_event.setdefault(request.event_id, []).append((index, request))
    await lock_seats(session, *by_event)
    for event_id, items in by_event.items():
        results.update(await _register_for_event(session, event_id, items))
    return [results[index] for index in range(len(requests))]


class _Decided(NamedTuple):
    index: int
    registration: Registration
    position: int | None
    already: bool
    counts: dict[str, int]
    municipality_full: bool = False


async def _register_for_event(
    session: AsyncSession, event_id: int, items: list[tuple[int, _Request]]
) -> dict[int, Outcome | Exception]:
    results: dict[int, Outcome | Exception] = {}
    try:
        # Counts come from the seats below; trainers do not matter here.
        event = await view(session, event_id, staff_details=False)
        if event.status == EventStatus.CANCELLED:
            check_open(event, items[0][1].now)
    except ServiceError as error:
        return {index: error for index, _ in items}
    people = {request.person.id for _, request in items}
    rows = {
        row.user_id: row
        for row in await session.scalars(_OWN_OF, {"event": event_id, "people": list(people)})
    }
    seats = await _Seats.load(session, event_id)
    decided: list[_Decided] = []
    for index, request in items:
        person = request.person
        registration = rows.get(person.id)
        if registration is not None and registration.status in ACTIVE:
            decided.append(_Decided(index, registration, None, True, dict(seats.counts)))
            continue
        try:
            check_open(event, request.now)
        except ServiceError as error:
            results[index] = error
            continue
        status = seats.decide(event, person.municipality)
        municipality_full = status == RegStatus.WAITING and seats.confirmed < event.capacity
        seats.add(status, person.municipality)
        seq = seats.next_seq()
        if registration is not None:  # cancelled or rejected before: no longer counted there
            seats.counts[registration.status] -= 1
        else:
            registration = rows[person.id] = Registration(event_id=event_id, user_id=person.id)
            session.add(registration)
        # A new registration, or again after cancelling: to the back of the queue.
        registration.status, registration.seq = status.value, seq
        registration.municipality = person.municipality
        # This registration has the highest seq, so everyone waiting is ahead of it.
        position = seats.counts[status] if status == RegStatus.WAITING else None
        decided.append(
            _Decided(index, registration, position, False, dict(seats.counts), municipality_full)
        )
    await session.flush()
    confirmed = [
        d.registration.user_id
        for d in decided
        if not d.already and d.registration.status == RegStatus.CONFIRMED
    ]
    if confirmed:
        now = max(request.now for _, request in items)
        await reminders.plan(session, event_id, now, confirmed)
    for d in decided:
        position = await _position(session, d.registration) if d.already else d.position
        results[d.index] = Outcome(
            d.registration.id,
            RegStatus(d.registration.status),
            position,
            d.already,
            replace(event, counts=d.counts),  # as they were at this press's turn
            d.municipality_full,
        )
    return results


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
    transaction, which should have taken the event's seats first (`lock_seats`)."""
    await lock_seats(session, event_id)
    event_row = await session.get(Event, event_id)
    assert event_row is not None
    promoted: list[Registration] = []
    waiting = await session.scalars(
        select(Registration)
        .where(Registration.event_id == event_id, Registration.status == RegStatus.WAITING.value)
        .order_by(Registration.seq)
    )
    seats = await _Seats.load(session, event_id)
    for candidate in list(waiting):
        if seats.confirmed >= event_row.capacity:
            break
        if seats.has_seat(event_row.capacity, event_row.municipality_limit, candidate.municipality):
            candidate.status = RegStatus.CONFIRMED.value
            seats.add(RegStatus.CONFIRMED, candidate.municipality)
            promoted.append(candidate)
    await session.flush()
    if not promoted:
        return []
    await reminders.plan(session, event_id, now, [r.user_id for r in promoted])
    event = await view(session, event_id)
    return [Promotion(await _recipient(session, r.user_id), event) for r in promoted]


async def _locked_registration(session: AsyncSession, registration_id: int) -> Registration | None:
    """A registration read after its event's seats were taken, so its status is current."""
    event_id = await session.scalar(
        select(Registration.event_id).where(Registration.id == registration_id)
    )
    if event_id is None:
        return None
    await lock_seats(session, event_id)
    return await session.get(Registration, registration_id, populate_existing=True)


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
        registration = await _locked_registration(session, registration_id)
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
        registration = await _locked_registration(session, registration_id)
        if registration is None:
            raise Stale()
        event = await view(session, registration.event_id)
        require_manage(actor, event)
        if registration.status != RegStatus.PENDING:
            raise Stale()
        [decision] = await _decide_all(session, event, [registration], approve, now)
        return decision


async def approve_many(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    event_id: int,
    municipality: str | None = None,
    now: datetime | None = None,
) -> list[Decision]:
    """Approve every waiting request (or those from one municipality), oldest first:
    seats while they last (within the municipality limit), then the waiting list."""
    async with db.begin() as session:
        await lock_seats(session, event_id)
        event = await view(session, event_id)
        require_manage(actor, event)
        query = (
            select(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.status == RegStatus.PENDING.value,
            )
            .order_by(Registration.seq)
        )
        if municipality is not None:
            query = query.where(Registration.municipality == municipality)
        requests = list(await session.scalars(query))
        if not requests:
            raise Stale()
        return await _decide_all(session, event, requests, True, now)


async def _decide_all(
    session: AsyncSession,
    event: EventView,
    requests: list[Registration],
    approve: bool,
    now: datetime | None,
) -> list[Decision]:
    seats = await _Seats.load(session, event.id)
    for registration in requests:
        if not approve:
            registration.status = RegStatus.REJECTED.value
        elif seats.has_seat(event.capacity, event.municipality_limit, registration.municipality):
            registration.status = RegStatus.CONFIRMED.value
            seats.add(RegStatus.CONFIRMED, registration.municipality)
        else:
            registration.status = RegStatus.WAITING.value
            registration.seq = seats.next_seq()
    await session.flush()
    confirmed = [r.user_id for r in requests if r.status == RegStatus.CONFIRMED]
    if confirmed:
        await reminders.plan(session, event.id, now, confirmed)
    after = await view(session, event.id)
    return [
        Decision(
            await _recipient(session, r.user_id),
            RegStatus(r.status),
            await _position(session, r),
            after,
        )
        for r in requests
    ]


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


@dataclass(frozen=True)
class Standing:
    """Where one person stands with one event, for its card."""

    registration_id: int | None
    status: RegStatus | None  # None: not registered (or cancelled, or declined)
    position: int | None
    municipality_full: bool  # their municipality has used up its seats


async def event_and_standing(
    db: async_sessionmaker[AsyncSession], person: Person, event_id: int
) -> tuple[EventView, Standing]:
    """An event as this person may see it (`events.event_for`) and where they stand with
    it, read in one session: every card view and register press needs both."""
    async with db() as session:
        event = await view(session, event_id)
        check_visible(person, event)
        return event, await _standing(session, person, event)


async def _standing(session: AsyncSession, person: Person, event: EventView) -> Standing:
    row = await session.scalar(_OWN, {"event": event.id, "user": person.id})
    municipality_full = False
    if event.municipality_limit and person.municipality:
        here = await session.scalar(
            select(func.count()).where(
                Registration.event_id == event.id,
                Registration.status == RegStatus.CONFIRMED.value,
                Registration.municipality == person.municipality,
            )
        )
        municipality_full = (here or 0) >= event.municipality_limit
    if row is None or row.status not in ACTIVE:
        return Standing(None, None, None, municipality_full)
    return Standing(row.id, RegStatus(row.status), await _position(session, row), municipality_full)

"""Attendance: check-in codes, staff marking people present or absent, hours attended.

A session's check-in code is accepted from CHECKIN_OPENS_BEFORE before the session starts
until CHECKIN_CLOSES_AFTER after it ends. Wrong codes are counted per person
(CheckinAttempts); MAX_WRONG_CODES in a row lock that person out of check-in for LOCKOUT.
Every code that does not check the person in counts: a made-up one, and a real one that
is not open now or not for an event they are confirmed for (else guessing could be mixed
with a known expired code to dodge the lockout). Only a check-in resets the count. The count
goes up in one UPDATE ... RETURNING, so guesses sent at once (from any process) each count.
Every write runs in one transaction (BEGIN IMMEDIATE on SQLite), and the (session, user)
primary key keeps one attendance row per person.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_, latvian_sort_key
from bot.services.errors import InvalidInput, NotFound, ServiceError
from bot.services.events import EventStatus, EventView, RegStatus, SessionView, require_staff, view
from bot.services.users import Person
from storage.db import insert
from storage.models import Attendance, CheckinAttempts, Registration, User
from storage.models import Session as EventSession
from storage.types import UTCDateTime

CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
CHECKIN_CLOSES_AFTER = timedelta(minutes=30)
MAX_WRONG_CODES = 5
LOCKOUT = timedelta(minutes=1)
# No 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V, G/6: easy to read aloud and to copy from a screen.
CODE_ALPHABET = "ACDEFHJKMNPRTWXY3479"
CODE_LENGTH = 4
ROSTER_PAGE = 20
SESSIONS_PAGE = 10


class CheckinRefused(InvalidInput):
    """A check-in code that cannot be accepted; the message says why."""


class LockedOut(CheckinRefused):
    message = N_("Too many wrong codes in a row. Please wait and try again in {seconds} s.")


async def attended_hours(session: AsyncSession, event: EventView, user_id: int) -> float:
    ids = [s.id for s in event.sessions]
    present = set(
        await session.scalars(
            select(Attendance.session_id).where(
                Attendance.user_id == user_id,
                Attendance.session_id.in_(ids),
                Attendance.present.is_(True),
            )
        )
    )
    return sum(s.hours for s in event.sessions if s.id in present)


def window(session: SessionView | EventSession) -> tuple[datetime, datetime]:
    """When a session's check-in code is accepted."""
    return session.starts_at - CHECKIN_OPENS_BEFORE, session.ends_at + CHECKIN_CLOSES_AFTER


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def normalise_code(text: str) -> str:
    return "".join(text.split()).upper()


# -- staff: the sessions, starting a check-in -------------------------------------------


@dataclass(frozen=True)
class SessionStatus:
    session: SessionView
    number: int  # 1-based, in time order
    attendance_taken: bool
    present: int


@dataclass(frozen=True)
class SessionsPage:
    event: EventView
    items: list[SessionStatus]
    page: int
    pages: int
    confirmed: int


async def _event_of_session(
    session: AsyncSession, session_id: int
) -> tuple[EventSession, EventView]:
    row = await session.get(EventSession, session_id)
    if row is None:
        raise NotFound(N_("This session does not exist."))
    return row, await view(session, row.event_id)


async def sessions_page(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int, page: int = 0
) -> SessionsPage:
    async with db() as session:
        event = await view(session, event_id)
        require_staff(actor, event)
        rows = {
            s.id: s
            for s in await session.scalars(
                select(EventSession).where(EventSession.event_id == event_id)
            )
        }
        present = dict(
            (
                await session.execute(
                    select(Attendance.session_id, func.count())
                    .where(Attendance.session_id.in_(list(rows)), Attendance.present.is_(True))
                    .group_by(Attendance.session_id)
                )
            ).all()
        )
    pages = max(1, -(-len(event.sessions) // SESSIONS_PAGE))
    page = min(max(page, 0), pages - 1)
    start = page * SESSIONS_PAGE
    items = [
        SessionStatus(s, start + i + 1, rows[s.id].attendance_taken, present.get(s.id, 0))
        for i, s in enumerate(event.sessions[start : start + SESSIONS_PAGE])
    ]
    return SessionsPage(event, items, page, pages, event.confirmed)


@dataclass(frozen=True)
class CheckinStart:
    event: EventView
    session: SessionView
    number: int
    code: str
    opens_at: datetime
    closes_at: datetime


async def _fresh_code(session: AsyncSession, now: datetime) -> str:
    """A code no other session still open for check-in uses."""
    in_use = set(
        await session.scalars(
            select(EventSession.checkin_code).where(
                EventSession.checkin_code.is_not(None),
                EventSession.ends_at > now - CHECKIN_CLOSES_AFTER,
            )
        )
    )
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in in_use:
            return code


async def start_checkin(
    db: async_sessionmaker[AsyncSession], actor: Person, session_id: int, now: datetime
) -> CheckinStart:
    """Give the session a check-in code (the same one when pressed again)."""
    async with db.begin() as session:
        row, event = await _event_of_session(session, session_id)
        require_staff(actor, event)
        if event.status == EventStatus.CANCELLED:
            raise InvalidInput(N_("This event has been cancelled."))
        opens_at, closes_at = window(row)
        if now >= closes_at:
            raise InvalidInput(
                N_(
                    "Check-in for this session closed on {when}. "
                    "Mark attendance from the list instead."
                ),
                when=closes_at,
            )
        if row.checkin_code is None:
            row.checkin_code = await _fresh_code(session, now)
        # A code handed out days ahead takes no attendance yet: the export would show
        # everyone absent from a session that has not happened.
        if now >= opens_at:
            row.attendance_taken = True
        await session.flush()
        number = next(i for i, s in enumerate(event.sessions, 1) if s.id == session_id)
        view_ = SessionView(row.id, row.starts_at, row.ends_at, row.place, row.checkin_code)
        return CheckinStart(event, view_, number, row.checkin_code, opens_at, closes_at)


# -- participants: /checkin CODE ----------------------------------------------------------


@dataclass(frozen=True)
class CheckedIn:
    event: EventView
    session: SessionView
    already: bool
    attended_hours: float


async def _checkin_target(
    session: AsyncSession, person: Person, code: str, now: datetime
) -> tuple[EventSession, EventView] | ServiceError:
    """The session this code checks into, or why it cannot; counts every refusal."""
    await session.execute(
        insert(session)(CheckinAttempts)
        .values(user_id=person.id, failures=0)
        .on_conflict_do_nothing(index_elements=[CheckinAttempts.user_id])
    )
    locked_until = await session.scalar(
        select(CheckinAttempts.locked_until).where(CheckinAttempts.user_id == person.id)
    )
    if locked_until is not None and now < locked_until:
        seconds = math.ceil((locked_until - now).total_seconds())
        return LockedOut(seconds=seconds)
    found = await _usable_session(session, person, code, now)
    if not isinstance(found, ServiceError):
        await session.execute(
            update(CheckinAttempts)
            .where(CheckinAttempts.user_id == person.id)
            .values(failures=0, locked_until=None)
        )
        return found
    if await _count_failure(session, person.id, now):
        return LockedOut(seconds=math.ceil(LOCKOUT.total_seconds()))
    return found


async def _count_failure(session: AsyncSession, user_id: int, now: datetime) -> bool:
    """One more wrong code, in one statement (concurrent guesses each count); True when it
    is the one that locks the person out (the count starts again from zero)."""
    reached = CheckinAttempts.failures + 1 >= MAX_WRONG_CODES
    failures = await session.scalar(
        update(CheckinAttempts)
        .where(CheckinAttempts.user_id == user_id)
        .values(
            failures=case((reached, 0), else_=CheckinAttempts.failures + 1),
            locked_until=case(
                (reached, literal(now + LOCKOUT, UTCDateTime())),
                else_=CheckinAttempts.locked_until,
            ),
        )
        .returning(CheckinAttempts.failures)
    )
    return failures == 0


async def _usable_session(
    session: AsyncSession, person: Person, code: str, now: datetime
) -> tuple[EventSession, EventView] | ServiceError:
    candidates = (
        list(await session.scalars(select(EventSession).where(EventSession.checkin_code == code)))
        if len(code) == CODE_LENGTH
        else []
    )
    if not candidates:
        return CheckinRefused(
            N_("This check-in code is wrong. Please check it with the trainer and try again.")
        )
    open_now = [s for s in candidates if window(s)[0] <= now < window(s)[1]]
    if not open_now:
        latest = max(candidates, key=lambda s: s.ends_at)
        opens_at, closes_at = window(latest)
        if now < opens_at:
            return CheckinRefused(
                N_(
                    "Check-in for this session opens on {when}, {minutes} minutes before it starts."
                ),
                when=opens_at,
                minutes=_minutes(CHECKIN_OPENS_BEFORE),
            )
        return CheckinRefused(
            N_(
                "This check-in code has expired: check-in closed on {when}, "
                "{minutes} minutes after the session ended."
            ),
            when=closes_at,
            minutes=_minutes(CHECKIN_CLOSES_AFTER),
        )
    for row in open_now:
        confirmed = await session.scalar(
            select(Registration.id).where(
                Registration.event_id == row.event_id,
                Registration.user_id == person.id,
                Registration.status == RegStatus.CONFIRMED.value,
            )
        )
        if confirmed is not None:
            return row, await view(session, row.event_id)
    event = await view(session, open_now[0].event_id)
    return CheckinRefused(
        N_("Only people registered for <b>{title}</b> can check in."), title=event.title
    )


async def check_in(
    db: async_sessionmaker[AsyncSession], person: Person, text: str, now: datetime
) -> CheckedIn:
    code = normalise_code(text)
    if not code:
        raise InvalidInput(N_("Send the code the trainer shows, for example: /checkin K7MP"))
    async with db.begin() as session:
        found = await _checkin_target(session, person, code, now)
        if not isinstance(found, ServiceError):
            row, event = found
            row.attendance_taken = True
            existing = await session.get(Attendance, (row.id, person.id))
            already = existing is not None and existing.present
            if not already:
                await session.execute(
                    insert(session)(Attendance)
                    .values(
                        session_id=row.id,
                        user_id=person.id,
                        present=True,
                        method="code",
                        marked_at=now,
                    )
                    .on_conflict_do_update(
                        index_elements=[Attendance.session_id, Attendance.user_id],
                        set_={"present": True, "method": "code", "marked_at": now},
                    )
                )
            hours = await attended_hours(session, event, person.id)
            session_view = next(s for s in event.sessions if s.id == row.id)
    # Raised after the transaction so that a wrong code is still counted.
    if isinstance(found, ServiceError):
        raise found
    return CheckedIn(event, session_view, already, hours)


# -- staff: marking present or absent ------------------------------------------------------


@dataclass(frozen=True)
class RosterEntry:
    user_id: int
    name: str
    municipality: str | None
    present: bool | None  # None: not marked


@dataclass(frozen=True)
class Roster:
    event: EventView
    session: SessionView
    number: int
    entries: list[RosterEntry]  # this page
    page: int
    pages: int
    present: int
    total: int


async def _roster(
    session: AsyncSession, event: EventView, row: EventSession, page: int | None, user_id: int = 0
) -> Roster:
    """The confirmed registrants with their mark; `page` None means the page of `user_id`."""
    people = (
        await session.execute(
            select(User.id, User.full_name, Registration.municipality, Attendance.present)
            .join(Registration, Registration.user_id == User.id)
            .outerjoin(
                Attendance, (Attendance.user_id == User.id) & (Attendance.session_id == row.id)
            )
            .where(
                Registration.event_id == event.id,
                Registration.status == RegStatus.CONFIRMED.value,
            )
        )
    ).all()
    entries = sorted(
        (RosterEntry(p[0], p[1] or "—", p[2], p[3]) for p in people),
        key=lambda e: (latvian_sort_key(e.name), e.user_id),
    )
    pages = max(1, -(-len(entries) // ROSTER_PAGE))
    if page is None:
        index = next((i for i, e in enumerate(entries) if e.user_id == user_id), 0)
        page = index // ROSTER_PAGE
    page = min(max(page, 0), pages - 1)
    number = next(i for i, s in enumerate(event.sessions, 1) if s.id == row.id)
    session_view = event.sessions[number - 1]
    return Roster(
        event,
        session_view,
        number,
        entries[page * ROSTER_PAGE : (page + 1) * ROSTER_PAGE],
        page,
        pages,
        sum(1 for e in entries if e.present),
        len(entries),
    )


async def roster(
    db: async_sessionmaker[AsyncSession], actor: Person, session_id: int, page: int = 0
) -> Roster:
    async with db() as session:
        row, event = await _event_of_session(session, session_id)
        require_staff(actor, event)
        return await _roster(session, event, row, page)


async def mark(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    session_id: int,
    user_id: int,
    present: bool,
    now: datetime,
) -> Roster:
    """Staff mark a confirmed registrant present or absent; the roster page they are on."""
    async with db.begin() as session:
        row, event = await _event_of_session(session, session_id)
        require_staff(actor, event)
        registered = await session.scalar(
            select(Registration.id).where(
                Registration.event_id == event.id,
                Registration.user_id == user_id,
                Registration.status == RegStatus.CONFIRMED.value,
            )
        )
        if registered is None:
            raise InvalidInput(N_("This person is not registered for this event."))
        await session.execute(
            insert(session)(Attendance)
            .values(
                session_id=row.id, user_id=user_id, present=present, method="staff", marked_at=now
            )
            .on_conflict_do_update(
                index_elements=[Attendance.session_id, Attendance.user_id],
                set_={"present": present, "method": "staff", "marked_at": now},
            )
        )
        row.attendance_taken = True
        await session.flush()
        return await _roster(session, event, row, None, user_id)

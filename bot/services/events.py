"""Training events: what a card shows, who may see and manage an event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_
from bot.services.errors import NotAllowed, NotFound
from bot.services.faq_search import stem, words
from bot.services.users import Person, Role
from storage.models import Event, EventTrainer, Registration
from storage.models import Session as EventSession

CATALOGUE_PAGE = 5


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    FINISHED = "finished"


class RegStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    PENDING = "pending"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


ACTIVE = (RegStatus.CONFIRMED, RegStatus.WAITING, RegStatus.PENDING)


@dataclass(frozen=True)
class SessionView:
    id: int
    starts_at: datetime
    ends_at: datetime
    place: str | None
    checkin_code: str | None = None

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


@dataclass(frozen=True)
class EventView:
    id: int
    title: str
    description: str
    place: str | None
    online_url: str | None
    capacity: int
    municipality_limit: int | None
    needs_approval: bool
    registration_opens_at: datetime | None
    registration_deadline: datetime | None
    status: EventStatus
    organiser_id: int | None
    sessions: tuple[SessionView, ...]
    trainer_ids: frozenset[int] = field(default_factory=frozenset)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def starts_at(self) -> datetime | None:
        return self.sessions[0].starts_at if self.sessions else None

    @property
    def ends_at(self) -> datetime | None:
        return max((s.ends_at for s in self.sessions), default=None)

    @property
    def confirmed(self) -> int:
        return self.counts.get(RegStatus.CONFIRMED, 0)

    @property
    def waiting(self) -> int:
        return self.counts.get(RegStatus.WAITING, 0)

    @property
    def pending(self) -> int:
        return self.counts.get(RegStatus.PENDING, 0)

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.confirmed)

    @property
    def total_hours(self) -> float:
        return sum(s.hours for s in self.sessions)

    @property
    def closes_at(self) -> datetime | None:
        """Registration closes at the deadline, or else when the first session starts."""
        return self.registration_deadline or self.starts_at


def can_manage(person: Person, event: EventView) -> bool:
    """The event's own organiser, or an admin."""
    return person.can(Role.ADMIN) or (
        person.can(Role.ORGANISER) and event.organiser_id == person.id
    )


def can_staff(person: Person, event: EventView) -> bool:
    """Managers and the event's trainers who still hold the trainer role: lists, check-in,
    announcements. Both the role and the event are checked on every action, so a revoked
    role ends access at once, also through buttons sent before."""
    return can_manage(person, event) or (
        person.can(Role.TRAINER) and person.id in event.trainer_ids
    )


def require_manage(person: Person, event: EventView) -> None:
    if not can_manage(person, event):
        raise NotAllowed()


def require_staff(person: Person, event: EventView) -> None:
    if not can_staff(person, event):
        raise NotAllowed()


def _session_view(row: EventSession) -> SessionView:
    return SessionView(row.id, row.starts_at, row.ends_at, row.place, row.checkin_code)


# Statements of the busiest reads, built once: building one costs more than running it.
_IDS = bindparam("ids", expanding=True)
_SESSIONS_OF = (
    select(EventSession)
    .where(EventSession.event_id.in_(_IDS))
    .order_by(EventSession.starts_at, EventSession.id)
)
_TRAINERS_OF = select(EventTrainer.event_id, EventTrainer.user_id).where(
    EventTrainer.event_id.in_(_IDS)
)
_COUNTS_OF = (
    select(Registration.event_id, Registration.status, func.count())
    .where(Registration.event_id.in_(_IDS))
    .group_by(Registration.event_id, Registration.status)
)
_SPAN = (
    select(
        EventSession.event_id,
        func.max(EventSession.ends_at).label("ends"),
        func.min(EventSession.starts_at).label("starts"),
    )
    .group_by(EventSession.event_id)
    .subquery()
)
_UPCOMING = (
    select(Event)
    .join(_SPAN, _SPAN.c.event_id == Event.id)
    .where(Event.status == EventStatus.PUBLISHED, _SPAN.c.ends > bindparam("now"))
)
_UPCOMING_COUNT = select(func.count()).select_from(_UPCOMING.subquery())
_UPCOMING_PAGE = (
    _UPCOMING.order_by(_SPAN.c.starts, Event.id).offset(bindparam("skip")).limit(bindparam("take"))
)
_UPCOMING_TITLES = (
    select(Event.id, Event.title)
    .join(_SPAN, _SPAN.c.event_id == Event.id)
    .where(Event.status == EventStatus.PUBLISHED, _SPAN.c.ends > bindparam("now"))
    .order_by(_SPAN.c.starts, Event.id)
)


async def load_views(
    session: AsyncSession, events: Sequence[Event], *, staff_details: bool = True
) -> list[EventView]:
    """Views of events with their sessions and, unless `staff_details` is off, trainers
    and registration counts (1 to 3 queries)."""
    ids = [event.id for event in events]
    if not ids:
        return []
    sessions: dict[int, list[SessionView]] = {i: [] for i in ids}
    for row in await session.scalars(_SESSIONS_OF, {"ids": ids}):
        sessions[row.event_id].append(_session_view(row))
    trainers: dict[int, set[int]] = {i: set() for i in ids}
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    if staff_details:
        for event_id, user_id in await session.execute(_TRAINERS_OF, {"ids": ids}):
            trainers[event_id].add(user_id)
        for event_id, status, count in await session.execute(_COUNTS_OF, {"ids": ids}):
            counts[event_id][status] = count
    return [
        EventView(
            id=e.id,
            title=e.title,
            description=e.description,
            place=e.place,
            online_url=e.online_url,
            capacity=e.capacity,
            municipality_limit=e.municipality_limit,
            needs_approval=e.needs_approval,
            registration_opens_at=e.registration_opens_at,
            registration_deadline=e.registration_deadline,
            status=EventStatus(e.status),
            organiser_id=e.organiser_id,
            sessions=tuple(sessions[e.id]),
            trainer_ids=frozenset(trainers[e.id]),
            counts=counts[e.id],
        )
        for e in events
    ]


async def lock_seats(session: AsyncSession, *event_ids: int) -> None:
    """Make this write transaction the only one deciding these events' seats until it
    commits: a row lock on each event on PostgreSQL (in id order, so two transactions
    never wait for each other), held by every process sharing the database. On SQLite the
    write transaction already holds the whole database (BEGIN IMMEDIATE, storage/db.py).
    Call it before reading anything the decision depends on."""
    if not event_ids:
        return
    await session.execute(_LOCK_SEATS, {"ids": sorted(set(event_ids))})


_LOCK_SEATS = (
    select(Event.id)
    .where(Event.id.in_(bindparam("ids", expanding=True)))
    .order_by(Event.id)
    .with_for_update(key_share=True)  # FOR NO KEY UPDATE: inserts that refer to it go on
)


async def view(session: AsyncSession, event_id: int, *, staff_details: bool = True) -> EventView:
    event = await session.get(Event, event_id)
    if event is None:
        raise NotFound(N_("This event does not exist."))
    return (await load_views(session, [event], staff_details=staff_details))[0]


async def event_for(
    db: async_sessionmaker[AsyncSession], person: Person, event_id: int
) -> EventView:
    """An event as this person may see it: drafts only for their staff."""
    async with db() as session:
        event = await view(session, event_id)
    check_visible(person, event)
    return event


def check_visible(person: Person, event: EventView) -> None:
    """Drafts exist only for their staff."""
    if event.status == EventStatus.DRAFT and not can_staff(person, event):
        raise NotFound(N_("This event does not exist."))


async def upcoming(
    db: async_sessionmaker[AsyncSession], now: datetime, page: int = 0
) -> tuple[list[EventView], int]:
    """Published events whose last session has not ended, soonest first; one page."""
    async with db() as session:
        total = await session.scalar(_UPCOMING_COUNT, {"now": now}) or 0
        pages = max(1, -(-total // CATALOGUE_PAGE))
        page = min(max(page, 0), pages - 1)
        events = list(
            await session.scalars(
                _UPCOMING_PAGE,
                {"now": now, "skip": page * CATALOGUE_PAGE, "take": CATALOGUE_PAGE},
            )
        )
        return await load_views(session, events), pages


@dataclass(frozen=True)
class TitleMatch:
    event_id: int
    title: str


MAX_TITLE_MATCHES = 2


async def named_in(session: AsyncSession, text: str, now: datetime) -> list[TitleMatch]:
    """Upcoming trainings a question names ("kad sākas ģimenes asistentu kurss" names
    "Ģimenes asistentu apmācība"): at least two words of the title, or its only word,
    found in the question (light stems, so case endings do not matter)."""
    asked = {stem(word) for word in words(text)}
    if not asked:
        return []
    rows = await session.execute(_UPCOMING_TITLES, {"now": now})
    found: list[tuple[int, TitleMatch]] = []
    for event_id, title in rows:
        named = {stem(word) for word in words(title) if not word.isdigit()}
        shared = len(named & asked)
        if shared >= min(2, len(named)) and shared:
            found.append((shared, TitleMatch(event_id, title)))
    found.sort(key=lambda pair: -pair[0])
    return [match for _, match in found[:MAX_TITLE_MATCHES]]

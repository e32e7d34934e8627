"""What an event's staff see about its people: the registrant list, the summary by
municipality, and the data behind the CSV/XLSX export of registrants and attendance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import latvian_sort_key
from bot.services import municipalities
from bot.services.events import ACTIVE, EventView, RegStatus, SessionView, require_staff, view
from bot.services.municipalities import OTHER
from bot.services.users import Person
from storage.models import Attendance, Registration, User
from storage.models import Session as EventSession

LIST_PAGE = 20


@dataclass(frozen=True)
class Registrant:
    user_id: int
    name: str
    municipality: str | None  # a code from municipalities.json, "other" or None
    workplace: str | None
    status: RegStatus
    position: int | None  # on the waiting list
    registered_at: datetime


async def _registrants(session: AsyncSession, event_id: int) -> list[Registrant]:
    """Active registrants: confirmed (by name), then the waiting list in order, then
    requests waiting for approval (oldest first)."""
    rows = await session.execute(
        select(Registration, User.full_name, User.municipality, User.workplace)
        .join(User, User.id == Registration.user_id)
        .where(
            Registration.event_id == event_id,
            Registration.status.in_([s.value for s in ACTIVE]),
        )
        .order_by(Registration.seq)
    )
    groups: dict[RegStatus, list[Registrant]] = defaultdict(list)
    for registration, name, municipality, workplace in rows:
        status = RegStatus(registration.status)
        position = len(groups[status]) + 1 if status == RegStatus.WAITING else None
        groups[status].append(
            Registrant(
                registration.user_id,
                name or "—",
                registration.municipality or municipality,
                workplace,
                status,
                position,
                registration.created_at,
            )
        )
    groups[RegStatus.CONFIRMED].sort(key=lambda r: (latvian_sort_key(r.name), r.user_id))
    return [r for status in ACTIVE for r in groups[status]]


@dataclass(frozen=True)
class RegistrantsPage:
    event: EventView
    entries: list[Registrant]
    first: int  # the number of the first entry on this page, from 1
    page: int
    pages: int
    total: int


async def registrants_page(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int, page: int = 0
) -> RegistrantsPage:
    async with db() as session:
        event = await view(session, event_id)
        require_staff(actor, event)
        everyone = await _registrants(session, event_id)
    pages = max(1, -(-len(everyone) // LIST_PAGE))
    page = min(max(page, 0), pages - 1)
    start = page * LIST_PAGE
    return RegistrantsPage(
        event, everyone[start : start + LIST_PAGE], start + 1, page, pages, len(everyone)
    )


@dataclass
class MunicipalityCount:
    code: str | None
    confirmed: int = 0
    waiting: int = 0
    pending: int = 0
    attended: int = 0  # people present at one session or more

    def add(self, other: MunicipalityCount) -> None:
        self.confirmed += other.confirmed
        self.waiting += other.waiting
        self.pending += other.pending
        self.attended += other.attended


@dataclass(frozen=True)
class Summary:
    event: EventView
    rows: list[MunicipalityCount]
    total: MunicipalityCount = field(default_factory=lambda: MunicipalityCount(None))


def _municipality_order(code: str | None) -> tuple[int, object]:
    """By name; "other" and "not given" last."""
    if code is None:
        return 2, ()
    if code == OTHER:
        return 1, ()
    found = municipalities.get(code)
    return 0, latvian_sort_key(found.name if found else code)


async def _attendees(session: AsyncSession, event: EventView) -> set[int]:
    ids = [s.id for s in event.sessions]
    return set(
        await session.scalars(
            select(Attendance.user_id)
            .where(Attendance.session_id.in_(ids), Attendance.present.is_(True))
            .distinct()
        )
    )


async def summary(db: async_sessionmaker[AsyncSession], actor: Person, event_id: int) -> Summary:
    async with db() as session:
        event = await view(session, event_id)
        require_staff(actor, event)
        everyone = await _registrants(session, event_id)
        attendees = await _attendees(session, event)
    counts: dict[str | None, MunicipalityCount] = {}
    for person in everyone:
        row = counts.setdefault(person.municipality, MunicipalityCount(person.municipality))
        if person.status == RegStatus.CONFIRMED:
            row.confirmed += 1
        elif person.status == RegStatus.WAITING:
            row.waiting += 1
        else:
            row.pending += 1
        if person.user_id in attendees:
            row.attended += 1
    rows = sorted(counts.values(), key=lambda r: _municipality_order(r.code))
    result = Summary(event, rows)
    for row in rows:
        result.total.add(row)
    return result


@dataclass(frozen=True)
class ExportRow:
    registrant: Registrant
    # Per session, in time order: True present, False absent, None not recorded.
    marks: tuple[bool | None, ...]
    sessions_attended: int
    hours_attended: float


@dataclass(frozen=True)
class ExportData:
    event: EventView
    sessions: tuple[SessionView, ...]
    rows: list[ExportRow]

    @property
    def total_hours(self) -> float:
        return self.event.total_hours


async def export_data(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int
) -> ExportData:
    """Every registrant with their attendance. A confirmed participant without a mark for
    a session whose attendance was taken (check-in started or anyone marked) counts as
    absent; sessions not taken yet stay blank."""
    async with db() as session:
        event = await view(session, event_id)
        require_staff(actor, event)
        everyone = await _registrants(session, event_id)
        ids = [s.id for s in event.sessions]
        taken = set(
            await session.scalars(
                select(EventSession.id).where(
                    EventSession.id.in_(ids), EventSession.attendance_taken.is_(True)
                )
            )
        )
        marks: dict[tuple[int, int], bool] = {
            (session_id, user_id): present
            for session_id, user_id, present in await session.execute(
                select(Attendance.session_id, Attendance.user_id, Attendance.present).where(
                    Attendance.session_id.in_(ids)
                )
            )
        }
    rows = []
    for person in everyone:
        row_marks: list[bool | None] = []
        for item in event.sessions:
            mark = marks.get((item.id, person.user_id))
            if mark is None and item.id in taken and person.status == RegStatus.CONFIRMED:
                mark = False
            row_marks.append(mark)
        attended = [s for s, m in zip(event.sessions, row_marks, strict=True) if m]
        rows.append(
            ExportRow(person, tuple(row_marks), len(attended), sum(s.hours for s in attended))
        )
    return ExportData(event, event.sessions, rows)

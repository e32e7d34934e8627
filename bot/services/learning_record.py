"""A person's learning record: hours attended by year across every training in Kopiena,
whoever organised it, with the certificates issued for them.

Hours count the sessions the person was marked present at, in the year (Riga time) the
session took place; a course spanning New Year counts in both years.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.services.certificates import CertificateStatus
from bot.services.users import Person
from storage.models import Attendance, Certificate, Event, User
from storage.models import Session as EventSession


@dataclass
class RecordLine:
    event_id: int
    title: str
    organiser: str | None
    first: datetime
    last: datetime
    minutes: int = 0
    certificate: str | None = None  # the code of the latest valid certificate

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass
class RecordYear:
    year: int
    lines: list[RecordLine] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass(frozen=True)
class Record:
    name: str
    years: list[RecordYear]  # newest first
    target_hours: int  # 0: no target


async def _record(session: AsyncSession, user_id: int, timezone: ZoneInfo, target: int) -> Record:
    user = await session.get(User, user_id)
    organiser = aliased(User)
    rows = (
        await session.execute(
            select(
                Event.id,
                Event.title,
                organiser.full_name,
                EventSession.starts_at,
                EventSession.ends_at,
            )
            .select_from(Attendance)
            .join(EventSession, EventSession.id == Attendance.session_id)
            .join(Event, Event.id == EventSession.event_id)
            .outerjoin(organiser, organiser.id == Event.organiser_id)
            .where(Attendance.user_id == user_id, Attendance.present.is_(True))
            .order_by(EventSession.starts_at)
        )
    ).all()
    codes = dict(
        (
            await session.execute(
                select(Certificate.event_id, Certificate.code)
                .where(
                    Certificate.user_id == user_id, Certificate.status == CertificateStatus.VALID
                )
                .order_by(Certificate.number)
            )
        ).all()
    )
    years: dict[int, dict[int, RecordLine]] = {}
    for event_id, title, organiser, starts_at, ends_at in rows:
        year = starts_at.astimezone(timezone).year
        line = years.setdefault(year, {}).get(event_id)
        if line is None:
            line = years[year][event_id] = RecordLine(
                event_id, title, organiser, starts_at, ends_at, certificate=codes.get(event_id)
            )
        line.minutes += round((ends_at - starts_at).total_seconds() / 60)
        line.last = ends_at
    return Record(
        (user.full_name if user else None) or "—",
        [
            RecordYear(year, list(lines.values()))
            for year, lines in sorted(years.items(), reverse=True)
        ],
        target,
    )


async def record(
    db: async_sessionmaker[AsyncSession], person: Person, timezone: ZoneInfo, target: int
) -> Record:
    async with db() as session:
        return await _record(session, person.id, timezone, target)


async def export(
    session: AsyncSession, user_id: int, timezone: ZoneInfo
) -> list[dict[str, object]]:
    """The record for /mydata."""
    found = await _record(session, user_id, timezone, 0)
    return [
        {
            "year": year.year,
            "hours": round(year.hours, 2),
            "trainings": [
                {
                    "event": line.title,
                    "hours": round(line.hours, 2),
                    "certificate": line.certificate,
                }
                for line in year.lines
            ],
        }
        for year in found.years
    ]

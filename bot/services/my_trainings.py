"""What /my shows for each of a person's registrations: where they stand, the next
session, whether they can check in now, and feedback surveys still waiting for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.attendance import window
from bot.services.events import EventView, RegStatus, SessionView
from bot.services.registration import MyRegistration, mine
from bot.services.surveys import SURVEY_KIND, Invitation, invitation
from bot.services.users import Person
from storage.models import Attendance, Delivery, DeliveryStatus


@dataclass(frozen=True)
class Card:
    item: MyRegistration
    next_session: SessionView | None
    checkin_open: bool  # a session's check-in runs now and they are not checked in yet
    surveys: list[Invitation]

    @property
    def event_view(self) -> EventView:
        return self.item.event


async def _present(
    db: async_sessionmaker[AsyncSession], user_id: int, session_ids: list[int]
) -> set[int]:
    if not session_ids:
        return set()
    async with db() as session:
        return set(
            await session.scalars(
                select(Attendance.session_id).where(
                    Attendance.user_id == user_id,
                    Attendance.session_id.in_(session_ids),
                    Attendance.present.is_(True),
                )
            )
        )


async def _surveys_sent(
    db: async_sessionmaker[AsyncSession], user_id: int, now: datetime
) -> list[tuple[int, int]]:
    """(survey, session) of survey invitations that reached the person and are still open."""
    async with db() as session:
        rows = await session.execute(
            select(Delivery.ref_id, Delivery.payload).where(
                Delivery.user_id == user_id,
                Delivery.kind == SURVEY_KIND,
                Delivery.status == DeliveryStatus.SENT,
                (Delivery.expires_at.is_(None)) | (Delivery.expires_at > now),
            )
        )
        return [
            (ref, int(payload["session"]))
            for ref, payload in rows
            if ref is not None and isinstance(payload, dict) and "session" in payload
        ]


async def cards(db: async_sessionmaker[AsyncSession], person: Person, now: datetime) -> list[Card]:
    items = await mine(db, person, now)
    live = {
        s.id: s
        for item in items
        if item.status == RegStatus.CONFIRMED
        for s in item.event.sessions
        if s.checkin_code and window(s)[0] <= now < window(s)[1]
    }
    present = await _present(db, person.id, list(live))
    waiting: dict[int, list[Invitation]] = {}
    for survey_id, session_id in await _surveys_sent(db, person.id, now):
        found = await invitation(db, survey_id, session_id, person.id, now, nudge=False)
        if found is not None:
            waiting.setdefault(found.target.event.id, []).append(found)
    result = []
    for item in items:
        upcoming = [s for s in item.event.sessions if s.ends_at > now]
        checkin = any(s.id in live and s.id not in present for s in item.event.sessions)
        result.append(
            Card(item, upcoming[0] if upcoming else None, checkin, waiting.get(item.event.id, []))
        )
    return result

"""Attendance: hours attended per participant."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.events import EventView
from storage.models import Attendance


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

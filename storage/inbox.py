"""Inbound updates in the database: stored on arrival, marked when handled.

Core statements on purpose: they run for every update, and SQLAlchemy caches their
compiled form, so each costs one round trip and no ORM bookkeeping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import InboundUpdate


class InboundStatus(StrEnum):
    NEW = "new"  # stored, its handlers have not run yet
    DONE = "done"
    PARKED = "parked"  # its handlers failed at every start: kept aside for a look


NEW, DONE, PARKED = InboundStatus.NEW, InboundStatus.DONE, InboundStatus.PARKED

_table = InboundUpdate.__table__
_known = select(_table.c.update_id).where(_table.c.update_id.in_(bindparam("ids", expanding=True)))
_insert = _table.insert()
_finish = (
    update(_table)
    .where(_table.c.update_id.in_(bindparam("ids", expanding=True)))
    .values(status=DONE, payload=None, lane=None, handled_at=bindparam("now"))
)


@dataclass(frozen=True)
class Stored:
    update_id: int
    lane: int | None
    payload: str


async def store(db: Database, arrivals: Sequence[Stored], now: datetime) -> list[Stored]:
    """Store the updates not seen before, in one transaction; returns those (in order).
    An update id already stored (waiting, handled or parked) is left as it is."""
    if not arrivals:
        return []
    async with db.begin(urgent=True) as session:
        ids = [arrival.update_id for arrival in arrivals]
        known = set((await session.execute(_known, {"ids": ids})).scalars())
        fresh: dict[int, Stored] = {}
        for arrival in arrivals:
            if arrival.update_id not in known:
                fresh.setdefault(arrival.update_id, arrival)
        if fresh:
            await session.execute(
                _insert,
                [
                    {
                        "update_id": arrival.update_id,
                        "lane": arrival.lane,
                        "payload": arrival.payload,
                        "status": NEW,
                        "recoveries": 0,
                        "received_at": now,
                    }
                    for arrival in fresh.values()
                ],
            )
    return list(fresh.values())


async def finish(session: AsyncSession, update_ids: Sequence[int], now: datetime) -> None:
    """Mark updates handled and drop what says whose they were (payload, lane)."""
    await session.execute(_finish, {"ids": list(update_ids), "now": now})


async def park(db: Database, update_id: int, error: str, now: datetime) -> None:
    async with db.begin() as session:
        await session.execute(
            update(_table)
            .where(_table.c.update_id == update_id)
            .values(status=PARKED, error=error[:100], handled_at=now)
        )


async def recover(db: Database, max_recoveries: int, now: datetime) -> tuple[list[Stored], int]:
    """Updates stored but never handled (the process stopped first), oldest first, and how
    many were parked instead because they were already found unhandled `max_recoveries`
    times (an update that brings the process down must not do so forever)."""
    async with db.begin() as session:
        await session.execute(
            update(_table).where(_table.c.status == NEW).values(recoveries=_table.c.recoveries + 1)
        )
        parked = await session.execute(
            update(_table)
            .where(_table.c.status == NEW, _table.c.recoveries > max_recoveries)
            .values(status=PARKED, error="unhandled at every start", handled_at=now)
        )
        rows = await session.execute(
            select(_table.c.update_id, _table.c.lane, _table.c.payload)
            .where(_table.c.status == NEW)
            .order_by(_table.c.update_id)
        )
        waiting = [Stored(row.update_id, row.lane, row.payload or "{}") for row in rows]
    return waiting, parked.rowcount or 0


async def prune(db: Database, handled_before: datetime) -> int:
    """Forget handled and parked updates older than `handled_before`."""
    async with db.begin() as session:
        result = await session.execute(
            delete(_table).where(
                _table.c.status.in_((DONE, PARKED)), _table.c.handled_at < handled_before
            )
        )
    return result.rowcount or 0


async def highest_id(db: Database) -> int:
    async with db() as session:
        return int((await session.scalar(select(func.max(_table.c.update_id)))) or 0)


async def status_of(db: Database, update_id: int) -> str | None:
    async with db() as session:
        return await session.scalar(select(_table.c.status).where(_table.c.update_id == update_id))

"""Inbound updates in the database: stored on arrival, marked when handled.

Core statements on purpose: they run for every update, and SQLAlchemy caches their
compiled form, so each costs one round trip and no ORM bookkeeping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam, delete, func, or_, select, update
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


async def store(
    db: Database,
    arrivals: Sequence[Stored],
    now: datetime,
    owner: str | None = None,
    lease_until: datetime | None = None,
) -> list[Stored]:
    """Store the updates not seen before, in one transaction; returns those (in order),
    held by `owner` until `lease_until` (none: any instance may take them at once).
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
                        "owner": owner,
                        "lease_until": lease_until,
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


async def renew(db: Database, owner: str, lease_until: datetime) -> int:
    """Extend the lease of every update `owner` holds and has not handled yet."""
    async with db.begin() as session:
        result = await session.execute(
            update(_table)
            .where(_table.c.owner == owner, _table.c.status == NEW)
            .values(lease_until=lease_until)
        )
    return result.rowcount or 0


async def release(db: Database, owner: str) -> int:
    """Let any instance take what `owner` holds unhandled at once (it stops cleanly)."""
    async with db.begin() as session:
        result = await session.execute(
            update(_table)
            .where(_table.c.owner == owner, _table.c.status == NEW)
            .values(lease_until=None)
        )
    return result.rowcount or 0


async def adopt(
    db: Database, owner: str, lease_until: datetime, max_recoveries: int, now: datetime
) -> tuple[list[Stored], int]:
    """Take over the updates stored but not handled whose lease has run out (the instance
    holding them stopped, or never held them), oldest first, and say how many were parked
    instead because they were already taken over `max_recoveries` times (an update that
    brings the process down must not do so forever). One conditional UPDATE claims them,
    so two instances adopting at once never take the same row."""
    async with db.begin() as session:
        taken = await session.execute(
            update(_table)
            .where(
                _table.c.status == NEW,
                or_(_table.c.lease_until.is_(None), _table.c.lease_until < now),
            )
            .values(owner=owner, lease_until=lease_until, recoveries=_table.c.recoveries + 1)
            .returning(_table.c.update_id, _table.c.lane, _table.c.payload, _table.c.recoveries)
        )
        rows = sorted(taken.all(), key=lambda row: row.update_id)
        poison = [row.update_id for row in rows if row.recoveries > max_recoveries]
        if poison:
            await session.execute(
                update(_table)
                .where(_table.c.update_id.in_(poison))
                .values(status=PARKED, error="unhandled at every start", handled_at=now)
            )
        waiting = [
            Stored(row.update_id, row.lane, row.payload or "{}")
            for row in rows
            if row.recoveries <= max_recoveries
        ]
    return waiting, len(poison)


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

"""The outbox: every scheduled message is a Delivery row (see storage.models.Delivery).

Features enqueue deliveries inside their own write transaction; the dispatcher sends
what is due. Rendering a delivery into a message is registered per `kind` by the feature
that owns it (reminders, announcements, surveys).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert
from storage.models import Delivery, utcnow


async def enqueue(
    session: AsyncSession,
    *,
    user_id: int,
    kind: str,
    dedupe_key: str,
    due_at: datetime,
    ref_id: int | None = None,
    payload: dict[str, Any] | None = None,
    expires_at: datetime | None = None,
) -> bool:
    """Add a delivery unless one with the same key exists; True if it was added."""
    result = await session.execute(
        insert(session)(Delivery)
        .values(
            dedupe_key=dedupe_key,
            user_id=user_id,
            kind=kind,
            ref_id=ref_id,
            payload=payload or {},
            due_at=due_at,
            expires_at=expires_at,
            status="pending",
            attempts=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[Delivery.dedupe_key])
    )
    return bool(result.rowcount)


async def enqueue_many(session: AsyncSession, deliveries: list[dict[str, Any]]) -> int:
    """`enqueue` for many at once (same keys as its arguments); returns how many were added."""
    if not deliveries:
        return 0
    now = utcnow()
    values = [
        {
            "ref_id": None,
            "payload": {},
            "expires_at": None,
            **item,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for item in deliveries
    ]
    # One statement run for every row: compiled once, unlike a VALUES list of varying length.
    # The ids it returns count the rows added (asyncpg reports no rowcount for many rows).
    statement = (
        insert(session)(Delivery)
        .on_conflict_do_nothing(index_elements=[Delivery.dedupe_key])
        .returning(Delivery.id)
    )
    await session.flush()
    connection = await session.connection()
    result = await connection.execute(statement, values)
    return len(result.all())

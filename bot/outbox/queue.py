"""The outbox queue: Delivery rows in the database, and the leased claims on them.

Features enqueue deliveries inside their own write transaction (`enqueue`,
`enqueue_many`). The sender claims due rows before sending: a claim is a lease with an
owner (one running sender) and an expiry (`lease_until`) that the owner renews while its
pass runs. Claims take only pending rows and rows whose lease has run out, with a
conditional UPDATE (and FOR UPDATE SKIP LOCKED on PostgreSQL), so two passes never send
the same row, and start-up recovery takes back only expired leases.

Results are written by a `Recorder`: each worker waits until its result is written (a
group commit) before it takes the next row, so a crash repeats only the sends in flight.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import pick_language
from bot.outbox.registry import Due
from bot.runtime import Runtime
from storage.db import insert
from storage.models import Delivery, DeliveryStatus, User, utcnow

log = logging.getLogger(__name__)

BATCH = 500  # rows claimed at most at once
COMMIT_TRIES = 3  # writing a batch of results (a locked database): then give up
COMMIT_BACKOFF = 0.5  # seconds before the second try; doubles each time

PENDING, SENDING, SENT = DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.SENT


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
            status=PENDING,
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
            "status": PENDING,
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


@dataclass(frozen=True)
class Lease:
    """Who claims (one running sender) and for how long a claim holds unrenewed."""

    owner: str
    seconds: float

    @classmethod
    def new(cls, seconds: float) -> Lease:
        host = socket.gethostname()[:40]
        return cls(f"{host}:{os.getpid()}:{secrets.token_hex(3)}", seconds)

    def until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class Item:
    """A claimed row and what sending it needs."""

    id: int
    chat_id: int
    language: str
    attempts: int
    expires_at: datetime | None
    due: Due


def _lease_expired(now: datetime, owner: str | None = None) -> ColumnElement[bool]:
    """A row claimed by an instance whose lease has run out (it stopped renewing it);
    with `owner`, not one of that owner's own (its pass still holds them)."""
    expired = and_(
        Delivery.status == SENDING,
        or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
    )
    if owner is None:
        return expired
    return and_(expired, or_(Delivery.lease_owner.is_(None), Delivery.lease_owner != owner))


def _claimable(now: datetime, owner: str) -> ColumnElement[bool]:
    due = and_(Delivery.status == PENDING, Delivery.due_at <= now)
    return or_(due, _lease_expired(now, owner))


async def recover(runtime: Runtime) -> int:
    """At start-up: rows whose lease has run out (their sender crashed) go back to the
    queue; rows another running instance holds stay with it."""
    async with runtime.db.begin() as session:
        result = await session.execute(
            update(Delivery)
            .where(_lease_expired(runtime.clock()))
            .values(status=PENDING, lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


async def claim(runtime: Runtime, lease: Lease, now: datetime, limit: int = BATCH) -> list[Item]:
    """Claim due rows (and rows whose lease ran out) for `lease.owner`; expire the ones
    whose time has passed, drop forgotten users.

    Every UPDATE here repeats the claimable condition, so of two claims that read the
    same rows only one gets each (on SQLite the write lock orders them; on PostgreSQL
    the SELECT also skips rows another claim has locked).
    """
    async with runtime.db.begin() as session:
        query = (
            select(Delivery, User.telegram_id, User.language, User.telegram_language)
            .join(User, User.id == Delivery.user_id)
            .where(_claimable(now, lease.owner))
            .order_by(Delivery.due_at, Delivery.id)
            .limit(limit)
        )
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Delivery)
        found = (await session.execute(query)).all()
        if not found:
            return []
        expired, forgotten, items = [], [], []
        default = runtime.settings.default_language
        for row, telegram_id, language, telegram_language in found:
            if row.expires_at is not None and now > row.expires_at:
                log.info(
                    "Delivery %s (%s, due %s) expired unsent at %s",
                    row.id,
                    row.kind,
                    row.due_at.isoformat(),
                    now.isoformat(),
                )
                expired.append(row.id)
            elif telegram_id is None:
                forgotten.append(row.id)
            else:
                due = Due(
                    row.id, row.user_id, row.kind, row.ref_id, dict(row.payload or {}), row.due_at
                )
                items.append(
                    Item(
                        row.id,
                        telegram_id,
                        pick_language(language, telegram_language, default),
                        row.attempts + 1,
                        row.expires_at,
                        due,
                    )
                )
        if expired:
            await _update_claimable(session, lease, now, expired, status=DeliveryStatus.EXPIRED)
        if forgotten:
            await _update_claimable(
                session,
                lease,
                now,
                forgotten,
                status=DeliveryStatus.CANCELLED,
                last_error="user forgotten",
            )
        if not items:
            return []
        taken = await _update_claimable(
            session,
            lease,
            now,
            [item.id for item in items],
            status=SENDING,
            attempts=Delivery.attempts + 1,
            lease_owner=lease.owner,
            lease_until=lease.until(now),
        )
        return [item for item in items if item.id in taken]


async def _update_claimable(
    session: AsyncSession, lease: Lease, now: datetime, ids: list[int], **values: Any
) -> set[int]:
    """Change the rows of `ids` that are still claimable; the ids changed."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), _claimable(now, lease.owner))
        .values(**values)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.scalars())


async def give_back(runtime: Runtime, lease: Lease) -> int:
    """Rows this sender still holds between passes (their result could not be written)
    go back to the queue."""
    async with runtime.db.begin() as session:
        result = await session.execute(
            update(Delivery)
            .where(Delivery.status == SENDING, Delivery.lease_owner == lease.owner)
            .values(status=PENDING, lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


async def renew(runtime: Runtime, lease: Lease) -> int:
    """Extend the lease on every row this sender holds; how many it holds."""
    now = runtime.clock()
    async with runtime.db.begin() as session:
        result = await session.execute(
            update(Delivery)
            .where(Delivery.status == SENDING, Delivery.lease_owner == lease.owner)
            .values(lease_until=lease.until(now))
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


class Recorder:
    """Results written together: a group commit that each worker waits for.

    A worker records its result, then `commit()`s before it takes the next row; the
    results of every worker that finished meanwhile go into the same transaction. So a
    crash can repeat only the sends that were in flight, at most one per worker.
    """

    def __init__(self, runtime: Runtime, lease: Lease, on_unwritten: Callable[[], None]) -> None:
        self.runtime = runtime
        self.lease = lease
        self.on_unwritten = on_unwritten
        self.sent: list[int] = []
        self.other: list[tuple[int, dict[str, Any]]] = []
        self.sent_total = 0
        self._recorded = 0  # results recorded so far
        self._committed = 0  # of which written
        self._lock = asyncio.Lock()

    def record(self, delivery_id: int, status: DeliveryStatus, **values: Any) -> None:
        self._recorded += 1
        if status == SENT and not values:
            self.sent.append(delivery_id)
            self.sent_total += 1
        else:
            self.other.append((delivery_id, {"status": status, **values}))

    def release(self, item: Item) -> None:
        """Back to the queue untried (stopping): this claim does not count as an attempt."""
        self.record(
            item.id, PENDING, attempts=Delivery.attempts - 1, lease_owner=None, lease_until=None
        )

    async def commit(self) -> None:
        """Return once every result recorded before this call is written."""
        target = self._recorded
        async with self._lock:
            if self._committed >= target:
                return  # a commit that finished meanwhile wrote it
            upto, sent, other = self._recorded, self.sent, self.other
            self.sent, self.other = [], []
            for attempt in range(COMMIT_TRIES):
                try:
                    await self._write(sent, other)
                    break
                except Exception:
                    if attempt + 1 == COMMIT_TRIES:
                        self.on_unwritten()
                        log.exception(
                            "Results of %d delivery(ies) could not be written; they stay "
                            "'sending' until the next pass puts them back in the queue",
                            len(sent) + len(other),
                        )
                        raise
                    await asyncio.sleep(COMMIT_BACKOFF * 2**attempt)
            self._committed = upto

    async def _write(self, sent: list[int], other: list[tuple[int, dict[str, Any]]]) -> None:
        # Only rows this sender still holds: if it stalled past its lease and another
        # instance took a row over, that one's result stands (a row put back in the queue
        # here would go out once more).
        held = and_(Delivery.status == SENDING, Delivery.lease_owner == self.lease.owner)
        async with self.runtime.db.begin() as session:
            if sent:
                await session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(sent), held)
                    .values(status=SENT, sent_at=self.runtime.clock(), last_error=None)
                    .execution_options(synchronize_session=False)
                )
            for delivery_id, values in other:
                await session.execute(
                    update(Delivery)
                    .where(Delivery.id == delivery_id, held)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )

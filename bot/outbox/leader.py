"""One sending leader over all instances, elected through a lease in the database.

Telegram's limit (BROADCAST_RATE, 30 messages per second by default) is for the bot, not
for one process. So only one running instance sends outbox messages at a time: the one
holding the lease in the `outbox_leaders` row. The lease is taken and renewed with one
conditional UPDATE (owner = me, or no owner, or the lease has run out), which works
alike on SQLite and PostgreSQL; the holder renews it every quarter of its length.
Other instances keep enqueueing (their handlers and planners write rows as before) and
ask for the lead on the same beat; when the holder dies, its lease runs out and the
next one to ask takes over and finishes what is left (the dead one's claimed rows come
back once their own leases run out).

The rate stays global through a hand-over, too: the holder sends only while more than
`guard` (one rate window, a little over a second) of its lease is left, and a holder that
stops lets go only once its last send is a window old. So one instance's last send and
the next one's first are always a window apart, and the next one's limiter starts with
no history and no burst. A holder frozen past its lease (a paused VM) finds on waking
that it no longer holds it and sends nothing new; only sends it had already let through
before freezing can still leave (at most one per worker), and its results are written
only to rows it still holds (bot/outbox/queue.py). Instance clocks are assumed to agree
to well within a second (NTP), as for the delivery leases.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, text, update

from bot.outbox.queue import Lease
from bot.runtime import Runtime
from storage.db import insert
from storage.models import OutboxLeader

log = logging.getLogger(__name__)

NAME = "broadcast"


class Leader:
    """This instance's standing in the election."""

    def __init__(self, runtime: Runtime, lease: Lease, guard_seconds: float) -> None:
        self.runtime = runtime
        self.lease = lease
        self.guard = timedelta(seconds=guard_seconds)
        self.until: datetime | None = None  # the end of the lease this instance holds
        self.contended = False  # another instance asked for the lead lately
        self._row_made = False

    @property
    def owner(self) -> str:
        return self.lease.owner

    def holds(self) -> bool:
        """Whether this instance may send now (by its own last successful renewal)."""
        return self.until is not None and self.runtime.clock() < self.until - self.guard

    async def take(self) -> bool:
        """Take or renew the lead; False if another instance holds it (this one's asking
        is noted, so the holder knows it is not alone)."""
        now = self.runtime.clock()
        until = self.lease.until(now)
        async with self.runtime.db.begin() as session:
            if session.bind.dialect.name == "postgresql":
                # Frozen between this UPDATE and its COMMIT, this instance would keep the
                # row locked, and nobody could take the lead: the server ends it instead.
                await session.execute(
                    text(
                        "SET LOCAL idle_in_transaction_session_timeout = "
                        f"{int(self.lease.seconds * 1000)}"
                    )
                )
            if not self._row_made:
                await session.execute(
                    insert(session)(OutboxLeader)
                    .values(name=NAME)
                    .on_conflict_do_nothing(index_elements=[OutboxLeader.name])
                )
            taken = await session.execute(
                update(OutboxLeader)
                .where(
                    OutboxLeader.name == NAME,
                    or_(
                        OutboxLeader.owner == self.owner,
                        OutboxLeader.owner.is_(None),
                        OutboxLeader.lease_until.is_(None),
                        OutboxLeader.lease_until < now,
                    ),
                )
                .values(owner=self.owner, lease_until=until)
                .returning(OutboxLeader.contended_until)
                .execution_options(synchronize_session=False)
            )
            row = taken.first()
            if row is None:
                await session.execute(
                    update(OutboxLeader)
                    .where(OutboxLeader.name == NAME)
                    .values(contended_until=now + 2 * timedelta(seconds=self.lease.seconds))
                    .execution_options(synchronize_session=False)
                )
        self._row_made = True
        if row is None:
            if self.until is not None:
                log.warning("Another instance took the outbox lead; this one stops sending")
            self.until = None
            return False
        self.until = until
        self.contended = row.contended_until is not None and row.contended_until > now
        return True

    async def holder_until(self) -> datetime | None:
        """When the lease of whoever holds the lead now runs out."""
        async with self.runtime.db() as session:
            return await session.scalar(
                select(OutboxLeader.lease_until).where(
                    OutboxLeader.name == NAME, OutboxLeader.owner.is_not(None)
                )
            )

    async def release(self) -> None:
        """Let go (stopping): the next instance to ask takes over at once."""
        self.until = None
        async with self.runtime.db.begin() as session:
            await session.execute(
                update(OutboxLeader)
                .where(OutboxLeader.name == NAME, OutboxLeader.owner == self.owner)
                .values(owner=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )

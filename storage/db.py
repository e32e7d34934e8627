"""Engine and sessions; SQLite gets WAL, foreign keys and a busy timeout on every connection.

Write transactions (`db.begin()`) take SQLite's write lock up front (BEGIN IMMEDIATE, sent
with their first statement), so whatever a transaction reads stays true until it commits:
seat counts cannot be overtaken. Within this process SQLite writers also queue on an
asyncio lock first, so they wait their turn without spinning on SQLite's busy handler; an
urgent writer (storing polled updates, marking them handled: short transactions every
update waits for) goes before the others waiting. That lock is only a speed-up; the
guarantee is the database's lock, which other processes honour too. Read sessions (`db()`)
use a plain BEGIN and, in WAL mode, never wait for writers.

On PostgreSQL transactions run side by side (READ COMMITTED); a decision that depends on
what it read takes a row lock first (`SELECT ... FOR UPDATE`, see
bot/services/events.lock_seats) or is one conditional statement. Pooled connections are
checked before use (pre-ping), so a restarted server or a killed connection costs a
reconnect, not a failed update.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite_driver
from storage.priority import PrioritySemaphore

BUSY_TIMEOUT_MS = 15_000
# Connections kept open for reuse, and how many more may open for a moment. The default
# (5 + 10) closed a connection after nearly every busy moment: a busy bot opened about
# one (a thread, five pragmas) per three updates. At most 25 at once (was 15).
POOL_SIZE = 20
POOL_OVERFLOW = 5
IMMEDIATE = "sqlite_immediate"
IN_TRANSACTION = "kopiena_in_transaction"


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten with zeros, not left readable in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _own_transactions(dbapi_connection: Any, _record: Any) -> None:
    # Stop the driver from issuing its own, late BEGIN (it waits for the first write, so a
    # "count, then insert" would run outside any transaction); _begin below issues ours.
    dbapi_connection.isolation_level = None


def _begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get(IMMEDIATE)
    statement = "BEGIN IMMEDIATE" if immediate else "BEGIN"
    adapted = connection.connection.dbapi_connection
    if isinstance(adapted, sqlite_driver.OneCallConnection):
        adapted.defer_begin(statement)  # sent with the first statement, one call for both
    else:
        connection.exec_driver_sql(statement)
    connection.connection.info[IN_TRANSACTION] = True


def _ended(connection: Any) -> None:
    connection.connection.info[IN_TRANSACTION] = False


def _reset(dbapi_connection: Any, record: Any, state: Any) -> None:
    """A connection goes back to the pool: roll back only a transaction still open. The
    pool's own reset rolls back every time, a second round trip after the session's."""
    if state.asyncio_safe and not state.terminate_only and record.info.get(IN_TRANSACTION):
        dbapi_connection.rollback()
        record.info[IN_TRANSACTION] = False


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def check_sqlite_file(url: str) -> None:
    """Open a SQLite database file (creating it if missing) and read its schema, so a
    corrupt or unreadable file fails here, plainly, with sqlite3.DatabaseError."""
    if not is_sqlite(url):
        return
    database = make_url(url).database
    if not database or database == ":memory:":
        return
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA schema_version").fetchone()
    finally:
        connection.close()


def create_engine(url: str, *, guarded: bool = True, hide_parameters: bool = True) -> AsyncEngine:
    """`guarded=False` leaves the driver's deferred transactions in place: only for the
    test that shows why they are not safe. `hide_parameters` keeps the values of a failed
    statement (names, answers) out of error messages and so out of the logs."""
    pooled: dict[str, Any] = {}
    if make_url(url).database not in (None, "", ":memory:"):
        pooled = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    if not is_sqlite(url):
        pooled["pool_pre_ping"] = True
    else:
        if make_url(url).get_driver_name() == "aiosqlite":
            pooled["module"] = sqlite_driver.dbapi()  # one thread hand-off per statement
        if guarded:  # our BEGIN is tracked, so the pool need not roll back blindly
            pooled["pool_reset_on_return"] = None
    engine = create_async_engine(url, hide_parameters=hide_parameters, **pooled)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        if guarded:
            event.listen(engine.sync_engine, "connect", _own_transactions)
            event.listen(engine.sync_engine, "begin", _begin)
            event.listen(engine.sync_engine, "commit", _ended)
            event.listen(engine.sync_engine, "rollback", _ended)
            event.listen(engine.sync_engine.pool, "reset", _reset)
    return engine


T = TypeVar("T")


class Database(async_sessionmaker[AsyncSession]):
    """`db()` opens a session for reading; `db.begin()` a write transaction (see above)."""

    def __init__(self, engine: AsyncEngine, *, guarded: bool = True) -> None:
        super().__init__(engine, expire_on_commit=False)
        self._guarded = guarded
        self._sqlite = engine.dialect.name == "sqlite"
        self._writers = PrioritySemaphore(1)
        self.engine = engine
        # What services derive from the database and keep between calls (the FAQ's
        # search index), by name: one per Database, so per application, never shared.
        self.derived: dict[str, Any] = {}

    @asynccontextmanager
    async def begin(self, *, urgent: bool = False) -> AsyncIterator[AsyncSession]:  # type: ignore[override]
        if not self._guarded:
            async with super().begin() as session:
                yield session
            return
        async with self._queue(urgent), self() as session:
            if self._sqlite:
                await session.connection(execution_options={IMMEDIATE: True})
            try:
                yield session
            except BaseException:
                # Cancelled mid-statement, the connection is invalidated and cannot roll
                # back (PendingRollbackError); closing the session ends the transaction.
                # Either way the original error goes on: a cancelled task must end.
                with contextlib.suppress(Exception):
                    await session.rollback()
                raise
            await session.commit()

    @asynccontextmanager
    async def _queue(self, urgent: bool) -> AsyncIterator[None]:
        if not self._sqlite:
            yield
            return
        async with self._writers.held(urgent):
            yield


def derived(db: async_sessionmaker[AsyncSession], name: str, make: Callable[[], T]) -> T:
    """What a service keeps between calls for this database, so per application (a batcher,
    a search index): made by `make` on first use. Another session maker keeps nothing."""
    if not isinstance(db, Database):
        return make()
    found = db.derived.get(name)
    if found is None:
        found = db.derived[name] = make()
    return found  # type: ignore[no-any-return]


async def truncate_wal(engine: AsyncEngine) -> bool:
    """Copy the -wal file into the database and cut it to zero bytes, so old page images
    (of deleted or changed rows) no longer sit in it. False when a reader kept some."""
    if engine.dialect.name != "sqlite":
        return True
    async with engine.connect() as connection:
        busy, _, _ = (await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
    return not busy


def create_sessionmaker(engine: AsyncEngine, *, guarded: bool = True) -> Database:
    return Database(engine, guarded=guarded)


def insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (SQLite and PostgreSQL)."""
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


def describe(url: str) -> str:
    """The database URL with any password hidden, for logs."""
    return make_url(url).render_as_string(hide_password=True)

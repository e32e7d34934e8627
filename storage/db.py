"""Engine and sessions; SQLite gets WAL, foreign keys and a busy timeout on every connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

BUSY_TIMEOUT_MS = 15_000


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _own_transactions(dbapi_connection: Any, _record: Any) -> None:
    # Stop the driver from issuing its own, late BEGIN (it waits for the first write, so a
    # "count, then insert" would run outside any transaction); _begin below issues ours.
    dbapi_connection.isolation_level = None


def _begin(connection: Any) -> None:
    # Every transaction takes SQLite's write lock up front, so whatever a transaction reads
    # stays true until it commits: seat counts cannot be overtaken. Readers are not
    # blocked (WAL); writers queue behind the busy timeout.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, immediate: bool = True) -> AsyncEngine:
    """`immediate=False` leaves the driver's deferred transactions in place: only for the
    test that shows why they are not safe."""
    engine = create_async_engine(url)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        if immediate:
            event.listen(engine.sync_engine, "connect", _own_transactions)
            event.listen(engine.sync_engine, "begin", _begin)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (SQLite and PostgreSQL)."""
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


def describe(url: str) -> str:
    """The database URL with any password hidden, for logs."""
    return make_url(url).render_as_string(hide_password=True)

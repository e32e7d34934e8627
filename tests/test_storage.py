"""Migrations, schema, SQLite pragmas and UTC storage on a real database (a SQLite file, or
PostgreSQL on the PostgreSQL run)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from storage.db import create_engine, create_sessionmaker
from storage.migrate import alembic_config, downgrade, upgrade
from storage.models import Base, User

T = TypeVar("T")


def sync_path(database_url: str) -> str:
    return database_url.split("///", 1)[1]


async def on_connection(database_url: str, work: Callable[[Connection], T]) -> T:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


async def test_empty_database_gets_the_whole_schema(database_url: str) -> None:
    applied = await asyncio.to_thread(upgrade, database_url)
    heads = ScriptDirectory.from_config(alembic_config(database_url)).get_heads()
    assert applied and applied[-1] == heads[0]

    def schema(connection: Connection) -> tuple[set[str], set[str]]:
        found = inspect(connection)
        return set(found.get_table_names()), {c["name"] for c in found.get_columns("users")}

    tables, columns = await on_connection(database_url, schema)
    assert {"users", "user_roles", "role_audit", "dialogs", "alembic_version"} <= tables
    assert {
        "telegram_id",
        "full_name",
        "municipality",
        "workplace",
        "username",
        "language",
        "created_at",
        "updated_at",
    } <= columns
    # Running it again applies nothing.
    assert await asyncio.to_thread(upgrade, database_url) == []


async def test_migrations_match_the_models(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url)

    def drift(connection: Connection) -> list[Any]:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    diff = await on_connection(database_url, drift)
    assert diff == [], "models changed without a migration: run alembic revision --autogenerate"


async def test_every_migration_downgrades_and_upgrades_again(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    revisions = list(reversed(list(script.walk_revisions())))
    for revision in revisions:
        await asyncio.to_thread(upgrade, database_url, revision.revision)
        await asyncio.to_thread(downgrade, database_url, revision.down_revision or "base")
        await asyncio.to_thread(upgrade, database_url, revision.revision)


@pytest.mark.sqlite_only(reason="SQLite pragmas")
async def test_pragmas_are_set_on_every_connection(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    try:
        for _ in range(2):
            async with engine.connect() as conn:
                assert (await conn.scalar(text("pragma journal_mode"))) == "wal"
                assert (await conn.scalar(text("pragma foreign_keys"))) == 1
                assert (await conn.scalar(text("pragma busy_timeout"))) >= 5000
            await engine.dispose()  # force a brand-new connection next round
    finally:
        await engine.dispose()


async def test_times_come_back_as_the_same_utc_instant(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    db = create_sessionmaker(engine)
    riga_evening = datetime(2026, 9, 27, 18, 30, tzinfo=timezone(timedelta(hours=3)))
    async with db.begin() as session:
        session.add(User(telegram_id=1, full_name="Anna", created_at=riga_evening))
    async with db() as session:
        stored = await session.scalar(select(User.created_at))
    await engine.dispose()
    assert stored == riga_evening
    assert stored.tzinfo == UTC
    if database_url.startswith("sqlite"):
        with sqlite3.connect(sync_path(database_url)) as conn:
            raw = conn.execute("select created_at from users").fetchone()[0]
        assert raw.startswith("2026-09-27 15:30:00")
    else:
        query = text("select (created_at at time zone 'UTC')::text from users")
        raw = await on_connection(database_url, lambda c: c.scalar(query))
        assert raw == "2026-09-27 15:30:00"


@pytest.mark.sqlite_only("the pooled SQLite connection's own transaction state")
async def test_a_failed_transaction_leaves_no_lock_on_a_pooled_connection(
    database_url: str,
) -> None:
    """A transaction cut short by an error ends before its connection goes back to the
    pool (which no longer rolls back every connection a second time), or the next writer,
    here another process's engine, would wait for a lock nobody releases."""
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    db = create_sessionmaker(engine)
    other = create_engine(database_url)
    try:
        for attempt in range(3):
            with pytest.raises(RuntimeError):
                async with db.begin() as session:
                    session.add(User(telegram_id=100 + attempt, full_name="Cut short"))
                    await session.flush()
                    raise RuntimeError("a handler failed mid-transaction")
            with pytest.raises(RuntimeError):
                async with db() as session:
                    await session.scalar(select(User.id))
                    raise RuntimeError("a reader failed")
        async with other.begin() as connection:  # BEGIN IMMEDIATE: the write lock
            await connection.execute(text("PRAGMA busy_timeout=200"))
            await connection.execute(
                text(
                    "INSERT INTO users (telegram_id, created_at, updated_at) "
                    "VALUES (7, '2026-01-01', '2026-01-01')"
                )
            )
        async with db.begin() as session:  # the pooled connections still write
            session.add(User(telegram_id=8, full_name="After"))
        async with db() as session:
            ids = set(await session.scalars(select(User.telegram_id)))
        assert ids == {7, 8}
        async with engine.connect() as connection:  # no reader left holding the WAL
            busy, _, _ = (await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        assert busy == 0
    finally:
        await engine.dispose()
        await other.dispose()


def another_writer_gets_in(path: str) -> bool:
    """Whether another process could write now (it waits 0.2 s for the write lock)."""
    connection = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO users (telegram_id, created_at, updated_at) "
            "VALUES (77, '2026-01-01', '2026-01-01')"
        )
        connection.execute("COMMIT")
        return True
    except sqlite3.OperationalError:  # "database is locked"
        return False
    finally:
        connection.close()


@pytest.mark.sqlite_only("SQLite's write lock and WAL snapshots")
async def test_transactions_hold_their_lock_and_snapshot_from_the_first_statement(
    database_url: str,
) -> None:
    """A write transaction keeps every other writer out from its first read, so what it
    read (free seats) still holds when it writes; a read session sees one snapshot, so
    two counts in it agree although another process wrote between them."""
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    db = create_sessionmaker(engine)
    path = sync_path(database_url)
    try:
        async with db.begin() as session:
            await session.scalar(select(User.id))
            assert not await asyncio.to_thread(another_writer_gets_in, path)
            session.add(User(telegram_id=1, full_name="Anna"))
        assert await asyncio.to_thread(another_writer_gets_in, path)  # committed: free again

        async with db() as session:
            before = len(list(await session.scalars(select(User.id))))
            connection = sqlite3.connect(path, isolation_level=None)
            connection.execute(
                "INSERT INTO users (telegram_id, created_at, updated_at) "
                "VALUES (78, '2026-01-01', '2026-01-01')"
            )
            connection.close()
            after = len(list(await session.scalars(select(User.id))))
        assert before == after == 2
        async with db() as session:
            assert len(list(await session.scalars(select(User.id)))) == 3
    finally:
        await engine.dispose()


async def test_a_write_cancelled_mid_statement_ends_cancelled_and_leaves_no_lock(
    database_url: str,
) -> None:
    """Stopping the bot cancels its background writers (lease renewal): a writer cancelled
    in the middle of a statement must end as cancelled, not with an error raised while
    rolling back (which would keep a stopping process alive), and the next write works."""
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    db = create_sessionmaker(engine)
    slow = text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000000) "
        "SELECT count(*) FROM c"
    )

    async def renew() -> None:
        async with db.begin() as session:
            await session.execute(slow)

    try:
        task = asyncio.create_task(renew())
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with db.begin() as session:
            session.add(User(telegram_id=5, full_name="After"))
        async with db() as session:
            assert await session.scalar(select(User.telegram_id)) == 5
    finally:
        await engine.dispose()


async def test_statements_return_rows_counts_and_new_ids(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    db = create_sessionmaker(engine)
    try:
        async with db.begin() as session:
            session.add_all([User(telegram_id=n, full_name=f"U{n}") for n in (1, 2, 3)])
            await session.flush()
            new = User(telegram_id=4, full_name="Four")
            session.add(new)
            await session.flush()  # the new row's id comes back
            assert new.id is not None
            changed = await session.execute(
                text("UPDATE users SET full_name = 'X' WHERE telegram_id IN (1, 2)")
            )
            assert changed.rowcount == 2  # type: ignore[attr-defined]
        async with db() as session:
            rows = (
                await session.execute(
                    select(User.telegram_id, User.full_name).order_by(User.telegram_id)
                )
            ).all()
        assert [tuple(row) for row in rows] == [(1, "X"), (2, "X"), (3, "U3"), (4, "Four")]
    finally:
        await engine.dispose()

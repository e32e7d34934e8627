from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from bot import eventloop
from bot.config import Settings
from bot.sandbox import Sandbox
from tests.helpers import ADMIN_ID, Clock

__all__ = ["ADMIN_ID"]

# KOPIENA_TEST_DATABASE=postgres runs every test that uses `database_url` on a fresh
# PostgreSQL database of the server named by KOPIENA_TEST_POSTGRES_URL; `.ci/run` does both.
ON_POSTGRES = os.environ.get("KOPIENA_TEST_DATABASE", "sqlite") == "postgres"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): the test is about SQLite itself (its file, WAL, pragmas); "
        "skipped when the suite runs on PostgreSQL",
    )
    config.addinivalue_line(
        "markers", "postgres: the test needs a PostgreSQL server (the postgres_url fixture)"
    )


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    """The tests run on the event loop `kopiena run` uses (uvloop where installed)."""
    return {"loop": eventloop.new_event_loop}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL run: skip SQLite-only tests, and leave out the tests that use no
    test database at all (they run the same on the SQLite run)."""
    if not ON_POSTGRES:
        return
    kept, left_out = [], []
    for item in items:
        uses_database = "database_url" in getattr(item, "fixturenames", ())
        if not uses_database and item.get_closest_marker("postgres") is None:
            left_out.append(item)
            continue
        kept.append(item)
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def _postgres_server() -> str:
    server = os.environ.get("KOPIENA_TEST_POSTGRES_URL")
    if server:
        return server
    if ON_POSTGRES or os.environ.get("CI"):
        pytest.fail("KOPIENA_TEST_POSTGRES_URL is not set: the PostgreSQL tests cannot run")
    pytest.skip("KOPIENA_TEST_POSTGRES_URL is not set")


def _on_server(server: str, statement: str) -> None:
    """Run one statement on the server's own database, in a thread of its own (so it
    works from sync and async fixtures alike)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)

    async def run() -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(run())
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards.

    KOPIENA_TEST_POSTGRES_URL names the server (an SQLAlchemy URL of any database on it,
    e.g. postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/postgres); `.ci/run` starts
    one. Without it the test is skipped, or fails when CI or KOPIENA_TEST_DATABASE=postgres
    is set (there the PostgreSQL tests must run).
    """
    from sqlalchemy.engine import make_url

    server = _postgres_server()
    name = f"kopiena_test_{uuid.uuid4().hex[:12]}"
    _on_server(server, f'CREATE DATABASE "{name}"')
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    _on_server(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A SQLite file in tmp_path, or a fresh PostgreSQL database on the PostgreSQL run."""
    if ON_POSTGRES:
        return request.getfixturevalue("postgres_url")
    return f"sqlite+aiosqlite:///{tmp_path / 'kopiena.db'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url, admin_ids=frozenset({ADMIN_ID}))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sandbox(settings: Settings, clock: Clock) -> AsyncIterator[Sandbox]:
    """The real Application on a fresh database (a SQLite file, or PostgreSQL on the
    PostgreSQL run), talking to a fake Bot API, with a clock that moves only when a test
    says so.

    A test that expects handler errors must empty `sandbox.errors` itself.
    """
    async with Sandbox(settings, clock=clock) as running:
        yield running
        assert running.errors == [], f"handlers raised: {running.errors!r}"

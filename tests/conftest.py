from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.sandbox import Sandbox
from tests.helpers import ADMIN_ID, Clock

__all__ = ["ADMIN_ID"]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'kopiena.db'}"


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards.

    KOPIENA_TEST_POSTGRES_URL names the server (an SQLAlchemy URL of any database on it,
    e.g. postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/postgres); `.ci/run` starts
    one. Without it the test is skipped.
    """
    server = os.environ.get("KOPIENA_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("KOPIENA_TEST_POSTGRES_URL is not set")
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(server)
    name = f"kopiena_test_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    yield url.set(database=name).render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url, admin_ids=frozenset({ADMIN_ID}))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sandbox(settings: Settings, clock: Clock) -> AsyncIterator[Sandbox]:
    """The real Application on a fresh SQLite file, talking to a fake Bot API, with a
    clock that moves only when a test says so.

    A test that expects handler errors must empty `sandbox.errors` itself.
    """
    async with Sandbox(settings, clock=clock) as running:
        yield running
        assert running.errors == [], f"handlers raised: {running.errors!r}"

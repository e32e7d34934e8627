from __future__ import annotations

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

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.sandbox import Sandbox

ADMIN_ID = 9001


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'kopiena.db'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url, admin_ids=frozenset({ADMIN_ID}))


@pytest.fixture
async def sandbox(settings: Settings) -> AsyncIterator[Sandbox]:
    """The real Application on a fresh SQLite file, talking to a fake Bot API.

    A test that expects handler errors must empty `sandbox.errors` itself.
    """
    async with Sandbox(settings) as running:
        yield running
        assert running.errors == [], f"handlers raised: {running.errors!r}"

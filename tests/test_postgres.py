"""PostgreSQL as an operator meets it: instances that start together, a server that
restarts or drops the bot's connections. These need a server (`postgres_url`)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.sandbox import Sandbox
from storage.migrate import alembic_config
from tests.helpers import ADMIN_ID, Clock

pytestmark = pytest.mark.postgres


def start_upgrade(tmp_path: Path, url: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "LOG_LEVEL"}}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=tmp_path,
        env={**env, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def plain(url: str) -> str:
    """The URL as asyncpg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def test_two_upgrades_started_together_on_an_empty_database_both_succeed(
    tmp_path: Path, postgres_url: str
) -> None:
    processes = [start_upgrade(tmp_path, postgres_url) for _ in range(2)]
    outputs = [await asyncio.to_thread(p.communicate, timeout=120) for p in processes]

    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
    said = sorted(stdout.strip() for stdout, _ in outputs)
    assert said[0].startswith("Applied") and said[1] == "Database is up to date."
    connection = await asyncpg.connect(plain(postgres_url))
    try:
        versions = await connection.fetch("SELECT version_num FROM alembic_version")
    finally:
        await connection.close()
    heads = ScriptDirectory.from_config(alembic_config(postgres_url)).get_heads()
    assert [row["version_num"] for row in versions] == heads


async def test_the_bot_answers_after_the_server_drops_its_connections(postgres_url: str) -> None:
    settings = Settings(_env_file=None, database_url=postgres_url, admin_ids=frozenset({ADMIN_ID}))
    async with Sandbox(settings, clock=Clock()) as sandbox:
        anna = sandbox.user(101, "Anna", language_code="en")
        assert (await anna.send("/start")).last.text.startswith("Hello! I am Kopiena")

        # What a server restart (or an operator's pg_terminate_backend) does to the pool.
        database = make_url(postgres_url).database
        admin = await asyncpg.connect(plain(postgres_url))
        try:
            ended = await admin.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
        finally:
            await admin.close()
        assert ended, "the bot held no connection to drop"

        assert (await anna.send("/start")).last.text.startswith("Hello! I am Kopiena")
        assert sandbox.errors == []

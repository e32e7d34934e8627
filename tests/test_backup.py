"""`kopiena db backup FILE`: a consistent, checked copy of the SQLite database, taken
while the bot keeps writing."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.runtime import Runtime
from storage.migrate import upgrade
from storage.models import User
from tests.helpers import wait_for

BATCH = 10  # users written per transaction


async def test_backup_while_the_bot_writes_is_consistent_and_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "live.db"
    url = f"sqlite+aiosqlite:///{database}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    await asyncio.to_thread(upgrade, url)
    runtime = Runtime.from_settings(Settings(_env_file=None, database_url=url))
    written = 0
    stop = asyncio.Event()

    async def keep_writing() -> None:
        nonlocal written
        while not stop.is_set():
            async with runtime.db.begin() as session:
                session.add_all(
                    User(
                        telegram_id=100_000 + written + n,
                        full_name=f"Persona {written + n}",
                        language="lv",
                        consented_at=datetime.now(UTC),
                    )
                    for n in range(BATCH)
                )
            written += BATCH
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_writing())
    try:
        await wait_for(lambda: written >= 20 * BATCH)
        before = written
        target = tmp_path / "backups" / "kopiena-copy.db"
        target.parent.mkdir()
        code = await asyncio.to_thread(main, ["db", "backup", str(target)])
        after = written
    finally:
        stop.set()
        await writer
        await runtime.close()
    assert code == 0, capsys.readouterr().err
    assert after > before  # the bot really went on writing while the copy was taken
    assert "Backed up" in capsys.readouterr().out

    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        copied = copy.execute("SELECT count(*) FROM users").fetchone()[0]
        ids = [row[0] for row in copy.execute("SELECT telegram_id FROM users ORDER BY 1")]
        version = copy.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        copy.close()
    # One moment's database: whole transactions only, at least what was committed
    # before the backup began, and a schema the bot can open.
    assert before <= copied <= after + BATCH
    assert copied % BATCH == 0
    assert ids == list(range(100_000, 100_000 + copied))
    assert version is not None
    assert not (target.parent / f"{target.name}-wal").exists()  # one self-contained file
    assert target.stat().st_mode & 0o077 == 0  # personal data: readable by the owner only


def test_backup_refuses_what_it_should_not_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "kopiena.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")

    # No database yet: nothing is created, nothing is written.
    assert main(["db", "backup", "copy.db"]) == 1
    assert "there is no database" in capsys.readouterr().err
    assert not database.exists() and not (tmp_path / "copy.db").exists()

    upgrade(f"sqlite+aiosqlite:///{database}")
    existing = tmp_path / "copy.db"
    existing.write_text("an older backup")
    assert main(["db", "backup", str(existing)]) == 1
    assert "already exists; use --force" in capsys.readouterr().err
    assert existing.read_text() == "an older backup"
    assert main(["db", "backup", str(database)]) == 1
    assert "the database itself" in capsys.readouterr().err

    assert main(["db", "backup", "--force", str(existing)]) == 0
    with sqlite3.connect(existing) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert list(tmp_path.glob(".*partial")) == []

    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://kopiena@db.example.lv/kopiena")
    assert main(["db", "backup", "pg.db"]) == 1
    assert "pg_dump" in capsys.readouterr().err
    assert not (tmp_path / "pg.db").exists()

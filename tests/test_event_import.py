"""`kopiena events import`: the sample programmes, idempotent re-import, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.sandbox import Sandbox
from bot.services.event_import import ImportError_, import_events
from storage.models import Event
from storage.models import Session as EventSession
from tests.helpers import Clock, onboard

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "events.yaml"


async def counts(sandbox: Sandbox) -> tuple[int, int]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        events = await session.scalar(select(func.count()).select_from(Event))
        sessions = await session.scalar(select(func.count()).select_from(EventSession))
        return events or 0, sessions or 0


async def test_sample_programmes_import_and_show(sandbox: Sandbox, clock: Clock) -> None:
    assert sandbox.runtime is not None
    tz = sandbox.settings.tz
    result = await import_events(sandbox.runtime.db, EXAMPLES, tz)
    assert sorted(result.created) == ["gimenes-asistenti-100h-2027", "vasaras-skola-gimenes-2027"]
    assert await counts(sandbox) == (2, 28)
    again = await import_events(sandbox.runtime.db, EXAMPLES, tz)
    assert again.created == [] and len(again.updated) == 2
    assert await counts(sandbox) == (2, 28)

    clock.now = clock.now.replace(year=2026, month=12, day=1)
    anna = await onboard(sandbox, 900, "Anna Bērziņa")
    replies = await anna.send("/events")
    assert "Ģimenes asistentu apmācība (100 stundas)" in replies.last.text
    replies = await anna.press("Ģimenes asistentu")
    card = replies.last.text
    assert "25 sessions, 100 h in all" in card
    assert "… and 17 more sessions" in card
    assert "At most 2 per municipality" in card
    assert "approved by the organiser" in card


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("nothing: here", "top-level 'events:' list"),
        ("events: [{title: t, capacity: 5, sessions: []}]", "'key' is required"),
        ("events: [{key: a, title: t, capacity: many, sessions: []}]", r"event 1 \(a\)"),
        (
            "events: [{key: a, title: t, capacity: 5, sessions: "
            "[{start: '2027-01-01 10:00', end: '2027-01-01 09:00'}]}]",
            "must end after it starts",
        ),
        (
            "events: [{key: a, title: t, capacity: 5, sessions: "
            "[{start: '01.01.2027 10:00', end: '2027-01-01 11:00'}]}]",
            "expected 'YYYY-MM-DD HH:MM'",
        ),
    ],
)
async def test_bad_files_are_refused_with_the_place_of_the_error(
    sandbox: Sandbox, tmp_path: Path, content: str, message: str
) -> None:
    assert sandbox.runtime is not None
    path = tmp_path / "events.yaml"
    path.write_text(content)
    with pytest.raises(ImportError_, match=message):
        await import_events(sandbox.runtime.db, path, sandbox.settings.tz)
    assert await counts(sandbox) == (0, 0)


def test_command_line_import(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "events", "import", str(EXAMPLES)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Created 2 and updated 0 event(s)."
    bad = tmp_path / "bad.yaml"
    bad.write_text("events: [{key: x, title: t, capacity: 0, sessions: []}]")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "events", "import", str(bad)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().endswith("event 1 (x): capacity must be at least 1")

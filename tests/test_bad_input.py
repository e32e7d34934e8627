"""Bad input never reaches the apology: odd numbers in links and commands, empty button
data, a Telegram failure after the work is done, a database that cannot be read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.fakeapi import Fault
from bot.sandbox import Sandbox
from storage.models import Registration, RoleAudit, UserRole
from tests.eventkit import START, create_event, db, organiser
from tests.helpers import ADMIN_ID, Clock, onboard

from .test_config import GOOD_TOKEN

APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."
HUGE = "9" * 20


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


async def rows(sandbox: Sandbox, model: type) -> int:
    async with db(sandbox)() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("language", ["en", "lv"])
async def test_odd_numbers_and_empty_buttons_get_a_clear_answer(
    sandbox: Sandbox, language: str
) -> None:
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete", language=language)
    anna = await onboard(sandbox, 5, "Anna Bērziņa", language=language)
    roles, audit = await rows(sandbox, UserRole), await rows(sandbox, RoleAudit)
    link = {"en": "That link is not valid any more.", "lv": "Šī saite vairs nav derīga."}
    for text in ("/start event_²", f"/start event_{HUGE}", "/start event_-1"):
        assert (await anna.send(text)).texts == [link[language]], text
    for text in ("/grant ² organiser", f"/grant #{HUGE} organiser", f"/revoke {HUGE} trainer"):
        replies = await admin.send(text)
        assert len(replies.texts) == 1 and APOLOGY not in replies.texts[0], text
        assert ("²" in replies.texts[0]) or (HUGE in replies.texts[0]), text
    stale = {"en": "This button is no longer valid.", "lv": "Šī poga vairs nav derīga."}
    for data in ("", " ", "ea:" + HUGE, "ev:²"):
        assert (await anna.press_data(data)).alert == stale[language], repr(data)
    assert (await rows(sandbox, UserRole), await rows(sandbox, RoleAudit)) == (roles, audit)


async def test_a_telegram_failure_after_the_work_is_done_does_not_say_it_failed(
    sandbox: Sandbox, clock: Clock
) -> None:
    await organiser(sandbox)
    event_id, _ = await create_event(sandbox, 501, [(START.replace(day=20), START.replace(day=21))])
    anna = await onboard(sandbox, 601, "Anna Bērziņa")
    await anna.send(f"/start event_{event_id}")
    await anna.press("📝 Register")
    # Telegram fails the confirmation itself, on every try of the press: the seat is taken,
    # the press is answered (with the confirmation's first try), and Anna is told to check.
    tries = sandbox.settings.update_attempts
    sandbox.api.inject(Fault.SERVER_ERROR, method="editMessageText", chat_id=anna.id, times=tries)
    replies = await anna.press("✅ Yes, register")
    sandbox.errors.clear()
    assert await rows(sandbox, Registration) == 1
    assert [r.method for r in replies].count("answerCallbackQuery") == 1
    assert APOLOGY not in replies.texts and replies.alert is None
    assert replies.texts == [
        "Telegram did not pass on our answer just now. What you asked for may already "
        "be done: please check before you try again."
    ]

    # The confirmation reaches Juris but the calendar file after it fails: no apology.
    juris = await onboard(sandbox, 602, "Juris Kalns")
    await juris.send(f"/start event_{event_id}")
    await juris.press("📝 Register")
    sandbox.api.inject(Fault.SERVER_ERROR, method="sendDocument", chat_id=juris.id)
    replies = await juris.press("✅ Yes, register")
    sandbox.errors.clear()
    assert any("registered" in text.lower() for text in replies.texts)
    assert APOLOGY not in replies.texts and replies.alert != APOLOGY
    assert not any("may already be done" in text for text in replies.texts)


@pytest.mark.parametrize(
    "content", [b"this is not a database" * 300, b"SQLite format 3\0" + b"\xff" * 5000]
)
def test_a_corrupt_database_stops_run_with_one_line(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(content)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"kopiena: cannot use the database {path}")


def test_an_unreadable_database_stops_run_with_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-file.db"
    folder.mkdir()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"kopiena: cannot use the database {folder}: unable to open database file"
    ]

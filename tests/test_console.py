"""`kopiena console` driven through standard input, as a person at a terminal would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_console(tmp_path: Path, lines: list[str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    env["ADMIN_IDS"] = "9001"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="\n".join(lines) + "\n",
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_console_transcript(tmp_path: Path) -> None:
    lines = [
        "/start",
        "2",
        "1",
        "Anna Bērziņa",
        "cesi",
        "/press 1",
        "Cēsu novada Sociālais dienests",
        "/as 9001 en",
        "/help",
        "/as Pēteris ru",
        "/start",
        "99",
    ]
    out = run_console(tmp_path, lines)
    assert "Anna> /start" in out
    assert "bot> Sveiki! Esmu Kopiena" in out
    assert "[1] ✓ Latviešu  [2] English  [3] Русский" in out
    assert "bot> Before we start: your data" in out  # pressing 2 chose English
    assert "[1] Cēsu novads" in out
    assert "bot> All set, Anna Bērziņa! Welcome to Kopiena." in out
    assert "-- now you are User 9001 (id 9001, en)" in out
    assert "bot> What I can do" in out
    assert "-- now you are Pēteris" in out
    assert "[3] ✓ Русский" in out
    assert "-- no button 99; there are 3" in out
    assert (tmp_path / "console.db").exists()  # same database settings as `kopiena run`


def test_console_rejects_a_bad_switch_and_quits(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["/as 5 xx", "/quit", "/start"])
    assert "usage: /as" in out
    assert "bot> Sveiki" not in out  # /quit ended the session before /start


def test_numbers_as_text_multi_line_text_and_other_users_messages(tmp_path: Path) -> None:
    lines = [
        # The admin (from ADMIN_IDS) sets up, then Anna asks the organisers a question.
        "/as 9001 en",
        "/start",
        "2",
        "1",
        "Admin Adminiete",
        "riga",
        "Ministry",
        "/as Anna en",
        "/press 1",  # no buttons after a switch: nothing carries over
        "/start",
        "2",
        "1",
        "Anna Bērziņa",
        "talsi",
        "\\25",  # the workplace is the text "25", not button 25
        "/faq",
        "/press 1",  # ✉️ Ask the organisers
        "Is there parking \\",
        "near the venue?",
        "/quit",
    ]
    out = run_console(tmp_path, lines)
    assert "-- now you are Anna (id 1001, en)" in out
    assert "-- no button 1; there are 0" in out
    assert "bot> ✅ Municipality: Talsu novads" in out
    assert "bot> All set, Anna Bērziņa! Welcome to Kopiena." in out
    # The question went out as one message of two lines, and the admin got it.
    assert "Anna> Is there parking \n     near the venue?" in out
    assert "to User 9001 (id 9001)> ❓ New question #1 from Anna Bērziņa:" in out
    assert "near the venue?" in out.split("to User 9001 (id 9001)>")[1]

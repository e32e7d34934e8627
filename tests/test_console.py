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
        "cesis",
        "1",
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

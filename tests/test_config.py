"""Settings: every invalid value ends `kopiena run` with one line and exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

GOOD_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawX"


def run_kopiena(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "TELEGRAM_BOT_TOKEN",
            "DATABASE_URL",
            "ADMIN_IDS",
            "DEFAULT_LANGUAGE",
            "TIMEZONE",
            "TELEGRAM_API_BASE_URL",
            "LOG_LEVEL",
        }
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_without_token_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_kopiena(tmp_path, "run")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "TELEGRAM_BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("ADMIN_IDS", "12,abc"),
        ("DEFAULT_LANGUAGE", "de"),
        ("TIMEZONE", "Mars/Olympus"),
        ("LOG_LEVEL", "LOUD"),
        ("DATABASE_URL", "kopiena.db"),
        ("TELEGRAM_API_BASE_URL", "127.0.0.1:8081"),
        ("REMINDER_OFFSETS_MINUTES", "1440,soon"),
        ("BROADCAST_RATE", "-5"),
        ("OUTBOX_LEASE_SECONDS", "0"),
        ("UPDATE_CONCURRENCY", "0"),
        ("UPDATE_ATTEMPTS", "many"),
    ],
)
def test_invalid_setting_is_named(tmp_path: Path, name: str, value: str) -> None:
    env = {"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, name: value}
    result = run_kopiena(tmp_path, "run", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for key in ("ADMIN_IDS", "DEFAULT_LANGUAGE", "TELEGRAM_API_BASE_URL"):
        monkeypatch.delenv(key, raising=False)
    (tmp_path / ".env").write_text(
        "ADMIN_IDS=11, 22\nDEFAULT_LANGUAGE=ru\nTELEGRAM_API_BASE_URL=http://127.0.0.1:8081/\n"
    )
    settings = load_settings()
    assert settings.admin_ids == frozenset({11, 22})
    assert settings.default_language == "ru"
    assert settings.telegram_api_base_url == "http://127.0.0.1:8081"


def test_reminder_offsets_and_broadcast_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REMINDER_OFFSETS_MINUTES", " 60, 2880;60,30 ")
    monkeypatch.setenv("BROADCAST_RATE", "0")
    settings = load_settings()
    assert settings.reminder_offsets_minutes == (2880, 60, 30)  # latest first, once each
    assert settings.broadcast_rate == 0
    monkeypatch.delenv("REMINDER_OFFSETS_MINUTES")
    monkeypatch.delenv("BROADCAST_RATE")
    defaults = load_settings()
    assert defaults.reminder_offsets_minutes == (1440, 60) and defaults.broadcast_rate == 30


def test_token_is_required_only_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    settings = load_settings()
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        settings.token()


def test_db_upgrade_command(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    first = run_kopiena(tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert first.returncode == 0 and "Applied" in first.stdout
    second = run_kopiena(tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert second.returncode == 0 and "up to date" in second.stdout

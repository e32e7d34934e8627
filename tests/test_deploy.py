"""The systemd unit in examples/ runs the real entry point with the settings file that
docs/deploy.md makes from .env.example."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot import cli
from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "examples" / "kopiena.service"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def env_example_names() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "=" in line:
            names.add(line.split("=", 1)[0])
    return names


def test_the_unit_runs_kopiena_run_from_the_installed_entry_point() -> None:
    service = unit()["Service"]
    program, *arguments = shlex.split(service["ExecStart"])
    assert Path(program).name == "kopiena" and arguments == ["run"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["kopiena"] == "bot.cli:main"
    assert cli.parser().parse_args(arguments).action is cli.run
    # SIGTERM is what `kopiena run` finishes its work on; a config error (2) is final.
    assert service["KillSignal"] == "SIGTERM"
    assert "2" in service["RestartPreventExitStatus"].split()
    assert service["WorkingDirectory"] in service["ReadWritePaths"].split()


def test_the_unit_reads_the_settings_file_made_from_env_example() -> None:
    environment_file = unit()["Service"]["EnvironmentFile"].lstrip("-")
    deploy = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert f"cp .env.example {environment_file}" in deploy
    # Every line of .env.example is a setting the bot reads, and every setting is there.
    settings = {name.upper() for name in Settings.model_fields}
    assert env_example_names() == settings
    # The database the docs put in that file lives where the unit may write.
    assert f"sqlite+aiosqlite:///{unit()['Service']['WorkingDirectory']}/kopiena.db" in deploy


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    # Verified as shipped, except that ExecStart points at this environment's `kopiena`
    # (systemd checks that the program exists).
    here = Path(sys.executable).parent / "kopiena"
    assert here.exists()
    text = UNIT.read_text(encoding="utf-8")
    program = shlex.split(unit()["Service"]["ExecStart"])[0]
    (tmp_path / "kopiena.service").write_text(text.replace(program, str(here)))
    result = subprocess.run(
        [analyze, "verify", str(tmp_path / "kopiena.service")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "kopiena.service" not in result.stderr, result.stderr  # no warnings about it

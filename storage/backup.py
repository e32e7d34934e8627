"""`kopiena db backup`: a consistent copy of a SQLite database while the bot writes to it.

SQLite's online backup API copies the pages under one read transaction, so the copy is
the database as it was at one moment, whatever the bot commits meanwhile (WAL mode lets
the bot go on writing). The copy is written next to FILE under a temporary name, checked
with `PRAGMA integrity_check`, and only then renamed to FILE: a failed backup never
leaves a half-written FILE or replaces a good one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import BUSY_TIMEOUT_MS, is_sqlite


class BackupError(Exception):
    """The backup was refused or failed; the message says why and what to do."""


@dataclass(frozen=True)
class Copied:
    source: Path
    target: Path
    size: int


def backup_sqlite(database_url: str, target: Path, *, force: bool = False) -> Copied:
    if not is_sqlite(database_url):
        raise BackupError(
            "kopiena db backup copies SQLite databases only; for PostgreSQL use pg_dump, "
            "e.g. pg_dump --format=custom --file=kopiena.dump DBNAME (see docs/deploy.md)"
        )
    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise BackupError("DATABASE_URL names no database file to back up")
    source = Path(name).resolve()
    if not source.is_file():
        raise BackupError(f"there is no database at {source} (check DATABASE_URL)")
    target = target.resolve()
    if target == source:
        raise BackupError("FILE is the database itself; choose another path")
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; use --force to overwrite it")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    try:
        _copy(source, partial)
        _check(partial)
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise BackupError(f"the backup failed: {error}") from None
    except OSError as error:
        raise BackupError(f"cannot write {target}: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return Copied(source, target, target.stat().st_size)


def _copy(source: Path, partial: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    # Read-only: a backup must never create, migrate or lock the database for writing.
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    copy = sqlite3.connect(partial)
    try:
        origin.backup(copy)  # all pages in one step: one consistent snapshot
        # The copy is one self-contained file, not a database expecting a -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        copy.commit()
    finally:
        copy.close()
        origin.close()
    partial.chmod(0o600)  # it holds the same personal data as the database


def _check(path: Path) -> None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()
    if result != ["ok"]:
        raise BackupError(f"the copy failed its integrity check: {'; '.join(result[:3])}")

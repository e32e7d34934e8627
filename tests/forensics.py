"""An attacker's tools for SQLite files: replay a -wal file commit by commit, and read
every state the database went through, as someone holding a copy of the files would."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path

WAL_HEADER, FRAME_HEADER = 32, 24


def wal_commits(db_bytes: bytes, wal_bytes: bytes) -> Iterator[bytes]:
    """The database file as it was after each commit recorded in the -wal file (valid
    frames of the current salt only, as SQLite itself would read them)."""
    if len(wal_bytes) < WAL_HEADER:
        return
    page_size = struct.unpack(">I", wal_bytes[8:12])[0]
    salts = wal_bytes[16:24]
    image = bytearray(db_bytes)
    offset = WAL_HEADER
    while offset + FRAME_HEADER + page_size <= len(wal_bytes):
        header = wal_bytes[offset : offset + FRAME_HEADER]
        if header[8:16] != salts:
            break
        page, size_after = struct.unpack(">II", header[:8])
        data = wal_bytes[offset + FRAME_HEADER : offset + FRAME_HEADER + page_size]
        start = (page - 1) * page_size
        if len(image) < start + page_size:
            image.extend(b"\0" * (start + page_size - len(image)))
        image[start : start + page_size] = data
        if size_after:
            del image[size_after * page_size :]
            yield bytes(image)
        offset += FRAME_HEADER + page_size


def query(image: bytes, folder: Path, sql: str) -> list[tuple]:
    """Run `sql` on a database image (read-only, ignoring any -wal file)."""
    path = folder / "image.db"
    path.write_bytes(image[:18] + b"\x01\x01" + image[20:])  # rollback journal mode
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return list(connection.execute(sql))
    finally:
        connection.close()


def states(db_file: Path, folder: Path) -> list[bytes]:
    """The main file, then every state after each commit in its -wal file."""
    db_bytes = db_file.read_bytes()
    wal = Path(f"{db_file}-wal")
    wal_bytes = wal.read_bytes() if wal.exists() else b""
    return [db_bytes, *wal_commits(db_bytes, wal_bytes)]

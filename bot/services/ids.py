"""Numbers people type or send in links and buttons: only ASCII digits ("²" and "٣" are
digits to `str.isdigit`, not to `int`) and only what fits a database integer."""

from __future__ import annotations

import re

DIGITS = re.compile(r"[0-9]{1,18}")  # below 2**63, the largest SQLite/PostgreSQL integer


def parse_id(text: str) -> int | None:
    """A whole number 0 or more that a database column can hold, or None."""
    value = text.strip()
    return int(value) if DIGITS.fullmatch(value) else None

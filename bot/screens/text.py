"""Small text helpers for screens."""

from __future__ import annotations


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with "…" where it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

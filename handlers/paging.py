"""Small helpers for long lists in the chat: page buttons and shortened labels."""

from __future__ import annotations


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def navigation(prefix: str, page: int, pages: int) -> list[tuple[str, str]]:
    """◀ 2/15 ▶ buttons; `prefix` is the callback data before the page number."""
    if pages <= 1:
        return []
    row = []
    if page > 0:
        row.append(("◀", f"{prefix}{page - 1}"))
    row.append((f"{page + 1}/{pages}", "noop"))
    if page + 1 < pages:
        row.append(("▶", f"{prefix}{page + 1}"))
    return row

"""Small helpers for long lists in the chat: page buttons and shortened labels."""

from __future__ import annotations

from collections.abc import Callable

from bot.buttons import Button
from bot.screens.keyboard import Data, Noop, page_row
from bot.screens.text import shorten

__all__ = ["navigation", "shorten"]


def navigation(
    page_button: Callable[[int], Button] | str, page: int, pages: int
) -> list[tuple[str, Data]]:
    """◀ 2/15 ▶ buttons; `page_button(n)` is the button that opens page n (a Button class
    whose one field is the page will do). A string is the callback data before the page
    number, for the lists that do not declare typed buttons yet."""
    if not isinstance(page_button, str):
        return page_row(page_button, page, pages)
    if pages <= 1:
        return []
    row: list[tuple[str, Data]] = []
    if page > 0:
        row.append(("◀", f"{page_button}{page - 1}"))
    row.append((f"{page + 1}/{pages}", Noop()))
    if page + 1 < pages:
        row.append(("▶", f"{page_button}{page + 1}"))
    return row

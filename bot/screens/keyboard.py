"""The one keyboard builder: rows of (label, button) become Telegram's inline keyboard.

A button is a typed value (bot/buttons.py), packed into its callback data here; a plain
string is taken as callback data as it is, except "url:https://..." which makes a link
button. Handlers (through handlers/common) and the outbox both draw keyboards with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import Button, button

URL_PREFIX = "url:"

Data = Button | str
Row = Sequence[tuple[str, Data]]
Rows = Sequence[Row]


@button("noop", before_onboarding=True)
class Noop(Button):
    """A label that only shows something (the page number between ◀ and ▶)."""


def callback_data(data: Data) -> str:
    return data.pack() if isinstance(data, Button) else data


def inline_button(label: str, data: Data) -> InlineKeyboardButton:
    if isinstance(data, str) and data.startswith(URL_PREFIX):
        return InlineKeyboardButton(label, url=data[len(URL_PREFIX) :])
    return InlineKeyboardButton(label, callback_data=callback_data(data))


def keyboard(rows: Rows) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[inline_button(label, data) for label, data in row] for row in rows]
    )


def markup(rows: Rows | None) -> InlineKeyboardMarkup | None:
    """The keyboard for `rows`, or None when there are no buttons."""
    return keyboard(rows) if rows else None


def packed(rows: Rows) -> list[list[tuple[str, str]]]:
    """The rows with every button packed into its callback data (for the outbox, which
    keeps plain strings)."""
    return [[(label, callback_data(data)) for label, data in row] for row in rows]


def page_row(page_button: Callable[[int], Button], page: int, pages: int) -> list[tuple[str, Data]]:
    """◀ 2/15 ▶ buttons; `page_button(n)` is the button that opens page n."""
    if pages <= 1:
        return []
    row: list[tuple[str, Data]] = []
    if page > 0:
        row.append(("◀", page_button(page - 1)))
    row.append((f"{page + 1}/{pages}", Noop()))
    if page + 1 < pages:
        row.append(("▶", page_button(page + 1)))
    return row

"""Reminder settings (/settings), the staff's reminders screen and reminder times: their
buttons."""

from __future__ import annotations

from enum import StrEnum

from bot.buttons import Button, button


class OffsetChange(StrEnum):
    ADD = "a"
    REMOVE = "r"
    DEFAULT = "d"


@button("st:a")
class MuteAll(Button):
    muted: bool


@button("st:e")
class MuteEvent(Button):
    event_id: int
    muted: bool


@button("st:m")
class MuteFromReminder(Button):
    event_id: int


@button("rm")
class StaffReminders(Button):
    event_id: int


@button("ro")
class Offsets(Button):
    """The event's reminder times; with `change`, change them first."""

    event_id: int
    change: OffsetChange | None = None
    minutes: int | None = None


@button("rx")
class AskSkip(Button):
    session_id: int
    offset: int


@button("rxc")
class Skip(Button):
    session_id: int
    offset: int

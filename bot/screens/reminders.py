"""Reminder settings (/settings), the staff's reminders screen and reminder times: their
buttons, and how reminder times and announcements are shown."""

from __future__ import annotations

import re
from enum import StrEnum
from html import escape, unescape

from bot.buttons import Button, button
from bot.i18n import Translator
from bot.screens.announcements import PickEvent, ShowOne
from bot.screens.event_staff import Manage
from bot.screens.keyboard import Row, Rows
from bot.services import announcements, reminders

MAX_LISTED = 8


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


def offset_text(tr: Translator, minutes: int) -> str:
    """'24 hours', '3 days', '30 minutes'."""
    if minutes % 1440 == 0 and minutes >= 2880:
        return tr.ngettext("{count} day", "{count} days", minutes // 1440)
    if minutes % 60 == 0:
        return tr.ngettext("{count} hour", "{count} hours", minutes // 60)
    return tr.ngettext("{count} minute", "{count} minutes", minutes)


def offsets_text(tr: Translator, offsets: tuple[int, ...]) -> str:
    if not offsets:
        return tr._("none")
    return ", ".join(offset_text(tr, m) for m in offsets)


def plain(html_text: str, limit: int) -> str:
    """A short plain-text glimpse of an HTML text, escaped again for showing."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", "", html_text)).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape(text)


def staff_buttons(
    tr: Translator,
    overview: reminders.Overview,
    scheduled: list[announcements.AnnouncementView],
    manage: bool,
) -> Rows:
    event = overview.event
    rows: list[Row] = []
    for item in scheduled[:MAX_LISTED]:
        rows.append(
            [
                (
                    f"📣 {tr.short_date(item.due_at)} {tr.time(item.due_at)}: "
                    f"{unescape(re.sub(r'<[^>]+>', '', item.text))[:25]}",
                    ShowOne(item.id),
                )
            ]
        )
    if manage:
        for planned in overview.planned[:MAX_LISTED]:
            start = planned.session.starts_at
            label = tr._(
                "✖ {when}, {offset} before",
                when=f"{tr.short_date(start)} {tr.time(start)}",
                offset=offset_text(tr, planned.offset),
            )
            rows.append([(label, AskSkip(planned.session.id, planned.offset))])
        rows.append([(tr._("⏰ Reminder times"), Offsets(event.id))])
    rows.append([(tr._("📣 New announcement"), PickEvent(event.id))])
    rows.append([(tr._("◀ Back"), Manage(event.id))])
    return rows

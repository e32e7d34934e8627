"""Announcements to an event's participants: their buttons."""

from __future__ import annotations

import re
from enum import StrEnum
from html import escape, unescape

from bot.buttons import Button, button
from bot.i18n import Translator
from bot.screens.events import OpenCard
from bot.screens.keyboard import Rows
from bot.services.announcements import MAX_TEXT, Audience, When


class AudienceGroup(StrEnum):
    """The audiences a button names (one session's attendees have their own button)."""

    CONFIRMED = Audience.CONFIRMED.value
    WAITING = Audience.WAITING.value
    REGISTERED = Audience.REGISTERED.value


class SendAt(StrEnum):
    """The service's moments, and "typed" for a date the organiser sends."""

    NOW = When.NOW.value
    IN_AN_HOUR = When.HOUR.value
    TOMORROW_AT_NINE = When.TOMORROW.value
    TYPED = "typed"


@button("an:e")
class PickEvent(Button):
    event_id: int


@button("an:a")
class PickAudience(Button):
    audience: AudienceGroup


@button("an:s")
class PickSession(Button):
    session_id: int


@button("an:w")
class PickTime(Button):
    when: SendAt


@button("an:t")
class BackToText(Button):
    pass


@button("an:wt")
class BackToTime(Button):
    pass


@button("an:ok")
class ConfirmDraft(Button):
    pass


@button("an:x")
class CancelDraft(Button):
    pass


@button("an:v")
class ShowOne(Button):
    announcement_id: int


@button("an:c")
class AskCancelOne(Button):
    announcement_id: int


@button("an:cc")
class CancelOne(Button):
    announcement_id: int


@button("an:et")
class EditText(Button):
    announcement_id: int


@button("an:ew")
class EditTime(Button):
    announcement_id: int


def announcement_screen(tr: Translator, title: str, event_id: int, text: str) -> tuple[str, Rows]:
    """The announcement as its recipients see it: a heading with the event's name when it
    fits in Telegram's 4,096 characters, and a button to the event."""
    heading = tr._("📣 <b>{title}</b>", title=escape(title))
    body = text
    if _visible_length(heading) + 2 + _visible_length(text) <= MAX_TEXT:
        body = f"{heading}\n\n{text}"
    return body, [[(f"📅 {title[:50]}", OpenCard(event_id))]]


def _visible_length(html_text: str) -> int:
    return len(unescape(re.sub(r"<[^>]+>", "", html_text)))

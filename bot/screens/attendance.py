"""Sessions, check-in and marking attendance: their buttons."""

from __future__ import annotations

from bot.buttons import Button, button
from bot.i18n import Translator
from bot.services.events import SessionView


@button("my:ci")
class CheckInNow(Button):
    pass


@button("as")
class Sessions(Button):
    event_id: int
    page: int | None = None


@button("ci")
class StartCheckIn(Button):
    session_id: int


@button("am")
class Roster(Button):
    session_id: int
    page: int


@button("at")
class MarkPresent(Button):
    session_id: int
    user_id: int
    present: bool


def when_text(tr: Translator, session: SessionView) -> str:
    start, end = tr.time(session.starts_at), tr.time(session.ends_at)
    return f"{tr.short_date(session.starts_at)}, {start}–{end}"

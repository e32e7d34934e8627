"""An event's trainers, its sessions and copying it: their buttons."""

from __future__ import annotations

from datetime import datetime

from bot.buttons import Button, button
from bot.i18n import Translator


@button("et")
class Trainers(Button):
    event_id: int


@button("eta")
class AskTrainer(Button):
    event_id: int


@button("etp")
class PickTrainer(Button):
    event_id: int
    user_id: int


@button("etr")
class RemoveTrainer(Button):
    event_id: int
    user_id: int


@button("ess")
class SessionsToEdit(Button):
    event_id: int


@button("esa")
class AddSession(Button):
    event_id: int


@button("esm")
class MoveSession(Button):
    session_id: int


@button("esd")
class AskDeleteSession(Button):
    session_id: int


@button("esdc")
class DeleteSession(Button):
    session_id: int


@button("ecp")
class AskCopy(Button):
    event_id: int


def span_text(tr: Translator, starts_at: datetime, ends_at: datetime) -> str:
    return f"{tr.short_date(starts_at)}, {tr.time(starts_at)}–{tr.time(ends_at)}"

"""An event's trainers, its sessions and copying it: their buttons."""

from __future__ import annotations

from bot.buttons import Button, button


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

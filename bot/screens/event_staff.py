"""An event's staff screen, approval requests and cancelling the event: their buttons."""

from __future__ import annotations

from html import escape

from bot.buttons import Button, button
from bot.i18n import Translator
from bot.screens.keyboard import Rows
from bot.services import registration
from bot.services.events import RegStatus


@button("ea")
class Manage(Button):
    event_id: int


@button("eq")
class Requests(Button):
    event_id: int


@button("ap")
class Decide(Button):
    """Approve or decline from the message that announced the request."""

    registration_id: int
    approve: bool


@button("apl")
class DecideInList(Button):
    """Approve or decline from the list of requests, which stays open."""

    registration_id: int
    approve: bool


@button("apd")
class DeclineWithoutReason(Button):
    registration_id: int


@button("eqb")
class ChooseMunicipality(Button):
    event_id: int


@button("eqa")
class ApproveAll(Button):
    event_id: int


@button("eqm")
class ApproveMunicipality(Button):
    event_id: int
    municipality: str


@button("ec")
class AskCancelEvent(Button):
    event_id: int


@button("ecc")
class CancelEvent(Button):
    event_id: int


def approval_request_screen(
    tr: Translator, name: str, details: str, title: str, registration_id: int
) -> tuple[str, Rows]:
    """What an organiser is sent when someone asks to join: text and approve/decline."""
    text = tr._(
        "✋ {name} ({details}) asks to join <b>{title}</b>.",
        name=escape(name),
        details=escape(details or "—"),
        title=escape(title),
    )
    rows = [
        [
            (tr._("✅ Approve"), Decide(registration_id, True)),
            (tr._("✖ Decline"), Decide(registration_id, False)),
        ]
    ]
    return text, rows


def decision_notice(tr: Translator, decision: registration.Decision) -> str:
    title = escape(decision.event.title)
    name = escape(decision.recipient.name or "—")
    if decision.status == RegStatus.REJECTED:
        return tr._("{name} was declined for <b>{title}</b>.", name=name, title=title)
    return tr._("{name} was approved for <b>{title}</b>.", name=name, title=title)

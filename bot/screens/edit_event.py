"""Changing an event and publishing a draft: its buttons and the list of fields."""

from __future__ import annotations

from enum import StrEnum

from bot.buttons import Button, button
from bot.i18n import N_, Translator
from bot.screens.event_staff import Manage
from bot.screens.event_team import AskCopy, SessionsToEdit, Trainers
from bot.screens.keyboard import Rows


class Field(StrEnum):
    TITLE = "title"
    DESCRIPTION = "description"
    PLACE = "place"
    ONLINE_URL = "online_url"
    CAPACITY = "capacity"
    MUNICIPALITY_LIMIT = "municipality_limit"
    NEEDS_APPROVAL = "needs_approval"
    REGISTRATION_DEADLINE = "registration_deadline"
    REGISTRATION_OPENS_AT = "registration_opens_at"
    COMPLETION_PERCENT = "completion_percent"
    PROGRAMME = "programme"


# What each field is called on its button (the Field values, in the order shown).
FIELD_LABELS: dict[str, str] = {
    "title": N_("Title"),
    "description": N_("Description"),
    "place": N_("Place"),
    "online_url": N_("Online link"),
    "capacity": N_("Seats"),
    "municipality_limit": N_("Seats per municipality"),
    "needs_approval": N_("Approval"),
    "registration_deadline": N_("Registration deadline"),
    "registration_opens_at": N_("Registration opens"),
    "completion_percent": N_("Certificate rule"),
    "programme": N_("Programme"),
}


@button("ee")
class EditEvent(Button):
    event_id: int


@button("ef")
class EditField(Button):
    event_id: int
    field: Field


@button("ev:set")
class SetByButton(Button):
    """a1/a0 (approval), s1/s0 (survey required), p70 (certificate share) or clear."""

    event_id: int
    choice: str


@button("ev:pub")
class PublishDraft(Button):
    event_id: int


def field_buttons(tr: Translator, event_id: int) -> Rows:
    fields = [
        (tr._(label), EditField(event_id, Field(name))) for name, label in FIELD_LABELS.items()
    ]
    rows = [fields[i : i + 2] for i in range(0, len(fields), 2)]
    rows.append(
        [
            (tr._("👩‍🏫 Trainers"), Trainers(event_id)),
            (tr._("🗓 Sessions"), SessionsToEdit(event_id)),
        ]
    )
    rows.append([(tr._("📄 Copy as a new draft"), AskCopy(event_id))])
    rows.append([(tr._("◀ Back"), Manage(event_id))])
    return rows

"""Changing an event and publishing a draft: its buttons."""

from __future__ import annotations

from enum import StrEnum

from bot.buttons import Button, button


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

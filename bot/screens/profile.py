"""/profile: what is stored about the person, and the buttons to change it."""

from __future__ import annotations

from enum import StrEnum
from html import escape

from bot.buttons import Button, button
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.screens.keyboard import Rows
from bot.screens.onboarding import municipality_name
from bot.services.profile import Step
from bot.services.users import Person


class Field(StrEnum):
    """The profile fields a person can change (bot/services/profile.py EDITABLE)."""

    NAME = Step.NAME.value
    MUNICIPALITY = Step.MUNICIPALITY.value
    WORKPLACE = Step.WORKPLACE.value


@button("pf")
class EditField(Button):
    field: Field


@button("pf:lang")
class ChangeLanguage(Button):
    pass


def roles_text(person: Person, tr: Translator) -> str:
    names = {
        "trainer": tr._("trainer"),
        "organiser": tr._("organiser"),
        "admin": tr._("admin"),
    }
    return ", ".join([tr._("participant"), *(names[r] for r in sorted(person.roles))])


def profile_screen(person: Person, tr: Translator) -> tuple[str, Rows]:
    lines = [
        tr._("<b>Your profile</b>"),
        tr._("Name: {value}", value=escape(person.full_name or "—")),
        tr._("Municipality: {value}", value=escape(municipality_name(tr, person.municipality))),
        tr._("Workplace: {value}", value=escape(person.workplace or "—")),
        tr._("Language: {value}", value=LANGUAGE_NAMES[person.language]),
        tr._("Roles: {value}", value=roles_text(person, tr)),
    ]
    rows = [
        [
            (tr._("✏️ Name"), EditField(Field.NAME)),
            (tr._("✏️ Municipality"), EditField(Field.MUNICIPALITY)),
        ],
        [
            (tr._("✏️ Workplace"), EditField(Field.WORKPLACE)),
            (tr._("🌐 Language"), ChangeLanguage()),
        ],
    ]
    return "\n".join(lines), rows

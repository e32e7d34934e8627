"""Onboarding (language, consent, name, municipality, workplace): its buttons and prompts.

A profile edit asks with the same prompts, with a "Cancel" button added.
"""

from __future__ import annotations

from html import escape

from bot.buttons import Button, button
from bot.config import LANGUAGES
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.screens.keyboard import Row, Rows, page_row
from bot.services import municipalities, profile
from bot.services.municipalities import OTHER, Municipality
from bot.services.profile import Step
from bot.services.users import Person

MUNICIPALITY_PAGE = 10


@button("lang", before_onboarding=True)
class ChooseLanguage(Button):
    code: str  # the service checks it is one of LANGUAGES


@button("ob:agree", before_onboarding=True)
class Agree(Button):
    pass


@button("ob:tgname", before_onboarding=True)
class UseTelegramName(Button):
    pass


@button("ob:skip", before_onboarding=True)
class SkipWorkplace(Button):
    pass


@button("mun", before_onboarding=True)
class PickMunicipality(Button):
    code: str  # the service checks it is a known municipality


@button("munp", before_onboarding=True)
class MunicipalityPage(Button):
    page: int


@button("pf:cancel")
class CancelEdit(Button):
    """Leave a profile edit without changing anything."""


def municipality_name(tr: Translator, code: str | None) -> str:
    if code == OTHER:
        return tr._("Other (not a municipality)")
    found = municipalities.get(code or "")
    return found.name if found else "—"


def language_buttons(person: Person) -> Rows:
    return [
        [
            (("✓ " if code == person.language else "") + LANGUAGE_NAMES[code], ChooseLanguage(code))
            for code in LANGUAGES
        ]
    ]


def choose_language_text(tr: Translator) -> str:
    return tr._("Choose your language:")


def _cancel(tr: Translator, editing: bool) -> list[Row]:
    return [[(tr._("Cancel"), CancelEdit())]] if editing else []


def municipality_buttons(tr: Translator, page: int, *, editing: bool) -> Rows:
    items, pages = municipalities.page(page, MUNICIPALITY_PAGE)
    page = min(max(page, 0), pages - 1)
    rows: list[Row] = [
        [(m.name, PickMunicipality(m.code)) for m in items[i : i + 2]]
        for i in range(0, len(items), 2)
    ]
    rows.append(page_row(MunicipalityPage, page, pages))
    rows.append([(tr._("Other (not a municipality)"), PickMunicipality(OTHER))])
    return rows + _cancel(tr, editing)


def prompt(
    tr: Translator, person: Person, step: Step, *, editing: bool, telegram_name: str = ""
) -> tuple[str, Rows]:
    """What `step` asks and its buttons; `editing` tells a profile edit from onboarding."""
    if step is Step.LANGUAGE:
        text = "\n\n".join(
            [
                tr._(
                    "Hello! I am Kopiena, the assistant of Latvia's social work community: "
                    "trainings, reminders, feedback and answers to common questions."
                ),
                choose_language_text(tr),
            ]
        )
        return text, language_buttons(person)
    if step is Step.CONSENT:
        return consent_text(tr), [[(tr._("✅ I agree"), Agree())]]
    if step is Step.NAME:
        text = tr._(
            "Please type your <b>full name</b> as it should appear in attendance lists "
            "(for example, Anna Bērziņa)."
        )
        rows: list[Row] = []
        if telegram_name and not editing and _valid_name(telegram_name):
            rows.append([(tr._("Use “{name}”", name=telegram_name)[:60], UseTelegramName())])
        return text, rows + _cancel(tr, editing)
    if step is Step.MUNICIPALITY:
        text = tr._(
            "Which <b>municipality</b> do you work in? Pick it below or type its name "
            "(for example, Cēsis)."
        )
        return text, municipality_buttons(tr, 0, editing=editing)
    text = tr._(
        "Where do you <b>work</b>? Type the name of your institution, for example "
        "“Cēsu novada Sociālais dienests”. This is optional."
    )
    skip = tr._("Remove") if editing else tr._("Skip")
    return text, [[(skip, SkipWorkplace())], *_cancel(tr, editing)]


def _valid_name(name: str) -> bool:
    try:
        profile.clean_name(name)
    except profile.InvalidInput:
        return False
    return True


def consent_text(tr: Translator) -> str:
    return "\n\n".join(
        [
            tr._("<b>Before we start: your data</b>"),
            tr._(
                "To register you for trainings I will store your full name, municipality, "
                "workplace (optional), language and Telegram id. Organisers see them in "
                "attendance lists and reports; nobody else does."
            ),
            tr._(
                "You can see everything stored with /mydata and delete it with /forget at "
                "any time. More in /privacy."
            ),
        ]
    )


def suggestions(
    tr: Translator, text: str, found: list[Municipality], confident: bool, *, editing: bool
) -> tuple[str, Rows]:
    """The municipalities closest to what the person typed."""
    rows: list[Row] = [[(m.name, PickMunicipality(m.code))] for m in found]
    rows.append([(tr._("Show the full list"), MunicipalityPage(0))])
    if not found:
        message = tr._("Please type the name of a municipality or a town.")
    elif confident:
        message = tr._("Is it one of these?")
    else:
        message = tr._(
            "I found no municipality called “{text}”. The closest are:", text=escape(text[:60])
        )
    return message, rows + _cancel(tr, editing)

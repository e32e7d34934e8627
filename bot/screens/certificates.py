"""Certificates: the organiser's buttons, the completion rule in words (shown by the
certificate screen, the new-event wizard and the edit screen) and /my's progress note."""

from __future__ import annotations

from collections.abc import Callable

from bot.buttons import Button, button
from bot.i18n import Translator
from bot.screens.keyboard import Data, Rows
from bot.services.certificates import PERCENT_CHOICES, Progress, Rules, format_code


@button("ct")
class CertificateRules(Button):
    event_id: int


@button("ctp")
class SetPercent(Button):
    event_id: int
    percent: int


@button("cts")
class SetSurveyNeeded(Button):
    event_id: int
    on: bool


@button("ctg")
class AskProgramme(Button):
    event_id: int


@button("ctl")
class People(Button):
    event_id: int
    page: int


@button("ctu")
class CertificateHolder(Button):
    event_id: int
    user_id: int


@button("cti")
class IssueByHand(Button):
    event_id: int
    user_id: int


@button("ctr")
class Revoke(Button):
    certificate_id: int


@button("ctd")
class Reissue(Button):
    certificate_id: int


def rule_sentence(tr: Translator, percent: int, needs_survey: bool) -> str:
    """The completion rule in words."""
    if needs_survey:
        return tr._(
            "A certificate goes to everyone who attended at least {percent} % of the hours "
            "and answered the feedback survey.",
            percent=percent,
        )
    return tr._(
        "A certificate goes to everyone who attended at least {percent} % of the hours.",
        percent=percent,
    )


def event_rule(tr: Translator, found: Rules) -> str:
    """An event's rule; a survey it cannot ask for (the event has none) is left out."""
    return rule_sentence(tr, found.percent, found.needs_survey and found.has_survey)


def percent_buttons(current: int, choose: Callable[[int], Data]) -> Rows:
    """The usual shares as two rows of buttons; `choose(share)` is the button's data."""
    buttons = [(("✓ " if p == current else "") + f"{p} %", choose(p)) for p in PERCENT_CHOICES]
    return [buttons[:4], buttons[4:]]


def survey_button(tr: Translator, on: bool, data: Data) -> tuple[str, Data]:
    return (tr._("✅ Survey required"), data) if on else (tr._("☐ Survey required"), data)


def progress_note(tr: Translator, found: Progress | None) -> str:
    """'; 16 more hours for the certificate' after a registration's hours in /my."""
    if found is None or not found.total_minutes:
        return ""
    if found.certificate:
        return "; " + tr._("🎓 certificate {code}", code=format_code(found.certificate))
    missing = found.missing_minutes
    if missing:
        return "; " + tr._("{duration} more for the certificate", duration=tr.duration(missing))
    if found.needs_survey and not found.answered_survey:
        return "; " + tr._("answer the feedback survey for the certificate")
    return "; " + tr._("enough for the certificate")

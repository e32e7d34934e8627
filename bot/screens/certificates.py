"""Certificates: the organiser's buttons and screen, the completion rule in words (shown
by the certificate screen, the new-event wizard and the edit screen), what a holder is
sent, /verify's answer and /my's progress note."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from bot.buttons import Button, button
from bot.i18n import Translator
from bot.pdf import date_span
from bot.screens.event_staff import Manage
from bot.screens.keyboard import Data, Rows
from bot.services.certificates import (
    PERCENT_CHOICES,
    Action,
    CertificateView,
    Progress,
    Rules,
    format_code,
)


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


def rules_text(tr: Translator, found: Rules) -> str:
    lines = [
        tr._("🎓 <b>Certificates: {title}</b>", title=escape(found.event.title)),
        "",
        event_rule(tr, found),
        tr._("It is issued when the last session has ended."),
        tr._("Programme (for the funder's report): {name}", name=escape(found.programme or "—")),
        "",
        tr._("Issued: {valid} · revoked: {revoked}", valid=found.issued, revoked=found.revoked),
    ]
    if found.needs_survey and not found.has_survey:
        lines.append(tr._("This event has no feedback survey, so the survey is not required."))
    return "\n".join(lines)


def rules_buttons(tr: Translator, found: Rules) -> Rows:
    event_id = found.event.id
    survey = survey_button(
        tr, found.needs_survey, SetSurveyNeeded(event_id, not found.needs_survey)
    )
    return [
        *percent_buttons(found.percent, lambda share: SetPercent(event_id, share)),
        [survey],
        [(tr._("🏷 Programme"), AskProgramme(event_id))],
        [(tr._("👥 People and certificates"), People(event_id, 0))],
        [(tr._("◀ Back"), Manage(event_id))],
    ]


def caption(tr: Translator, cert: CertificateView, action: str) -> str:
    title = escape(cert.event_title)
    code = format_code(cert.code)
    hours_done = tr._(
        "{attended} of {total}",
        attended=tr.duration(cert.attended_minutes),
        total=tr.duration(cert.total_minutes),
    )
    if action == Action.UPDATED:
        return tr._(
            "🎓 Your attendance in <b>{title}</b> was corrected: certificate {code} now "
            "shows {hours}.",
            title=title,
            code=code,
            hours=hours_done,
        )
    if action == Action.REISSUED:
        return tr._(
            "🎓 A duplicate of your certificate for <b>{title}</b>: {code}.",
            title=title,
            code=code,
        )
    if action == Action.REINSTATED:
        return tr._(
            "🎓 Your attendance in <b>{title}</b> was corrected: certificate {code} is valid "
            "again ({hours}).",
            title=title,
            code=code,
            hours=hours_done,
        )
    return tr._(
        "🎓 Congratulations! Your certificate for <b>{title}</b> ({hours}). Its code is "
        "{code}; anyone can check it with /verify.",
        title=title,
        code=code,
        hours=hours_done,
    )


def revoked_text(tr: Translator, cert: CertificateView) -> str:
    title = escape(cert.event_title)
    code = format_code(cert.code)
    if cert.revoked_auto:
        return tr._(
            "Your attendance in <b>{title}</b> was corrected and no longer meets the rule "
            "for a certificate, so certificate {code} is revoked.",
            title=title,
            code=code,
        )
    return tr._(
        "Certificate {code} for <b>{title}</b> was revoked by the organiser. Reason: {reason}",
        title=title,
        code=code,
        reason=escape(cert.revoked_reason or "—"),
    )


def verify_text(tr: Translator, cert: CertificateView) -> str:
    if cert.holder_removed:
        return tr._(
            "Certificate {code}: the holder's data has been removed at their request, so "
            "it cannot be confirmed.",
            code=format_code(cert.code),
        )
    status = (
        tr._("✅ <b>Valid</b>")
        if cert.valid
        else tr._("🚫 <b>Revoked</b>")
        + (f" — {escape(cert.revoked_reason)}" if cert.revoked_reason else "")
    )
    lines = [
        tr._("Certificate {code}", code=format_code(cert.code)),
        status,
        tr._("Holder: {name}", name=escape(cert.holder_name or "—")),
        tr._("Training: {title}", title=escape(cert.event_title)),
    ]
    if cert.programme:
        lines.append(tr._("Programme: {name}", name=escape(cert.programme)))
    lines += [
        tr._(
            "Attended: {attended} of {total}",
            attended=tr.duration(cert.attended_minutes),
            total=tr.duration(cert.total_minutes),
        ),
        tr._("Dates: {dates}", dates=date_span(tr, cert.starts_at, cert.ends_at)),
    ]
    if cert.duplicate:
        lines.append(tr._("This is a duplicate."))
    return "\n".join(lines)

"""Certificates: the organiser's screen (rule, programme, people, issue by hand, revoke,
reissue), delivering a certificate through the outbox, and /verify for anyone."""

from __future__ import annotations

import asyncio
from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.i18n import N_, Translator
from bot.outbox import Due, Outgoing, register_hook, register_renderer, wake
from bot.pdf import certificate_pdf, date_span
from bot.runtime import Runtime
from bot.services import certificates, dialogs
from bot.services.certificates import (
    PERCENT_CHOICES,
    Action,
    CertificateView,
    Holder,
    Rules,
    format_code,
)
from bot.services.errors import InvalidInput
from handlers.common import Buttons, Context, deep_links, explain, guarded, say, who
from handlers.paging import navigation, shorten

PEOPLE_PAGE = 10
PROGRAMME_DIALOG = "cert_programme"
REASON_DIALOG = "cert_reason"


# -- the organiser's screen -----------------------------------------------------------------


def rule_sentence(tr: Translator, percent: int, needs_survey: bool) -> str:
    """The completion rule in words; used by this screen, the wizard and the edit screen."""
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


def percent_buttons(current: int, data: str) -> Buttons:
    """The usual shares as two rows of buttons; `data` is formatted with the share."""
    buttons = [(("✓ " if p == current else "") + f"{p} %", data.format(p)) for p in PERCENT_CHOICES]
    return [buttons[:4], buttons[4:]]


def survey_button(tr: Translator, on: bool, data: str) -> tuple[str, str]:
    return (tr._("✅ Survey required"), data) if on else (tr._("☐ Survey required"), data)


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


def rules_buttons(tr: Translator, found: Rules) -> Buttons:
    event_id = found.event.id
    survey = survey_button(tr, found.needs_survey, f"cts:{event_id}:{int(not found.needs_survey)}")
    return [
        *percent_buttons(found.percent, f"ctp:{event_id}:{{}}"),
        [survey],
        [(tr._("🏷 Programme"), f"ctg:{event_id}")],
        [(tr._("👥 People and certificates"), f"ctl:{event_id}:0")],
        [(tr._("◀ Back"), f"ea:{event_id}")],
    ]


async def show_rules(update: Update, context: Context, event_id: int, *, edit: bool) -> None:
    person, tr = await who(update, context)
    found = await certificates.rules(context.runtime.db, person, event_id)
    await say(update, rules_text(tr, found), rules_buttons(tr, found), edit=edit)


@guarded
async def rules_screen(update: Update, context: Context) -> None:
    assert context.matches
    await show_rules(update, context, int(context.matches[0].group(1)), edit=True)


@guarded
async def set_percent(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event_id, percent = int(context.matches[0].group(1)), int(context.matches[0].group(2))
    found = await certificates.set_rules(context.runtime.db, person, event_id, percent=percent)
    wake(context.application)  # an ended event may now issue certificates
    await say(update, rules_text(tr, found), rules_buttons(tr, found), edit=True)


@guarded
async def set_survey(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event_id, on = int(context.matches[0].group(1)), context.matches[0].group(2) == "1"
    found = await certificates.set_rules(context.runtime.db, person, event_id, needs_survey=on)
    wake(context.application)
    await say(update, rules_text(tr, found), rules_buttons(tr, found), edit=True)


@guarded
async def ask_programme(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event_id = int(context.matches[0].group(1))
    await certificates.rules(context.runtime.db, person, event_id)  # may they?
    await dialogs.open_dialog(
        context.runtime.db,
        person.id,
        PROGRAMME_DIALOG,
        "name",
        {"event": event_id},
        context.runtime.clock(),
    )
    await say(
        update,
        tr._(
            "Send the programme's name (events with the same name make one programme in "
            "the funder's report), or send - to clear it."
        ),
        [[(tr._("◀ Back"), f"ct:{event_id}")]],
    )


async def typed_programme(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    assert person.dialog is not None and update.effective_message is not None
    event_id = int(person.dialog.data.get("event", 0))
    text = update.effective_message.text or ""
    try:
        await certificates.set_rules(
            context.runtime.db,
            person,
            event_id,
            programme=text,
            clear_programme=text.strip() == "-",
        )
    except InvalidInput as error:
        await say(update, explain(tr, error))
        return
    await dialogs.close_dialog(context.runtime.db, person.id, PROGRAMME_DIALOG)
    await show_rules(update, context, event_id, edit=False)


def holder_line(tr: Translator, number: int, holder: Holder) -> str:
    standing, cert = holder.standing, holder.certificate
    if cert is None:
        state = tr._("✅ meets the rule") if standing.meets else tr._("— no certificate")
    elif cert.status == "valid":
        state = tr._("🎓 {code}", code=format_code(cert.code))
    else:
        state = tr._("🚫 revoked {code}", code=format_code(cert.code))
    return tr._(
        "{number}. {name} — {attended} of {total} — {state}",
        number=number,
        name=escape(shorten(standing.name or "—", 40)),
        attended=tr.duration(standing.attended_minutes),
        total=tr.duration(standing.total_minutes),
        state=state,
    )


@guarded
async def people(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event_id, page = int(context.matches[0].group(1)), int(context.matches[0].group(2))
    found = await certificates.holders(context.runtime.db, person, event_id)
    back = [(tr._("◀ Back"), f"ct:{event_id}")]
    if not found.people:
        await say(update, tr._("Nobody is registered yet."), [back], edit=True)
        return
    pages = max(1, -(-len(found.people) // PEOPLE_PAGE))
    page = min(max(page, 0), pages - 1)
    first = page * PEOPLE_PAGE
    shown = found.people[first : first + PEOPLE_PAGE]
    lines = [tr._("🎓 <b>Certificates: {title}</b>", title=escape(found.rules.event.title)), ""]
    lines += [holder_line(tr, first + i + 1, h) for i, h in enumerate(shown)]
    rows: list[list[tuple[str, str]]] = [
        [
            (
                f"{first + i + 1}. {shorten(h.standing.name or '—', 30)}",
                f"ctu:{event_id}:{h.standing.user_id}",
            )
        ]
        for i, h in enumerate(shown)
    ]
    nav = navigation(f"ctl:{event_id}:", page, pages)
    if nav:
        rows.append(nav)
    rows.append(back)
    await say(update, "\n".join(lines), rows, edit=True)


@guarded
async def holder_screen(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event_id, user_id = int(context.matches[0].group(1)), int(context.matches[0].group(2))
    found = await certificates.holders(context.runtime.db, person, event_id)
    holder = next((h for h in found.people if h.standing.user_id == user_id), None)
    if holder is None:
        raise InvalidInput(N_("This person is not registered for this event."))
    lines = [holder_line(tr, 1, holder)[3:]]
    cert = holder.certificate
    rows: list[list[tuple[str, str]]] = []
    if cert is not None and cert.status == "revoked" and cert.revoked_reason:
        lines.append(tr._("Reason: {reason}", reason=escape(cert.revoked_reason)))
    if cert is None or cert.status != "valid":
        rows.append([(tr._("🎓 Issue by hand"), f"cti:{event_id}:{user_id}")])
    else:
        rows.append([(tr._("🚫 Revoke"), f"ctr:{cert.id}"), (tr._("🔁 Reissue"), f"ctd:{cert.id}")])
    rows.append([(tr._("◀ Back"), f"ctl:{event_id}:0")])
    await say(update, "\n".join(lines), rows, edit=True)


@guarded
async def issue_by_hand(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event_id, user_id = int(context.matches[0].group(1)), int(context.matches[0].group(2))
    cert = await certificates.issue_by_hand(
        context.runtime.db, person, event_id, user_id, context.runtime.clock()
    )
    wake(context.application)
    await say(
        update,
        tr._("🎓 Certificate {code} issued; it is on its way.", code=format_code(cert.code)),
        [[(tr._("◀ Back"), f"ctl:{event_id}:0")]],
        edit=True,
    )


@guarded
async def ask_reason(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    certificate_id = int(context.matches[0].group(1))
    cert = await certificates.managed(context.runtime.db, person, certificate_id)
    await dialogs.open_dialog(
        context.runtime.db,
        person.id,
        REASON_DIALOG,
        "reason",
        {"certificate": certificate_id},
        context.runtime.clock(),
    )
    await say(
        update,
        tr._(
            "Why is certificate {code} revoked? Send the reason; whoever checks the code "
            "will see that it is revoked.",
            code=format_code(cert.code),
        ),
    )


async def typed_reason(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    assert person.dialog is not None and update.effective_message is not None
    certificate_id = int(person.dialog.data.get("certificate", 0))
    try:
        cert = await certificates.revoke(
            context.runtime.db,
            person,
            certificate_id,
            update.effective_message.text or "",
            context.runtime.clock(),
        )
    except InvalidInput as error:
        await say(update, explain(tr, error))
        return
    await dialogs.close_dialog(context.runtime.db, person.id, REASON_DIALOG)
    wake(context.application)
    await say(
        update,
        tr._("🚫 Certificate {code} is revoked.", code=format_code(cert.code)),
        [[(tr._("◀ Back"), f"ctl:{cert.event_id}:0")]],
    )


@guarded
async def reissue(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    cert = await certificates.reissue(
        context.runtime.db, person, int(context.matches[0].group(1)), context.runtime.clock()
    )
    wake(context.application)
    await say(
        update,
        tr._(
            "🔁 Duplicate {code} issued; it is on its way.",
            code=format_code(cert.code),
        ),
        [[(tr._("◀ Back"), f"ctl:{cert.event_id}:0")]],
        edit=True,
    )


# -- delivering a certificate ---------------------------------------------------------------


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


def certificate_renderer(application: Application):  # type: ignore[no-untyped-def,type-arg]
    async def render(runtime: Runtime, due: Due, tr: Translator) -> Outgoing | None:
        cert = await certificates.for_delivery(runtime.db, due.ref_id)
        if cert is None:
            return None
        action = str(due.payload.get("action", Action.ISSUED))
        if action == Action.REVOKED:
            return Outgoing(revoked_text(tr, cert)) if not cert.valid else None
        if not cert.valid:
            return None  # revoked again before it went out
        content = await asyncio.to_thread(
            certificate_pdf,
            cert,
            tr,
            issuer=runtime.settings.certificate_issuer,
            bot_username=application.bot.username,
        )
        return Outgoing(
            caption(tr, cert, action),
            document=(f"certificate-{format_code(cert.code)}.pdf", content),
        )

    return render


async def settle_hook(runtime: Runtime, now) -> None:  # type: ignore[no-untyped-def]
    await certificates.settle(runtime.db, now)


# -- /verify: for anyone --------------------------------------------------------------------


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


async def answer_verify(update: Update, context: Context, code: str) -> None:
    _, tr = await who(update, context)
    cert = await certificates.verify(context.runtime.db, code)
    await say(update, verify_text(tr, cert))


@guarded
async def verify_command(update: Update, context: Context) -> None:
    await answer_verify(update, context, " ".join(context.args or []))


async def verify_link(update: Update, context: Context, argument: str) -> None:
    await answer_verify(update, context, argument)


def register(application: Application) -> None:  # type: ignore[type-arg]
    from handlers.dialogs import on_input

    register_renderer(application, certificates.KIND, certificate_renderer(application))
    register_hook(application, settle_hook)
    on_input(PROGRAMME_DIALOG, typed_programme)
    on_input(REASON_DIALOG, typed_reason)
    deep_links(application)["verify"] = verify_link
    application.add_handler(CommandHandler("verify", verify_command))
    for pattern, handler in (
        (r"^ct:(\d{1,9})$", rules_screen),
        (r"^ctp:(\d{1,9}):(\d{1,3})$", set_percent),
        (r"^cts:(\d{1,9}):([01])$", set_survey),
        (r"^ctg:(\d{1,9})$", ask_programme),
        (r"^ctl:(\d{1,9}):(\d{1,4})$", people),
        (r"^ctu:(\d{1,9}):(\d{1,9})$", holder_screen),
        (r"^cti:(\d{1,9}):(\d{1,9})$", issue_by_hand),
        (r"^ctr:(\d{1,9})$", ask_reason),
        (r"^ctd:(\d{1,9})$", reissue),
    ):
        application.add_handler(CallbackQueryHandler(handler, pattern=pattern))


# -- /my: how far each training is from its certificate -------------------------------------


def progress_note(tr: Translator, found: certificates.Progress | None) -> str:
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

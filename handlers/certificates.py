"""Certificates: the organiser's screen (rule, programme, people, issue by hand, revoke,
reissue), delivering a certificate through the outbox, and /verify for anyone."""

from __future__ import annotations

import asyncio
from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import N_, Translator
from bot.outbox import Due, Outgoing, register_hook, register_renderer, wake
from bot.pdf import certificate_pdf
from bot.runtime import Runtime
from bot.screens.certificates import (
    AskProgramme,
    CertificateHolder,
    CertificateRules,
    IssueByHand,
    People,
    Reissue,
    Revoke,
    SetPercent,
    SetSurveyNeeded,
    caption,
    revoked_text,
    rules_buttons,
    rules_text,
    verify_text,
)
from bot.screens.keyboard import Row, page_row
from bot.screens.text import shorten
from bot.services import certificates, dialogs
from bot.services.certificates import (
    Action,
    Holder,
    format_code,
)
from bot.services.errors import InvalidInput
from handlers.common import (
    Context,
    deep_links,
    explain,
    guarded,
    on_input,
    on_press,
    say,
    who,
)

PEOPLE_PAGE = 10
PROGRAMME_DIALOG = "cert_programme"
REASON_DIALOG = "cert_reason"


# -- the organiser's screen -----------------------------------------------------------------


async def show_rules(update: Update, context: Context, event_id: int, *, edit: bool) -> None:
    person, tr = await who(update, context)
    found = await certificates.rules(context.runtime.db, person, event_id)
    await say(update, rules_text(tr, found), rules_buttons(tr, found), edit=edit)


async def rules_screen(update: Update, context: Context, press: CertificateRules) -> None:
    await show_rules(update, context, press.event_id, edit=True)


async def set_percent(update: Update, context: Context, press: SetPercent) -> None:
    person, tr = await who(update, context)
    found = await certificates.set_rules(
        context.runtime.db, person, press.event_id, percent=press.percent
    )
    wake(context.application)  # an ended event may now issue certificates
    await say(update, rules_text(tr, found), rules_buttons(tr, found), edit=True)


async def set_survey(update: Update, context: Context, press: SetSurveyNeeded) -> None:
    person, tr = await who(update, context)
    found = await certificates.set_rules(
        context.runtime.db, person, press.event_id, needs_survey=press.on
    )
    wake(context.application)
    await say(update, rules_text(tr, found), rules_buttons(tr, found), edit=True)


async def ask_programme(update: Update, context: Context, press: AskProgramme) -> None:
    person, tr = await who(update, context)
    event_id = press.event_id
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
        [[(tr._("◀ Back"), CertificateRules(event_id))]],
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


async def people(update: Update, context: Context, press: People) -> None:
    person, tr = await who(update, context)
    event_id, page = press.event_id, press.page
    found = await certificates.holders(context.runtime.db, person, event_id)
    back = [(tr._("◀ Back"), CertificateRules(event_id))]
    if not found.people:
        await say(update, tr._("Nobody is registered yet."), [back], edit=True)
        return
    pages = max(1, -(-len(found.people) // PEOPLE_PAGE))
    page = min(max(page, 0), pages - 1)
    first = page * PEOPLE_PAGE
    shown = found.people[first : first + PEOPLE_PAGE]
    lines = [tr._("🎓 <b>Certificates: {title}</b>", title=escape(found.rules.event.title)), ""]
    lines += [holder_line(tr, first + i + 1, h) for i, h in enumerate(shown)]
    rows: list[Row] = [
        [
            (
                f"{first + i + 1}. {shorten(h.standing.name or '—', 30)}",
                CertificateHolder(event_id, h.standing.user_id),
            )
        ]
        for i, h in enumerate(shown)
    ]
    nav = page_row(lambda n: People(event_id, n), page, pages)
    if nav:
        rows.append(nav)
    rows.append(back)
    await say(update, "\n".join(lines), rows, edit=True)


async def holder_screen(update: Update, context: Context, press: CertificateHolder) -> None:
    person, tr = await who(update, context)
    event_id, user_id = press.event_id, press.user_id
    found = await certificates.holders(context.runtime.db, person, event_id)
    holder = next((h for h in found.people if h.standing.user_id == user_id), None)
    if holder is None:
        raise InvalidInput(N_("This person is not registered for this event."))
    lines = [holder_line(tr, 1, holder)[3:]]
    cert = holder.certificate
    rows: list[Row] = []
    if cert is not None and cert.status == "revoked" and cert.revoked_reason:
        lines.append(tr._("Reason: {reason}", reason=escape(cert.revoked_reason)))
    if cert is None or cert.status != "valid":
        rows.append([(tr._("🎓 Issue by hand"), IssueByHand(event_id, user_id))])
    else:
        rows.append([(tr._("🚫 Revoke"), Revoke(cert.id)), (tr._("🔁 Reissue"), Reissue(cert.id))])
    rows.append([(tr._("◀ Back"), People(event_id, 0))])
    await say(update, "\n".join(lines), rows, edit=True)


async def issue_by_hand(update: Update, context: Context, press: IssueByHand) -> None:
    person, tr = await who(update, context)
    event_id, user_id = press.event_id, press.user_id
    cert = await certificates.issue_by_hand(
        context.runtime.db, person, event_id, user_id, context.runtime.clock()
    )
    wake(context.application)
    await say(
        update,
        tr._("🎓 Certificate {code} issued; it is on its way.", code=format_code(cert.code)),
        [[(tr._("◀ Back"), People(event_id, 0))]],
        edit=True,
    )


async def ask_reason(update: Update, context: Context, press: Revoke) -> None:
    person, tr = await who(update, context)
    certificate_id = press.certificate_id
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
        [[(tr._("◀ Back"), People(cert.event_id, 0))]],
    )


async def reissue(update: Update, context: Context, press: Reissue) -> None:
    person, tr = await who(update, context)
    cert = await certificates.reissue(
        context.runtime.db, person, press.certificate_id, context.runtime.clock()
    )
    wake(context.application)
    await say(
        update,
        tr._(
            "🔁 Duplicate {code} issued; it is on its way.",
            code=format_code(cert.code),
        ),
        [[(tr._("◀ Back"), People(cert.event_id, 0))]],
        edit=True,
    )


# -- delivering a certificate ---------------------------------------------------------------


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

    register_renderer(application, certificates.KIND, certificate_renderer(application))
    register_hook(application, settle_hook)
    on_input(application, PROGRAMME_DIALOG, typed_programme)
    on_input(application, REASON_DIALOG, typed_reason)
    deep_links(application)["verify"] = verify_link
    application.add_handler(CommandHandler("verify", verify_command))
    on_press(application, CertificateRules, rules_screen)
    on_press(application, SetPercent, set_percent)
    on_press(application, SetSurveyNeeded, set_survey)
    on_press(application, AskProgramme, ask_programme)
    on_press(application, People, people)
    on_press(application, CertificateHolder, holder_screen)
    on_press(application, IssueByHand, issue_by_hand)
    on_press(application, Revoke, ask_reason)
    on_press(application, Reissue, reissue)

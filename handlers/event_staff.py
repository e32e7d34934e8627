"""An event's staff screen: counts, approval requests, cancelling the event."""

from __future__ import annotations

from collections import Counter
from html import escape

from telegram import Update
from telegram.ext import Application

from bot.i18n import Translator
from bot.notices import notify
from bot.screens.attendance import Sessions
from bot.screens.certificates import CertificateRules
from bot.screens.edit_event import EditEvent
from bot.screens.event_staff import (
    ApproveAll,
    ApproveMunicipality,
    AskCancelEvent,
    CancelEvent,
    ChooseMunicipality,
    Decide,
    DecideInList,
    DeclineWithoutReason,
    Manage,
    Requests,
    decision_notice,
)
from bot.screens.events import OpenCard
from bot.screens.keyboard import Row
from bot.screens.reminders import StaffReminders
from bot.screens.reports import Export, ExportFormat, MunicipalitySummary, Registrants
from bot.screens.survey_staff import EventSurveys
from bot.services import dialogs, event_admin, registration
from bot.services.calendar import event_calendar
from bot.services.errors import ServiceError, Stale
from bot.services.events import EventStatus, EventView, RegStatus, can_manage
from bot.services.municipalities import get as municipality
from bot.services.users import Person
from handlers.common import Buttons, Context, explain, on_input, on_press, say, who


def manage_buttons(tr: Translator, event: EventView, person: Person) -> Buttons:
    rows: list[Row] = [
        [
            (tr._("👥 Registrants"), Registrants(event.id, 0)),
            (tr._("🏘 By municipality"), MunicipalitySummary(event.id)),
        ],
        [(tr._("🗓 Sessions and check-in"), Sessions(event.id))],
        [(tr._("⏰ Reminders and announcements"), StaffReminders(event.id))],
        [
            (tr._("📄 CSV"), Export(event.id, ExportFormat.CSV)),
            (tr._("📊 Excel"), Export(event.id, ExportFormat.XLSX)),
        ],
        [(tr._("📝 Survey"), EventSurveys(event.id))],
    ]
    if can_manage(person, event):
        if event.pending:
            rows.insert(
                0, [(tr._("✋ Requests ({count})", count=event.pending), Requests(event.id))]
            )
        rows.append([(tr._("🎓 Certificates"), CertificateRules(event.id))])
        if event.status in (EventStatus.DRAFT, EventStatus.PUBLISHED):
            rows.append(
                [
                    (tr._("✏️ Edit"), EditEvent(event.id)),
                    (tr._("❌ Cancel event"), AskCancelEvent(event.id)),
                ]
            )
    rows.append([(tr._("◀ Back"), OpenCard(event.id))])
    return rows


async def manage(update: Update, context: Context, press: Manage) -> None:
    person, tr = await who(update, context)
    event = await event_admin.overview(context.runtime.db, person, press.event_id)
    lines = [
        f"<b>{escape(event.title)}</b>",
        tr._("Registered: {count} of {capacity}", count=event.confirmed, capacity=event.capacity),
        tr._("Waiting list: {count}", count=event.waiting),
        tr._("Waiting for approval: {count}", count=event.pending),
    ]
    await say(update, "\n".join(lines), manage_buttons(tr, event, person), edit=True)


REASON_LIMIT = 500
DECLINE = "decline_request"
LIST_LIMIT = 20
SHORT_LABEL = 18


async def show_requests(
    update: Update, context: Context, event_id: int, *, edit: bool, notice: str | None = None
) -> None:
    """The waiting requests, kept open between decisions (a notice on top says what the
    last decision did)."""
    person, tr = await who(update, context)
    event, found = await event_admin.pending_requests(context.runtime.db, person, event_id)
    lines = [notice, ""] if notice else []
    back = [(tr._("◀ Back"), Manage(event.id))]
    if not found:
        lines.append(tr._("No requests are waiting."))
        await say(update, "\n".join(lines), [back], edit=edit)
        return
    lines.append(tr._("<b>Requests to join {title}</b>", title=escape(event.title)))
    rows: list[Row] = []
    for item in found[:LIST_LIMIT]:
        place = municipality(item.municipality or "")
        lines.append(f"• {escape(item.name)} — {escape(place.name if place else '—')}")
        rows.append(
            [
                (f"✅ {item.name[:25]}", DecideInList(item.registration_id, True)),
                (f"✖ {item.name[:25]}", DecideInList(item.registration_id, False)),
            ]
        )
    if len(found) > LIST_LIMIT:
        lines.append(
            tr.ngettext(
                "… and {count} more request",
                "… and {count} more requests",
                len(found) - LIST_LIMIT,
            )
        )
    if len(found) > 1:
        rows.append([(tr._("✅ Approve all ({count})", count=len(found)), ApproveAll(event.id))])
    if len({item.municipality for item in found if item.municipality}) > 1:
        rows.append([(tr._("🏘 Approve by municipality"), ChooseMunicipality(event.id))])
    rows.append(back)
    await say(update, "\n".join(lines), rows, edit=edit)


async def requests(update: Update, context: Context, press: Requests) -> None:
    person, _ = await who(update, context)
    if person.dialog is not None and person.dialog.name == DECLINE:
        await dialogs.close_dialog(context.runtime.db, person.id, DECLINE)
    await show_requests(update, context, press.event_id, edit=True)


async def by_municipality(update: Update, context: Context, press: ChooseMunicipality) -> None:
    person, tr = await who(update, context)
    event, found = await event_admin.pending_requests(context.runtime.db, person, press.event_id)
    counts = Counter(item.municipality for item in found if item.municipality)
    if not counts:
        raise Stale()
    named = sorted(
        ((municipality(code), code, count) for code, count in counts.items()),
        key=lambda item: (item[0].name if item[0] else item[1]).casefold(),
    )
    buttons = [
        (f"✅ {place.name if place else code} ({count})", ApproveMunicipality(event.id, code))
        for place, code, count in named
    ]
    # Two a row only when no label would be cut on a phone.
    per_row = 2 if all(len(label) <= SHORT_LABEL for label, _ in buttons) else 1
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    rows.append([(tr._("◀ Back"), Requests(event.id))])
    await say(update, tr._("Approve the requests from which municipality?"), rows, edit=True)


async def tell_decision(
    context: Context, decision: registration.Decision, reason: str | None = None
) -> None:
    """Tell the person; an approved one with a seat also gets the calendar file."""
    title = escape(decision.event.title)

    def told(t: Translator) -> str:
        if decision.status == RegStatus.CONFIRMED:
            return t._(
                "✅ Your request was approved: you are registered for <b>{title}</b>.", title=title
            )
        if decision.status == RegStatus.WAITING:
            return t._(
                "Your request for <b>{title}</b> was approved, but the event is full: "
                "you are number {position} on the waiting list.",
                title=title,
                position=decision.position,
            )
        if reason:
            return t._(
                "Sorry, your request to join <b>{title}</b> was declined. The organiser "
                "wrote:\n{reason}",
                title=title,
                reason=escape(reason),
            )
        return t._("Sorry, your request to join <b>{title}</b> was declined.", title=title)

    document = None
    if decision.status == RegStatus.CONFIRMED:
        runtime = context.runtime
        calendar = event_calendar(decision.event, runtime.settings.tz, runtime.clock())
        document = (calendar, f"kopiena-event-{decision.event.id}.ics")
    await notify(context, decision.recipient, told, document=document)


async def approve_or_ask_reason(
    update: Update, context: Context, registration_id: int, approve: bool
) -> tuple[registration.Decision, Translator] | None:
    """Approve the pressed request, or ask why it is declined (None: asked)."""
    person, tr = await who(update, context)
    if not approve:
        await ask_reason(update, context, registration_id)
        return None
    decision = await registration.decide(
        context.runtime.db, person, registration_id, True, context.runtime.clock()
    )
    await tell_decision(context, decision)
    return decision, tr


async def decide(update: Update, context: Context, press: Decide) -> None:
    """A decision from the message that announced the request."""
    decided = await approve_or_ask_reason(update, context, press.registration_id, press.approve)
    if decided is not None:
        decision, tr = decided
        await say(update, decision_notice(tr, decision), edit=True)


async def decide_in_list(update: Update, context: Context, press: DecideInList) -> None:
    """A decision from the requests list, which stays open for the next one."""
    decided = await approve_or_ask_reason(update, context, press.registration_id, press.approve)
    if decided is not None:
        decision, tr = decided
        notice = decision_notice(tr, decision)
        await show_requests(update, context, decision.event.id, edit=True, notice=notice)


async def ask_reason(update: Update, context: Context, registration_id: int) -> None:
    person, tr = await who(update, context)
    event, request = await event_admin.request_of(context.runtime.db, person, registration_id)
    await dialogs.open_dialog(
        context.runtime.db,
        person.id,
        DECLINE,
        "reason",
        {"registration_id": registration_id},
        context.runtime.clock(),
    )
    text = tr._(
        "Decline the request of {name}? Send a short reason that they will read, or "
        "decline without one.",
        name=escape(request.name),
    )
    rows = [
        [(tr._("✖ Decline without a reason"), DeclineWithoutReason(registration_id))],
        [(tr._("◀ Back"), Requests(event.id))],
    ]
    await say(update, text, rows, edit=True)


async def decline(
    update: Update, context: Context, registration_id: int, reason: str | None, *, edit: bool
) -> None:
    person, tr = await who(update, context)
    decision = await registration.decide(
        context.runtime.db, person, registration_id, False, context.runtime.clock()
    )
    await dialogs.close_dialog(context.runtime.db, person.id, DECLINE)
    await tell_decision(context, decision, reason)
    notice = decision_notice(tr, decision)
    await show_requests(update, context, decision.event.id, edit=edit, notice=notice)


async def decline_without_reason(
    update: Update, context: Context, press: DeclineWithoutReason
) -> None:
    await decline(update, context, press.registration_id, None, edit=True)


async def reason_typed(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    dialog = person.dialog
    assert dialog is not None
    message = update.effective_message
    text = (message.text or "").strip() if message is not None else ""
    if not text:
        await say(update, tr._("Please answer with text or the buttons."))
        return
    if len(text) > REASON_LIMIT:
        await say(
            update,
            tr._(
                "That is too long: at most {limit} characters, you sent {length}.",
                limit=REASON_LIMIT,
                length=len(text),
            ),
        )
        return
    try:
        await decline(update, context, int(dialog.data["registration_id"]), text, edit=False)
    except ServiceError as error:
        await dialogs.close_dialog(context.runtime.db, person.id, DECLINE)
        await say(update, explain(tr, error))


async def approve_all(update: Update, context: Context, press: ApproveAll) -> None:
    await approve_many(update, context, press.event_id, None)


async def approve_municipality(
    update: Update, context: Context, press: ApproveMunicipality
) -> None:
    await approve_many(update, context, press.event_id, press.municipality)


async def approve_many(update: Update, context: Context, event_id: int, code: str | None) -> None:
    person, tr = await who(update, context)
    decisions = await registration.approve_many(
        context.runtime.db, person, event_id, code, context.runtime.clock()
    )
    for decision in decisions:
        await tell_decision(context, decision)
    waiting = sum(1 for d in decisions if d.status == RegStatus.WAITING)
    notice = tr.ngettext(
        "✅ {count} request approved.", "✅ {count} requests approved.", len(decisions)
    )
    if waiting:
        notice += " " + tr.ngettext(
            "{count} person went to the waiting list: no seats left for them.",
            "{count} people went to the waiting list: no seats left for them.",
            waiting,
        )
    await show_requests(update, context, event_id, edit=True, notice=notice)


async def ask_cancel_event(update: Update, context: Context, press: AskCancelEvent) -> None:
    person, tr = await who(update, context)
    event_id = press.event_id
    event = await event_admin.overview(context.runtime.db, person, event_id)
    if not can_manage(person, event):
        raise registration.NotAllowed()
    text = tr._(
        "Cancel <b>{title}</b>? Everyone registered, waiting or asking to join will be told.",
        title=escape(event.title),
    )
    rows = [
        [
            (tr._("❌ Yes, cancel the event"), CancelEvent(event_id)),
            (tr._("◀ Back"), Manage(event_id)),
        ]
    ]
    await say(update, text, rows, edit=True)


async def cancel_event(update: Update, context: Context, press: CancelEvent) -> None:
    person, tr = await who(update, context)
    event, recipients = await event_admin.cancel_event(context.runtime.db, person, press.event_id)
    title = escape(event.title)
    told = 0
    for recipient in recipients:
        told += await notify(
            context,
            recipient,
            lambda t: t._(
                "❌ <b>{title}</b> has been cancelled. Sorry for the inconvenience.", title=title
            ),
        )
    await say(
        update,
        tr.ngettext(
            "<b>{title}</b> is cancelled; {count} person was told.",
            "<b>{title}</b> is cancelled; {count} people were told.",
            told,
            title=title,
        ),
        edit=True,
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    on_press(application, Manage, manage)
    on_press(application, Requests, requests)
    on_input(application, DECLINE, reason_typed)
    on_press(application, Decide, decide)
    on_press(application, DecideInList, decide_in_list)
    on_press(application, DeclineWithoutReason, decline_without_reason)
    on_press(application, ChooseMunicipality, by_municipality)
    on_press(application, ApproveAll, approve_all)
    on_press(application, ApproveMunicipality, approve_municipality)
    on_press(application, AskCancelEvent, ask_cancel_event)
    on_press(application, CancelEvent, cancel_event)

"""An event's staff screen: counts, approval requests, cancelling the event."""

from __future__ import annotations

from collections import Counter
from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.i18n import Translator
from bot.notices import notify
from bot.services import dialogs, event_admin, registration
from bot.services.calendar import event_calendar
from bot.services.errors import ServiceError, Stale
from bot.services.events import EventStatus, EventView, RegStatus, can_manage
from bot.services.municipalities import get as municipality
from bot.services.users import Person
from handlers.common import Buttons, Context, explain, guarded, on_input, say, who


def manage_buttons(tr: Translator, event: EventView, person: Person) -> Buttons:
    rows: list[list[tuple[str, str]]] = [
        [
            (tr._("👥 Registrants"), f"el:{event.id}:0"),
            (tr._("🏘 By municipality"), f"es:{event.id}"),
        ],
        [(tr._("🗓 Sessions and check-in"), f"as:{event.id}")],
        [(tr._("⏰ Reminders and announcements"), f"rm:{event.id}")],
        [(tr._("📄 CSV"), f"ex:{event.id}:csv"), (tr._("📊 Excel"), f"ex:{event.id}:xlsx")],
        [(tr._("📝 Survey"), f"svo:{event.id}")],
    ]
    if can_manage(person, event):
        if event.pending:
            rows.insert(0, [(tr._("✋ Requests ({count})", count=event.pending), f"eq:{event.id}")])
        rows.append([(tr._("🎓 Certificates"), f"ct:{event.id}")])  # handlers/certificates.py
        if event.status in (EventStatus.DRAFT, EventStatus.PUBLISHED):
            rows.append(
                [(tr._("✏️ Edit"), f"ee:{event.id}"), (tr._("❌ Cancel event"), f"ec:{event.id}")]
            )
    rows.append([(tr._("◀ Back"), f"ev:{event.id}")])
    return rows


@guarded
async def manage(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event = await event_admin.overview(context.runtime.db, person, int(context.matches[0].group(1)))
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
    back = [(tr._("◀ Back"), f"ea:{event.id}")]
    if not found:
        lines.append(tr._("No requests are waiting."))
        await say(update, "\n".join(lines), [back], edit=edit)
        return
    lines.append(tr._("<b>Requests to join {title}</b>", title=escape(event.title)))
    rows: list[list[tuple[str, str]]] = []
    for item in found[:LIST_LIMIT]:
        place = municipality(item.municipality or "")
        lines.append(f"• {escape(item.name)} — {escape(place.name if place else '—')}")
        rows.append(
            [
                (f"✅ {item.name[:25]}", f"apl:{item.registration_id}:1"),
                (f"✖ {item.name[:25]}", f"apl:{item.registration_id}:0"),
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
        rows.append([(tr._("✅ Approve all ({count})", count=len(found)), f"eqa:{event.id}")])
    if len({item.municipality for item in found if item.municipality}) > 1:
        rows.append([(tr._("🏘 Approve by municipality"), f"eqb:{event.id}")])
    rows.append(back)
    await say(update, "\n".join(lines), rows, edit=edit)


@guarded
async def requests(update: Update, context: Context) -> None:
    assert context.matches
    person, _ = await who(update, context)
    if person.dialog is not None and person.dialog.name == DECLINE:
        await dialogs.close_dialog(context.runtime.db, person.id, DECLINE)
    await show_requests(update, context, int(context.matches[0].group(1)), edit=True)


@guarded
async def by_municipality(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event, found = await event_admin.pending_requests(
        context.runtime.db, person, int(context.matches[0].group(1))
    )
    counts = Counter(item.municipality for item in found if item.municipality)
    if not counts:
        raise Stale()
    named = sorted(
        ((municipality(code), code, count) for code, count in counts.items()),
        key=lambda item: (item[0].name if item[0] else item[1]).casefold(),
    )
    buttons = [
        (f"✅ {place.name if place else code} ({count})", f"eqm:{event.id}:{code}")
        for place, code, count in named
    ]
    # Two a row only when no label would be cut on a phone.
    per_row = 2 if all(len(label) <= SHORT_LABEL for label, _ in buttons) else 1
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    rows.append([(tr._("◀ Back"), f"eq:{event.id}")])
    await say(update, tr._("Approve the requests from which municipality?"), rows, edit=True)


def decision_notice(tr: Translator, decision: registration.Decision) -> str:
    title = escape(decision.event.title)
    name = escape(decision.recipient.name or "—")
    if decision.status == RegStatus.REJECTED:
        return tr._("{name} was declined for <b>{title}</b>.", name=name, title=title)
    return tr._("{name} was approved for <b>{title}</b>.", name=name, title=title)


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
    update: Update, context: Context
) -> tuple[registration.Decision, Translator] | None:
    """Approve the pressed request, or ask why it is declined (None: asked)."""
    assert context.matches
    person, tr = await who(update, context)
    registration_id, approve = int(context.matches[0].group(1)), context.matches[0].group(2) == "1"
    if not approve:
        await ask_reason(update, context, registration_id)
        return None
    decision = await registration.decide(
        context.runtime.db, person, registration_id, True, context.runtime.clock()
    )
    await tell_decision(context, decision)
    return decision, tr


@guarded
async def decide(update: Update, context: Context) -> None:
    """A decision from the message that announced the request."""
    decided = await approve_or_ask_reason(update, context)
    if decided is not None:
        decision, tr = decided
        await say(update, decision_notice(tr, decision), edit=True)


@guarded
async def decide_in_list(update: Update, context: Context) -> None:
    """A decision from the requests list, which stays open for the next one."""
    decided = await approve_or_ask_reason(update, context)
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
        [(tr._("✖ Decline without a reason"), f"apd:{registration_id}")],
        [(tr._("◀ Back"), f"eq:{event.id}")],
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


@guarded
async def decline_without_reason(update: Update, context: Context) -> None:
    assert context.matches
    await decline(update, context, int(context.matches[0].group(1)), None, edit=True)


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


@guarded
async def approve_many(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event_id, code = int(context.matches[0].group(1)), context.matches[0].group(2) or None
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


@guarded
async def ask_cancel_event(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event_id = int(context.matches[0].group(1))
    event = await event_admin.overview(context.runtime.db, person, event_id)
    if not can_manage(person, event):
        raise registration.NotAllowed()
    text = tr._(
        "Cancel <b>{title}</b>? Everyone registered, waiting or asking to join will be told.",
        title=escape(event.title),
    )
    rows = [
        [(tr._("❌ Yes, cancel the event"), f"ecc:{event_id}"), (tr._("◀ Back"), f"ea:{event_id}")]
    ]
    await say(update, text, rows, edit=True)


@guarded
async def cancel_event(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event, recipients = await event_admin.cancel_event(
        context.runtime.db, person, int(context.matches[0].group(1))
    )
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
    application.add_handler(CallbackQueryHandler(manage, pattern=r"^ea:(\d{1,9})$"))
    application.add_handler(CallbackQueryHandler(requests, pattern=r"^eq:(\d{1,9})$"))

    on_input(application, DECLINE, reason_typed)
    application.add_handler(CallbackQueryHandler(decide, pattern=r"^ap:(\d{1,9}):([01])$"))
    application.add_handler(CallbackQueryHandler(decide_in_list, pattern=r"^apl:(\d{1,9}):([01])$"))
    application.add_handler(
        CallbackQueryHandler(decline_without_reason, pattern=r"^apd:(\d{1,9})$")
    )
    application.add_handler(CallbackQueryHandler(by_municipality, pattern=r"^eqb:(\d{1,9})$"))
    application.add_handler(CallbackQueryHandler(approve_many, pattern=r"^eqa:(\d{1,9})()$"))
    application.add_handler(
        CallbackQueryHandler(approve_many, pattern=r"^eqm:(\d{1,9}):([a-z0-9-]{1,40})$")
    )
    application.add_handler(CallbackQueryHandler(ask_cancel_event, pattern=r"^ec:(\d{1,9})$"))
    application.add_handler(CallbackQueryHandler(cancel_event, pattern=r"^ecc:(\d{1,9})$"))

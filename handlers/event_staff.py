"""An event's staff screen: counts, approval requests, cancelling the event."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.i18n import Translator
from bot.services import event_admin, registration
from bot.services.events import EventStatus, EventView, RegStatus, can_manage
from bot.services.municipalities import get as municipality
from bot.services.registration import Outcome
from bot.services.users import Person
from handlers.common import Buttons, Context, guarded, keyboard, say, who
from handlers.notify import notify


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


async def approval_request(context: Context, outcome: Outcome, person: Person) -> None:
    """Tell the event's organiser that someone asks to join, with approve/decline buttons."""
    deciders = await event_admin.deciders(
        context.runtime.db, outcome.event, context.runtime.settings.admin_ids
    )
    place = municipality(person.municipality or "")
    details = ", ".join(x for x in (place.name if place else None, person.workplace) if x)

    def text(tr: Translator) -> str:
        return tr._(
            "✋ {name} ({details}) asks to join <b>{title}</b>.",
            name=escape(person.full_name or "—"),
            details=escape(details or "—"),
            title=escape(outcome.event.title),
        )

    def buttons(tr: Translator):  # type: ignore[no-untyped-def]
        return keyboard(
            [
                [
                    (tr._("✅ Approve"), f"ap:{outcome.registration_id}:1"),
                    (tr._("✖ Decline"), f"ap:{outcome.registration_id}:0"),
                ]
            ]
        )

    for decider in deciders:
        await notify(context, decider, text, markup=buttons)


@guarded
async def requests(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event, found = await event_admin.pending_requests(
        context.runtime.db, person, int(context.matches[0].group(1))
    )
    if not found:
        await say(
            update,
            tr._("No requests are waiting."),
            [[(tr._("◀ Back"), f"ea:{event.id}")]],
            edit=True,
        )
        return
    lines = [tr._("<b>Requests to join {title}</b>", title=escape(event.title))]
    rows: list[list[tuple[str, str]]] = []
    for item in found[:20]:
        place = municipality(item.municipality or "")
        lines.append(f"• {escape(item.name)} — {escape(place.name if place else '—')}")
        rows.append(
            [
                (f"✅ {item.name[:25]}", f"ap:{item.registration_id}:1"),
                (f"✖ {item.name[:25]}", f"ap:{item.registration_id}:0"),
            ]
        )
    rows.append([(tr._("◀ Back"), f"ea:{event.id}")])
    await say(update, "\n".join(lines), rows, edit=True)


@guarded
async def decide(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    registration_id, approve = int(context.matches[0].group(1)), context.matches[0].group(2) == "1"
    decision = await registration.decide(
        context.runtime.db, person, registration_id, approve, context.runtime.clock()
    )
    title = escape(decision.event.title)
    name = escape(decision.recipient.name or "—")
    if decision.status == RegStatus.REJECTED:
        await say(
            update,
            tr._("{name} was declined for <b>{title}</b>.", name=name, title=title),
            edit=True,
        )
    else:
        await say(
            update,
            tr._("{name} was approved for <b>{title}</b>.", name=name, title=title),
            edit=True,
        )

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
        return t._("Sorry, your request to join <b>{title}</b> was declined.", title=title)

    await notify(context, decision.recipient, told)


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
    application.add_handler(CallbackQueryHandler(decide, pattern=r"^ap:(\d{1,9}):([01])$"))
    application.add_handler(CallbackQueryHandler(ask_cancel_event, pattern=r"^ec:(\d{1,9})$"))
    application.add_handler(CallbackQueryHandler(cancel_event, pattern=r"^ecc:(\d{1,9})$"))

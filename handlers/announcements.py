"""/remind: announcements from an event's staff, step by step, and managing scheduled ones.

The steps (event, text, audience, time, confirm) live in a database dialog, so a restart
or a pause loses nothing; the buttons carry only short codes and the service checks the
dialog's step, so an old or forged press changes nothing.
"""

from __future__ import annotations

import time
import weakref
from datetime import timedelta
from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import N_, Translator
from bot.outbox import Due, Outgoing, register_hook, register_renderer, wake
from bot.runtime import Runtime
from bot.screens.announcements import (
    AskCancelOne,
    AudienceGroup,
    BackToText,
    BackToTime,
    CancelDraft,
    CancelOne,
    ConfirmDraft,
    EditText,
    EditTime,
    PickAudience,
    PickEvent,
    PickSession,
    PickTime,
    SendAt,
    ShowOne,
    announcement_screen,
)
from bot.screens.keyboard import Row, packed
from bot.screens.reminders import StaffReminders
from bot.services import announcements as service
from bot.services import dialogs
from bot.services.announcements import MAX_TEXT, Audience, When
from bot.services.errors import InvalidInput, Stale
from bot.services.event_builder import parse_moment
from handlers.common import (
    Buttons,
    Context,
    drop_buttons,
    explain,
    guarded,
    on_input,
    on_press,
    say,
    who,
)

DIALOG_TTL = timedelta(days=1)
MAX_NAMES = 2500  # characters of names in a report; the rest are counted


# -- what recipients see ----------------------------------------------------------------------


def message(tr: Translator, title: str, event_id: int, text: str) -> Outgoing:
    """The announcement as its recipients see it (see `announcement_screen`)."""
    body, rows = announcement_screen(tr, title, event_id, text)
    return Outgoing(body, packed(rows))


# Once an announcement goes out its text cannot change, so a broadcast to thousands reads
# it once: per database, (announcement id, language) -> (the message, when it was read).
_rendered: weakref.WeakKeyDictionary[object, dict[tuple[int, str], tuple[Outgoing, float]]] = (
    weakref.WeakKeyDictionary()
)
RENDERED_FOR = 30.0  # seconds


async def render_announcement(runtime: Runtime, due: Due, tr: Translator) -> Outgoing | None:
    if due.ref_id is None:
        return None
    cache_key = (due.ref_id, tr.language)
    now = time.monotonic()
    rendered = _rendered.setdefault(runtime.db, {})
    cached = rendered.get(cache_key)
    if cached is not None and now - cached[1] < RENDERED_FOR:
        return cached[0]
    found = await service.outbound(runtime.db, due.ref_id)
    if found is None:
        return None
    outgoing = message(tr, found.title, found.event_id, found.text)
    if len(rendered) > 256:
        rendered.clear()
    rendered[cache_key] = (outgoing, now)
    return outgoing


def _names(tr: Translator, names: list[str]) -> str:
    shown: list[str] = []
    used = 0
    for name in names:
        if used + len(name) > MAX_NAMES:
            break
        shown.append(escape(name))
        used += len(name) + 2
    text = ", ".join(shown)
    if len(shown) < len(names):
        text += " " + tr._("… and {count} more", count=len(names) - len(shown))
    return text


async def render_report(runtime: Runtime, due: Due, tr: Translator) -> Outgoing | None:
    if due.ref_id is None:
        return None
    found = await service.report(runtime.db, due.ref_id)
    if found is None:
        return None
    counts = found.counts
    lines = [
        tr._("📊 <b>Delivery report</b>: {title}", title=escape(found.title)),
        tr._("Announcement of {when}", when=tr.on_datetime(found.due_at)),
        "",
        tr._("✅ Sent: {count}", count=counts.get("sent", 0)),
        tr._("⚠️ Failed: {count}", count=counts.get("failed", 0)),
        tr._("🚫 Unreachable (blocked the bot): {count}", count=counts.get("unreachable", 0)),
    ]
    other = counts.get("cancelled", 0) + counts.get("expired", 0)
    if other:
        lines.append(tr._("Not sent (left the bot): {count}", count=other))
    if found.failed:
        lines += ["", tr._("Failed: {names}", names=_names(tr, found.failed))]
    if found.unreachable:
        lines += ["", tr._("Unreachable: {names}", names=_names(tr, found.unreachable))]
    return Outgoing("\n".join(lines))


# -- writing one -----------------------------------------------------------------------------------


def audience_text(tr: Translator, draft: service.Draft | service.AnnouncementView) -> str:
    audience = draft.audience
    if audience == Audience.CONFIRMED:
        return tr._("registered participants")
    if audience == Audience.WAITING:
        return tr._("the waiting list")
    if audience == Audience.REGISTERED:
        return tr._("everyone registered, waiting or asking to join")
    session = next((s for s in draft.event.sessions if s.id == draft.session_id), None)
    when = tr.on_datetime(session.starts_at) if session else "—"
    return tr._("those present at the session of {when}", when=when)


@guarded
async def remind_command(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    events = await service.staffed_events(context.runtime.db, person, context.runtime.clock())
    if not events:
        await say(update, tr._("You have no trainings to send announcements for."))
        return
    rows = [
        [
            (
                f"{e.title[:40]} · {tr.short_date(e.starts_at) if e.starts_at else '—'}",
                PickEvent(e.id),
            )
        ]
        for e in events[:20]
    ]
    await say(update, tr._("<b>Announcement</b>: for which training?"), rows)


async def pick_event(update: Update, context: Context, press: PickEvent) -> None:
    person, tr = await who(update, context)
    event = await service.begin(context.runtime.db, person, press.event_id, context.runtime.clock())
    await say(
        update,
        tr._(
            "<b>Announcement for {title}</b>\n\nSend the text (up to {limit} characters). "
            "Bold, italics and links are kept.",
            title=escape(event.title),
            limit=MAX_TEXT,
        ),
        [[(tr._("✖ Cancel"), CancelDraft())]],
        edit=True,
    )


async def ask_audience(update: Update, context: Context) -> None:
    person, tr = await who(update, context, fresh=True)
    draft = await service.draft(context.runtime.db, person)
    choices = await service.choices(context.runtime.db, person, draft.event.id)
    counts = choices.counts
    rows: list[Row] = [
        [
            (
                tr._("✅ Registered ({count})", count=counts[Audience.CONFIRMED]),
                PickAudience(AudienceGroup.CONFIRMED),
            )
        ],
        [
            (
                tr._("⏳ Waiting list ({count})", count=counts[Audience.WAITING]),
                PickAudience(AudienceGroup.WAITING),
            )
        ],
        [
            (
                tr._("👥 Everyone registered ({count})", count=counts[Audience.REGISTERED]),
                PickAudience(AudienceGroup.REGISTERED),
            )
        ],
    ]
    for session_id, starts_at, present in choices.sessions[-6:]:
        label = tr._(
            "🗓 Present on {when} ({count})",
            when=tr.on_datetime(starts_at),
            count=present,
        )
        rows.append([(label, PickSession(session_id))])
    rows.append([(tr._("✖ Cancel"), CancelDraft())])
    await say(update, tr._("Who should get it?"), rows)


async def ask_time(update: Update, context: Context, *, edit: bool) -> None:
    _, tr = await who(update, context)
    rows: Buttons = [
        [(tr._("Now"), PickTime(SendAt.NOW)), (tr._("In one hour"), PickTime(SendAt.IN_AN_HOUR))],
        [(tr._("Tomorrow at 9:00"), PickTime(SendAt.TOMORROW_AT_NINE))],
        [(tr._("📅 Another date and time"), PickTime(SendAt.TYPED))],
        [(tr._("✖ Cancel"), CancelDraft())],
    ]
    await say(update, tr._("When should it go out?"), rows, edit=edit)


async def show_confirm(update: Update, context: Context) -> None:
    person, tr = await who(update, context, fresh=True)
    draft = await service.draft(context.runtime.db, person)
    assert draft.text is not None and draft.due_at is not None
    preview = message(tr, draft.event.title, draft.event.id, draft.text)
    await say(update, tr._("This is how it will look:"))
    await say(update, preview.text, preview.buttons)
    now = context.runtime.clock()
    when = tr._("now") if draft.due_at <= now else tr.on_datetime(draft.due_at)
    lines = [
        tr._("<b>Please check</b>"),
        tr._("Training: {title}", title=escape(draft.event.title)),
        tr.ngettext(
            "To: {audience} — {count} person at the moment",
            "To: {audience} — {count} people at the moment",
            draft.count or 0,
            audience=audience_text(tr, draft),
        ),
        tr._("When: {when}", when=when),
    ]
    if draft.announcement_id:
        confirm = tr._("✅ Save the changes")
    elif draft.due_at <= now:
        confirm = tr._("✅ Send now")
    else:
        confirm = tr._("✅ Schedule")
    rows = [
        [(confirm, ConfirmDraft())],
        [(tr._("✏️ Change the text"), BackToText()), (tr._("🕒 Change the time"), BackToTime())],
        [(tr._("✖ Cancel"), CancelDraft())],
    ]
    await say(update, "\n".join(lines), rows)


async def typed(update: Update, context: Context) -> None:
    """What the sender types while writing: the text, or a date and time."""
    person, tr = await who(update, context)
    dialog = person.dialog
    assert dialog is not None
    message_ = update.effective_message
    db = context.runtime.db
    try:
        if dialog.step == "text":
            if message_ is None or not message_.text:
                raise InvalidInput(N_("Please send the announcement as text."))
            following = await service.set_text(
                db, person, message_.text_html, len(message_.text), context.runtime.clock()
            )
            if following == "confirm":
                await show_confirm(update, context)
            else:
                await ask_audience(update, context)
        elif dialog.step == "typed_when":
            text = (message_.text if message_ else None) or ""
            due = parse_moment(text.strip(), context.runtime.settings.tz)
            await service.set_time(db, person, due, context.runtime.clock())
            await show_confirm(update, context)
        else:
            await say(update, tr._("Please use the buttons above."))
    except InvalidInput as error:
        await say(update, explain(tr, error))


async def pick_audience(update: Update, context: Context, press: PickAudience) -> None:
    person, _ = await who(update, context)
    audience = Audience(press.audience.value)
    await service.set_audience(context.runtime.db, person, audience, context.runtime.clock())
    await drop_buttons(update)
    await ask_time(update, context, edit=False)


async def pick_session(update: Update, context: Context, press: PickSession) -> None:
    person, _ = await who(update, context)
    await service.set_audience(
        context.runtime.db, person, Audience.SESSION, context.runtime.clock(), press.session_id
    )
    await drop_buttons(update)
    await ask_time(update, context, edit=False)


async def pick_time(update: Update, context: Context, press: PickTime) -> None:
    person, tr = await who(update, context)
    choice = press.when
    db = context.runtime.db
    if choice is SendAt.TYPED:
        await service.ask_typed_time(db, person, context.runtime.clock())
        await say(
            update,
            tr._("Send the date and time as DD.MM.YYYY HH:MM (Riga time)."),
            [[(tr._("✖ Cancel"), CancelDraft())]],
            edit=True,
        )
        return
    now = context.runtime.clock()
    due = service.moment(When(choice.value), now, context.runtime.settings.tz)
    await service.set_time(db, person, due, now)
    await drop_buttons(update)
    await show_confirm(update, context)


async def back_to_text(update: Update, context: Context, press: BackToText) -> None:
    """From the confirmation: change the text."""
    await go_back(update, context, "text")


async def back_to_time(update: Update, context: Context, press: BackToTime) -> None:
    """From the confirmation: change the time."""
    await go_back(update, context, "when")


async def go_back(update: Update, context: Context, step: str) -> None:
    person, tr = await who(update, context)
    await service.back_to(context.runtime.db, person, step, context.runtime.clock())
    if step == "text":
        await say(
            update,
            tr._("Send the new text (up to {limit} characters).", limit=MAX_TEXT),
            [[(tr._("✖ Cancel"), CancelDraft())]],
            edit=True,
        )
    else:
        await ask_time(update, context, edit=True)


async def confirm(update: Update, context: Context, press: ConfirmDraft) -> None:
    person, tr = await who(update, context)
    now = context.runtime.clock()
    draft = await service.draft(context.runtime.db, person)
    done = await service.confirm(context.runtime.db, person, now)
    if draft.announcement_id:
        text = tr._("✅ Saved. It goes out on {when}.", when=tr.on_datetime(done.due_at))
    elif done.due_at <= now:
        text = tr._("✅ It is going out now. You will get a delivery report when it has.")
    else:
        text = tr._(
            "✅ Scheduled for {when}. You will get a delivery report when it has gone out.",
            when=tr.on_datetime(done.due_at),
        )
    await say(
        update,
        text,
        [[(tr._("⏰ Reminders and announcements"), StaffReminders(done.event.id))]],
        edit=True,
    )
    wake(context.application)


async def cancel_draft(update: Update, context: Context, press: CancelDraft) -> None:
    person, tr = await who(update, context)
    await dialogs.close_dialog(context.runtime.db, person.id, service.DIALOG)
    await say(update, tr._("Cancelled; nothing was sent."), edit=True)


# -- managing scheduled ones ----------------------------------------------------------------


async def show_one(update: Update, context: Context, press: ShowOne) -> None:
    person, tr = await who(update, context)
    found = await service.get(context.runtime.db, person, press.announcement_id)
    status = {
        "scheduled": tr._("scheduled for {when}", when=tr.on_datetime(found.due_at)),
        "sending": tr._("going out now"),
        "sent": tr._("sent on {when}", when=tr.on_datetime(found.due_at)),
        "cancelled": tr._("cancelled"),
    }[found.status]
    lines = [
        tr._("<b>Announcement</b> — {status}", status=status),
        tr._("To: {audience}", audience=audience_text(tr, found)),
        tr._("From: {name}", name=escape(found.sender_name or "—")),
        "",
        message(tr, found.event.title, found.event.id, found.text).text,
    ]
    rows: list[Row] = []
    if found.status == "scheduled":
        rows.append(
            [
                (tr._("✏️ Change the text"), EditText(found.id)),
                (tr._("🕒 Change the time"), EditTime(found.id)),
            ]
        )
        rows.append([(tr._("❌ Cancel it"), AskCancelOne(found.id))])
    rows.append([(tr._("◀ Back"), StaffReminders(found.event.id))])
    await say(update, "\n".join(lines), rows, edit=True)


async def ask_cancel(update: Update, context: Context, press: AskCancelOne) -> None:
    person, tr = await who(update, context)
    found = await service.get(context.runtime.db, person, press.announcement_id)
    if found.status != "scheduled":
        raise Stale()
    rows = [
        [
            (tr._("❌ Yes, cancel it"), CancelOne(found.id)),
            (tr._("◀ Back"), ShowOne(found.id)),
        ]
    ]
    await say(
        update,
        tr._(
            "Cancel the announcement of {when}? Nobody will get it.",
            when=tr.on_datetime(found.due_at),
        ),
        rows,
        edit=True,
    )


async def cancel_one(update: Update, context: Context, press: CancelOne) -> None:
    person, tr = await who(update, context)
    found = await service.cancel(context.runtime.db, person, press.announcement_id)
    await say(
        update,
        tr._("The announcement is cancelled; nobody got it."),
        [[(tr._("◀ Back"), StaffReminders(found.event.id))]],
        edit=True,
    )


async def edit_text(update: Update, context: Context, press: EditText) -> None:
    await edit_one(update, context, "et", press.announcement_id)


async def edit_time(update: Update, context: Context, press: EditTime) -> None:
    await edit_one(update, context, "ew", press.announcement_id)


async def edit_one(update: Update, context: Context, what: str, announcement_id: int) -> None:
    person, tr = await who(update, context)
    await service.edit(
        context.runtime.db,
        person,
        announcement_id,
        "text" if what == "et" else "when",
        context.runtime.clock(),
    )
    if what == "et":
        await say(
            update,
            tr._("Send the new text (up to {limit} characters).", limit=MAX_TEXT),
            [[(tr._("✖ Cancel"), CancelDraft())]],
            edit=True,
        )
    else:
        await ask_time(update, context, edit=True)


def register(application: Application) -> None:  # type: ignore[type-arg]
    register_renderer(application, service.KIND, render_announcement)
    register_renderer(application, service.REPORT, render_report)
    register_hook(application, service.go_out, service.next_due)
    on_input(application, service.DIALOG, typed, DIALOG_TTL)
    application.add_handler(CommandHandler("remind", remind_command))
    on_press(application, PickEvent, pick_event)
    on_press(application, PickAudience, pick_audience)
    on_press(application, PickSession, pick_session)
    on_press(application, PickTime, pick_time)
    on_press(application, BackToText, back_to_text)
    on_press(application, BackToTime, back_to_time)
    on_press(application, ConfirmDraft, confirm)
    on_press(application, CancelDraft, cancel_draft)
    on_press(application, ShowOne, show_one)
    on_press(application, AskCancelOne, ask_cancel)
    on_press(application, CancelOne, cancel_one)
    on_press(application, EditText, edit_text)
    on_press(application, EditTime, edit_time)

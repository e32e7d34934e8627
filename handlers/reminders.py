"""Automatic reminders: the message itself, /settings for participants, and the event's
reminder screen for its staff (times, what is still to go out, cancelling one)."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import Translator
from bot.outbox import Due, Outgoing, register_renderer, wake
from bot.runtime import Runtime
from bot.screens.events import CalendarFile
from bot.screens.keyboard import Row, packed
from bot.screens.reminders import (
    MAX_LISTED,
    AskSkip,
    MuteAll,
    MuteEvent,
    MuteFromReminder,
    OffsetChange,
    Offsets,
    Skip,
    StaffReminders,
    offset_text,
    offsets_text,
    plain,
    staff_buttons,
)
from bot.services import announcements, reminders
from bot.services.errors import NotAllowed
from bot.services.events import can_manage
from handlers.common import Context, guarded, on_press, say, who

# -- the reminder itself (rendered by the dispatcher) ---------------------------------------


async def render_reminder(runtime: Runtime, due: Due, tr: Translator) -> Outgoing | None:
    offset = int(due.payload.get("offset", 0))
    if due.ref_id is None:
        return None
    found = await reminders.still_due(runtime.db, due.user_id, due.ref_id, offset, runtime.clock())
    if found is None:
        return None
    event, session = found.event, found.session
    lines = [tr._("⏰ <b>Reminder: {title}</b>", title=escape(event.title))]
    if len(event.sessions) > 1:
        lines.append(
            tr._("Session {number} of {total}", number=found.number, total=len(event.sessions))
        )
    lines.append(
        f"🗓 {tr.short_date(session.starts_at)}, "
        f"{tr.time(session.starts_at)}–{tr.time(session.ends_at)}"
    )
    place = session.place or event.place
    if place:
        lines.append(f"📍 {escape(place)}")
    if event.online_url:
        lines.append(tr._("💻 Online: {url}", url=escape(event.online_url)))
    buttons = [
        [(tr._("📆 Add to calendar"), CalendarFile(event.id))],
        [(tr._("🔕 No more reminders for this training"), MuteFromReminder(event.id))],
    ]
    return Outgoing("\n".join(lines), packed(buttons))


# -- participants: /settings -------------------------------------------------------------------


async def show_settings(update: Update, context: Context, *, edit: bool) -> None:
    person, tr = await who(update, context)
    found = await reminders.mutes(context.runtime.db, person, context.runtime.clock())
    defaults = offsets_text(tr, reminders.defaults())
    lines = [
        tr._("<b>Reminders</b>"),
        tr._(
            "Before each session of a training you are registered for, I send a reminder "
            "(usually {offsets} before). Announcements from trainers and organisers "
            "always arrive.",
            offsets=defaults,
        ),
        "",
    ]
    rows: list[Row] = []
    if found.all_muted:
        lines.append(tr._("🔕 Automatic reminders are off for all trainings."))
        rows.append([(tr._("🔔 Turn reminders on"), MuteAll(False))])
    else:
        lines.append(tr._("🔔 Automatic reminders are on."))
        rows.append([(tr._("🔕 Turn off all reminders"), MuteAll(True))])
        for item in found.events[:MAX_LISTED]:
            when = tr.short_date(item.starts_at) if item.starts_at else "—"
            mark = "🔕" if item.muted else "🔔"
            lines.append(f"{mark} <b>{escape(item.title)}</b> — {when}")
            label = tr._("🔔 On: {title}") if item.muted else tr._("🔕 Off: {title}")
            rows.append(
                [
                    (
                        label.format(title=item.title[:30]),
                        MuteEvent(item.event_id, not item.muted),
                    )
                ]
            )
    await say(update, "\n".join(lines), rows, edit=edit)


@guarded
async def settings_command(update: Update, context: Context) -> None:
    await show_settings(update, context, edit=False)


async def toggle_all(update: Update, context: Context, press: MuteAll) -> None:
    """The switch for every training on the /settings screen."""
    await toggle(update, context, reminders.ALL_EVENTS, press.muted)


async def toggle_event(update: Update, context: Context, press: MuteEvent) -> None:
    """A training's switch on the /settings screen."""
    await toggle(update, context, press.event_id, press.muted)


async def toggle(update: Update, context: Context, event_id: int, muted: bool) -> None:
    person, tr = await who(update, context)
    await reminders.set_muted(context.runtime.db, person, event_id, muted, context.runtime.clock())
    context.toast = tr._("Reminders off.") if muted else tr._("Reminders on.")
    await show_settings(update, context, edit=True)


async def mute_from_reminder(update: Update, context: Context, press: MuteFromReminder) -> None:
    """The button under a reminder: no more reminders for that training."""
    person, tr = await who(update, context)
    event_id = press.event_id
    await reminders.set_muted(context.runtime.db, person, event_id, True, context.runtime.clock())
    await say(
        update,
        tr._(
            "🔕 No more automatic reminders for this training. "
            "Announcements still arrive; /settings turns reminders on again."
        ),
    )


# -- staff: the event's reminders and announcements ------------------------------------------------


async def show_staff_screen(update: Update, context: Context, event_id: int) -> None:
    person, tr = await who(update, context)
    db, now = context.runtime.db, context.runtime.clock()
    overview = await reminders.overview(db, person, event_id, now)
    scheduled = await announcements.scheduled(db, person, event_id)
    event = overview.event
    settings = overview.settings
    lines = [tr._("<b>Reminders and announcements: {title}</b>", title=escape(event.title)), ""]
    if settings.offsets:
        lines.append(
            tr._(
                "⏰ Automatic reminders: {offsets} before each session.",
                offsets=offsets_text(tr, settings.offsets),
            )
        )
    else:
        lines.append(tr._("⏰ No automatic reminders for this training."))
    if overview.planned:
        lines.append(tr._("Still to go out:"))
        for planned in overview.planned[:MAX_LISTED]:
            lines.append(
                "• "
                + tr.ngettext(
                    "{when} ({offset} before the session of {start}): {count} person",
                    "{when} ({offset} before the session of {start}): {count} people",
                    planned.people,
                    when=tr.datetime(planned.due_at),
                    offset=offset_text(tr, planned.offset),
                    start=tr.on_date(planned.session.starts_at),
                )
            )
        if len(overview.planned) > MAX_LISTED:
            lines.append(tr._("… and {count} more", count=len(overview.planned) - MAX_LISTED))
    else:
        lines.append(tr._("No reminders are waiting to go out."))
    lines.append("")
    if scheduled:
        lines.append(tr._("📣 Scheduled announcements:"))
        for item in scheduled[:MAX_LISTED]:
            lines.append(f"• {tr.datetime(item.due_at)}: {plain(item.text, 60)}")
    else:
        lines.append(tr._("📣 No announcements are scheduled."))
    manage = can_manage(person, event)
    await say(update, "\n".join(lines), staff_buttons(tr, overview, scheduled, manage), edit=True)


async def staff_screen(update: Update, context: Context, press: StaffReminders) -> None:
    await show_staff_screen(update, context, press.event_id)


async def show_offsets(update: Update, context: Context, event_id: int) -> None:
    person, tr = await who(update, context)
    overview = await reminders.overview(
        context.runtime.db, person, event_id, context.runtime.clock()
    )
    if not can_manage(person, overview.event):
        raise NotAllowed()
    settings = overview.settings
    lines = [
        tr._("<b>Reminder times: {title}</b>", title=escape(overview.event.title)),
        tr._("Now: {offsets} before each session.", offsets=offsets_text(tr, settings.offsets))
        if settings.offsets
        else tr._("Now: no automatic reminders."),
        tr._(
            "Default for all trainings: {offsets}.", offsets=offsets_text(tr, reminders.defaults())
        ),
        tr._("Press a time to add or remove it."),
    ]
    buttons = [
        (
            ("✅ " if minutes in settings.offsets else "➕ ") + offset_text(tr, minutes),
            Offsets(
                event_id,
                OffsetChange.REMOVE if minutes in settings.offsets else OffsetChange.ADD,
                minutes,
            ),
        )
        for minutes in reminders.PRESETS
    ]
    extra = [m for m in settings.offsets if m not in reminders.PRESETS]
    buttons += [
        ("✅ " + offset_text(tr, m), Offsets(event_id, OffsetChange.REMOVE, m)) for m in extra
    ]
    rows: list[Row] = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    if settings.custom:
        rows.append([(tr._("↩ Back to the default"), Offsets(event_id, OffsetChange.DEFAULT))])
    rows.append([(tr._("◀ Back"), StaffReminders(event_id))])
    await say(update, "\n".join(lines), rows, edit=True)


async def offsets_screen(update: Update, context: Context, press: Offsets) -> None:
    """The event's reminder times; a button with a change makes it first."""
    if press.change is not None:
        person, _ = await who(update, context)
        change, minutes = press.change, press.minutes
        await reminders.change_offsets(
            context.runtime.db,
            person,
            press.event_id,
            context.runtime.clock(),
            add=minutes if change is OffsetChange.ADD else None,
            remove=minutes if change is OffsetChange.REMOVE else None,
            reset=change is OffsetChange.DEFAULT,
        )
        wake(context.application)
    await show_offsets(update, context, press.event_id)


async def ask_skip(update: Update, context: Context, press: AskSkip) -> None:
    person, tr = await who(update, context)
    session_id, offset = press.session_id, press.offset
    event, planned = await reminders.planned_one(
        context.runtime.db, person, session_id, offset, context.runtime.clock()
    )
    event_id = event.id
    text = tr.ngettext(
        "Cancel the reminder of {when} ({offset} before the session) for {count} person?",
        "Cancel the reminder of {when} ({offset} before the session) for {count} people?",
        planned.people,
        when=tr.on_datetime(planned.due_at),
        offset=offset_text(tr, offset),
    )
    rows = [
        [
            (tr._("✖ Yes, cancel it"), Skip(session_id, offset)),
            (tr._("◀ Back"), StaffReminders(event_id)),
        ]
    ]
    await say(update, text, rows, edit=True)


async def skip(update: Update, context: Context, press: Skip) -> None:
    person, tr = await who(update, context)
    session_id, offset = press.session_id, press.offset
    event = await reminders.skip(
        context.runtime.db, person, session_id, offset, context.runtime.clock()
    )
    context.toast = tr._("The reminder is cancelled.")
    await show_staff_screen(update, context, event.id)


def register(application: Application) -> None:  # type: ignore[type-arg]
    register_renderer(application, reminders.KIND, render_reminder)
    application.add_handler(CommandHandler("settings", settings_command))
    on_press(application, MuteAll, toggle_all)
    on_press(application, MuteEvent, toggle_event)
    on_press(application, MuteFromReminder, mute_from_reminder)
    on_press(application, StaffReminders, staff_screen)
    on_press(application, Offsets, offsets_screen)
    on_press(application, AskSkip, ask_skip)
    on_press(application, Skip, skip)

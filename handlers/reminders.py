"""Automatic reminders: the message itself, /settings for participants, and the event's
reminder screen for its staff (times, what is still to go out, cancelling one)."""

from __future__ import annotations

import re
from html import escape, unescape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.i18n import Translator
from bot.outbox import Due, Outgoing, register_renderer, wake
from bot.runtime import Runtime
from bot.services import announcements, reminders
from bot.services.errors import NotAllowed
from bot.services.events import can_manage
from handlers.common import Buttons, Context, guarded, say, who

MAX_LISTED = 8


def offset_text(tr: Translator, minutes: int) -> str:
    """'24 hours', '3 days', '30 minutes'."""
    if minutes % 1440 == 0 and minutes >= 2880:
        return tr.ngettext("{count} day", "{count} days", minutes // 1440)
    if minutes % 60 == 0:
        return tr.ngettext("{count} hour", "{count} hours", minutes // 60)
    return tr.ngettext("{count} minute", "{count} minutes", minutes)


def offsets_text(tr: Translator, offsets: tuple[int, ...]) -> str:
    if not offsets:
        return tr._("none")
    return ", ".join(offset_text(tr, m) for m in offsets)


def plain(html_text: str, limit: int) -> str:
    """A short plain-text glimpse of an HTML text, escaped again for showing."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", "", html_text)).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape(text)


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
        [(tr._("📆 Add to calendar"), f"ev:ics:{event.id}")],
        [(tr._("🔕 No more reminders for this training"), f"st:m:{event.id}")],
    ]
    return Outgoing("\n".join(lines), buttons)


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
    rows: list[list[tuple[str, str]]] = []
    if found.all_muted:
        lines.append(tr._("🔕 Automatic reminders are off for all trainings."))
        rows.append([(tr._("🔔 Turn reminders on"), "st:a:0")])
    else:
        lines.append(tr._("🔔 Automatic reminders are on."))
        rows.append([(tr._("🔕 Turn off all reminders"), "st:a:1")])
        for item in found.events[:MAX_LISTED]:
            when = tr.short_date(item.starts_at) if item.starts_at else "—"
            mark = "🔕" if item.muted else "🔔"
            lines.append(f"{mark} <b>{escape(item.title)}</b> — {when}")
            label = tr._("🔔 On: {title}") if item.muted else tr._("🔕 Off: {title}")
            rows.append(
                [
                    (
                        label.format(title=item.title[:30]),
                        f"st:e:{item.event_id}:{0 if item.muted else 1}",
                    )
                ]
            )
    await say(update, "\n".join(lines), rows, edit=edit)


@guarded
async def settings_command(update: Update, context: Context) -> None:
    await show_settings(update, context, edit=False)


@guarded
async def toggle(update: Update, context: Context) -> None:
    """A switch on the /settings screen."""
    assert context.matches
    match = context.matches[0]
    person, tr = await who(update, context)
    event_id = reminders.ALL_EVENTS if match.group(1) == "a" else int(match.group(2))
    muted = match.group(3) == "1"
    await reminders.set_muted(context.runtime.db, person, event_id, muted, context.runtime.clock())
    context.toast = tr._("Reminders off.") if muted else tr._("Reminders on.")
    await show_settings(update, context, edit=True)


@guarded
async def mute_from_reminder(update: Update, context: Context) -> None:
    """The button under a reminder: no more reminders for that training."""
    assert context.matches
    person, tr = await who(update, context)
    event_id = int(context.matches[0].group(1))
    await reminders.set_muted(context.runtime.db, person, event_id, True, context.runtime.clock())
    await say(
        update,
        tr._(
            "🔕 No more automatic reminders for this training. "
            "Announcements still arrive; /settings turns reminders on again."
        ),
    )


# -- staff: the event's reminders and announcements ------------------------------------------------


def staff_buttons(
    tr: Translator,
    overview: reminders.Overview,
    scheduled: list[announcements.AnnouncementView],
    manage: bool,
) -> Buttons:
    event = overview.event
    rows: list[list[tuple[str, str]]] = []
    for item in scheduled[:MAX_LISTED]:
        rows.append(
            [
                (
                    f"📣 {tr.short_date(item.due_at)} {tr.time(item.due_at)}: "
                    f"{unescape(re.sub(r'<[^>]+>', '', item.text))[:25]}",
                    f"an:v:{item.id}",
                )
            ]
        )
    if manage:
        for planned in overview.planned[:MAX_LISTED]:
            start = planned.session.starts_at
            label = tr._(
                "✖ {when}, {offset} before",
                when=f"{tr.short_date(start)} {tr.time(start)}",
                offset=offset_text(tr, planned.offset),
            )
            rows.append([(label, f"rx:{planned.session.id}:{planned.offset}")])
        rows.append([(tr._("⏰ Reminder times"), f"ro:{event.id}")])
    rows.append([(tr._("📣 New announcement"), f"an:e:{event.id}")])
    rows.append([(tr._("◀ Back"), f"ea:{event.id}")])
    return rows


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


@guarded
async def staff_screen(update: Update, context: Context) -> None:
    assert context.matches
    await show_staff_screen(update, context, int(context.matches[0].group(1)))


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
            f"ro:{event_id}:{'r' if minutes in settings.offsets else 'a'}:{minutes}",
        )
        for minutes in reminders.PRESETS
    ]
    extra = [m for m in settings.offsets if m not in reminders.PRESETS]
    buttons += [("✅ " + offset_text(tr, m), f"ro:{event_id}:r:{m}") for m in extra]
    rows: list[list[tuple[str, str]]] = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    if settings.custom:
        rows.append([(tr._("↩ Back to the default"), f"ro:{event_id}:d")])
    rows.append([(tr._("◀ Back"), f"rm:{event_id}")])
    await say(update, "\n".join(lines), rows, edit=True)


@guarded
async def offsets_screen(update: Update, context: Context) -> None:
    assert context.matches
    await show_offsets(update, context, int(context.matches[0].group(1)))


@guarded
async def change_offset(update: Update, context: Context) -> None:
    assert context.matches
    match = context.matches[0]
    person, _ = await who(update, context)
    event_id, action = int(match.group(1)), match.group(2)
    minutes = int(match.group(3)) if match.group(3) else None
    await reminders.change_offsets(
        context.runtime.db,
        person,
        event_id,
        context.runtime.clock(),
        add=minutes if action == "a" else None,
        remove=minutes if action == "r" else None,
        reset=action == "d",
    )
    wake(context.application)
    await show_offsets(update, context, event_id)


@guarded
async def ask_skip(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    session_id, offset = int(context.matches[0].group(1)), int(context.matches[0].group(2))
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
            (tr._("✖ Yes, cancel it"), f"rxc:{session_id}:{offset}"),
            (tr._("◀ Back"), f"rm:{event_id}"),
        ]
    ]
    await say(update, text, rows, edit=True)


@guarded
async def skip(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    session_id, offset = int(context.matches[0].group(1)), int(context.matches[0].group(2))
    event = await reminders.skip(
        context.runtime.db, person, session_id, offset, context.runtime.clock()
    )
    context.toast = tr._("The reminder is cancelled.")
    await show_staff_screen(update, context, event.id)


def register(application: Application) -> None:  # type: ignore[type-arg]
    register_renderer(application, reminders.KIND, render_reminder)
    application.add_handler(CommandHandler("settings", settings_command))
    application.add_handler(
        CallbackQueryHandler(toggle, pattern=r"^st:(a|e):(?:(\d{1,9}):)?([01])$")
    )
    application.add_handler(CallbackQueryHandler(mute_from_reminder, pattern=r"^st:m:(\d{1,9})$"))
    application.add_handler(CallbackQueryHandler(staff_screen, pattern=r"^rm:(\d{1,9})$"))
    application.add_handler(CallbackQueryHandler(offsets_screen, pattern=r"^ro:(\d{1,9})$"))
    application.add_handler(
        CallbackQueryHandler(change_offset, pattern=r"^ro:(\d{1,9}):(a|r|d)(?::(\d{1,5}))?$")
    )
    application.add_handler(CallbackQueryHandler(ask_skip, pattern=r"^rx:(\d{1,9}):(\d{1,5})$"))
    application.add_handler(CallbackQueryHandler(skip, pattern=r"^rxc:(\d{1,9}):(\d{1,5})$"))

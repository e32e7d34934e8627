"""Attendance: staff run a check-in with a short code or mark people from the list;
participants send /checkin CODE."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.i18n import Translator
from bot.screens.events import hours_text
from bot.services import attendance, dialogs
from bot.services.errors import ServiceError
from bot.services.events import SessionView
from handlers.common import Context, explain, guarded, on_input, say, who
from handlers.paging import navigation, shorten

NAME_ON_BUTTON = 40
MARKS = {True: "✅", False: "❌", None: "▫️"}


def when_text(tr: Translator, session: SessionView) -> str:
    start, end = tr.time(session.starts_at), tr.time(session.ends_at)
    return f"{tr.short_date(session.starts_at)}, {start}–{end}"


@guarded
async def sessions(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event_id, page = int(context.matches[0].group(1)), int(context.matches[0].group(2) or 0)
    found = await attendance.sessions_page(context.runtime.db, person, event_id, page)
    event = found.event
    back = [(tr._("◀ Back"), f"ea:{event.id}")]
    if not found.items:
        await say(update, tr._("This event has no sessions yet."), [back], edit=True)
        return
    lines = [
        tr._("<b>Sessions: {title}</b>", title=escape(event.title)),
        tr._(
            "Participants check in by sending /checkin and the code, from {before} minutes "
            "before a session starts until {after} minutes after it ends.",
            before=int(attendance.CHECKIN_OPENS_BEFORE.total_seconds() // 60),
            after=int(attendance.CHECKIN_CLOSES_AFTER.total_seconds() // 60),
        ),
        "",
    ]
    rows: list[list[tuple[str, str]]] = []
    for item in found.items:
        line = f"{item.number}. {when_text(tr, item.session)}"
        if item.attendance_taken:
            line += " — " + tr._(
                "present: {present} of {total}", present=item.present, total=found.confirmed
            )
        if item.session.checkin_code:
            line += " — " + tr._("code {code}", code=item.session.checkin_code)
        lines.append(line)
        rows.append(
            [
                (tr._("▶ Check-in {number}", number=item.number), f"ci:{item.session.id}"),
                (tr._("✔ Attendance {number}", number=item.number), f"am:{item.session.id}:0"),
            ]
        )
    nav = navigation(f"as:{event.id}:", found.page, found.pages)
    if nav:
        rows.append(nav)
    rows.append(back)
    await say(update, "\n".join(lines), rows, edit=True)


@guarded
async def start_checkin(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    started = await attendance.start_checkin(
        context.runtime.db, person, int(context.matches[0].group(1)), context.runtime.clock()
    )
    text = "\n".join(
        [
            f"<b>{escape(started.event.title)}</b>",
            tr._(
                "Session {number}: {when}",
                number=started.number,
                when=when_text(tr, started.session),
            ),
            "",
            tr._("Check-in code: <b>{code}</b>", code=started.code),
            tr._(
                "Participants send <b>/checkin {code}</b> from {opens} until {closes} "
                "({before} minutes before the start until {after} minutes after the end).",
                code=started.code,
                opens=tr.time(started.opens_at),
                closes=tr.time(started.closes_at),
                before=int(attendance.CHECKIN_OPENS_BEFORE.total_seconds() // 60),
                after=int(attendance.CHECKIN_CLOSES_AFTER.total_seconds() // 60),
            ),
        ]
    )
    rows = [
        [(tr._("✔ Mark attendance"), f"am:{started.session.id}:0")],
        [(tr._("◀ Sessions"), f"as:{started.event.id}")],
    ]
    await say(update, text, rows, edit=True)


async def show_roster(update: Update, tr: Translator, roster: attendance.Roster) -> None:
    session_id = roster.session.id
    lines = [
        f"<b>{escape(roster.event.title)}</b>",
        tr._("Session {number}: {when}", number=roster.number, when=when_text(tr, roster.session)),
        tr._("Present: {present} of {total}", present=roster.present, total=roster.total),
    ]
    rows: list[list[tuple[str, str]]] = []
    if roster.total:
        lines.append(tr._("Tap a name to mark them present or absent."))
    else:
        lines.append(tr._("Nobody is registered for this event yet."))
    for entry in roster.entries:
        label = f"{MARKS[entry.present]} {shorten(entry.name, NAME_ON_BUTTON)}"
        rows.append([(label, f"at:{session_id}:{entry.user_id}:{0 if entry.present else 1}")])
    nav = navigation(f"am:{session_id}:", roster.page, roster.pages)
    if nav:
        rows.append(nav)
    rows.append([(tr._("◀ Sessions"), f"as:{roster.event.id}")])
    await say(update, "\n".join(lines), rows, edit=True)


@guarded
async def roster(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    session_id, page = int(context.matches[0].group(1)), int(context.matches[0].group(2))
    found = await attendance.roster(context.runtime.db, person, session_id, page)
    await show_roster(update, tr, found)


@guarded
async def toggle(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    session_id, user_id, present = (
        int(context.matches[0].group(1)),
        int(context.matches[0].group(2)),
        context.matches[0].group(3) == "1",
    )
    found = await attendance.mark(
        context.runtime.db, person, session_id, user_id, present, context.runtime.clock()
    )
    context.toast = tr._("Marked present.") if present else tr._("Marked absent.")
    await show_roster(update, tr, found)


CHECKIN = "checkin"


async def ask_code(update: Update, context: Context) -> None:
    """Wait for the code in the next message."""
    person, tr = await who(update, context)
    await dialogs.open_dialog(
        context.runtime.db, person.id, CHECKIN, "code", {}, context.runtime.clock()
    )
    await say(update, tr._("Send the check-in code the trainer shows (four characters)."))


@guarded
async def checkin_command(update: Update, context: Context) -> None:
    code = " ".join(context.args or [])
    if not code.strip():
        await ask_code(update, context)
        return
    await check_in(update, context, code)


@guarded
async def checkin_button(update: Update, context: Context) -> None:
    await ask_code(update, context)


async def code_typed(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    try:
        await check_in(update, context, text)
    except ServiceError as error:  # a wrong code: the next message is tried again
        await say(update, explain(tr, error))
        return
    await dialogs.close_dialog(context.runtime.db, person.id, CHECKIN)


async def check_in(update: Update, context: Context, code: str) -> None:
    person, tr = await who(update, context)
    done = await attendance.check_in(context.runtime.db, person, code, context.runtime.clock())
    title = escape(done.event.title)
    if done.already:
        text = tr._("You are already checked in for <b>{title}</b>.", title=title)
    else:
        text = tr._(
            "✅ Checked in: <b>{title}</b>, {when}.", title=title, when=when_text(tr, done.session)
        )
    text += "\n" + tr._(
        "Attended so far: {attended} of {total}.",
        attended=hours_text(tr, done.attended_hours),
        total=hours_text(tr, done.event.total_hours),
    )
    await say(update, text)


def register(application: Application) -> None:  # type: ignore[type-arg]

    on_input(application, CHECKIN, code_typed, ttl=timedelta(minutes=15))
    application.add_handler(CommandHandler("checkin", checkin_command))
    application.add_handler(CallbackQueryHandler(checkin_button, pattern=r"^my:ci$"))
    application.add_handler(
        CallbackQueryHandler(sessions, pattern=r"^as:(\d{1,9})(?::(\d{1,4}))?$")
    )
    application.add_handler(CallbackQueryHandler(start_checkin, pattern=r"^ci:(\d{1,9})$"))
    application.add_handler(CallbackQueryHandler(roster, pattern=r"^am:(\d{1,9}):(\d{1,4})$"))
    application.add_handler(
        CallbackQueryHandler(toggle, pattern=r"^at:(\d{1,9}):(\d{1,9}):([01])$")
    )

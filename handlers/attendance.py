"""Attendance: staff run a check-in with a short code or mark people from the list;
participants send /checkin CODE."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import Translator
from bot.screens.attendance import (
    CheckInNow,
    MarkPresent,
    Roster,
    Sessions,
    StartCheckIn,
    when_text,
)
from bot.screens.event_staff import Manage
from bot.screens.events import hours_text
from bot.screens.keyboard import Row, page_row
from bot.screens.text import shorten
from bot.services import attendance, dialogs
from bot.services.errors import ServiceError
from handlers.common import Context, explain, guarded, on_input, on_press, say, who

NAME_ON_BUTTON = 40
MARKS = {True: "✅", False: "❌", None: "▫️"}


async def sessions(update: Update, context: Context, press: Sessions) -> None:
    person, tr = await who(update, context)
    event_id, page = press.event_id, press.page or 0
    found = await attendance.sessions_page(context.runtime.db, person, event_id, page)
    event = found.event
    back = [(tr._("◀ Back"), Manage(event.id))]
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
    rows: list[Row] = []
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
                (tr._("▶ Check-in {number}", number=item.number), StartCheckIn(item.session.id)),
                (tr._("✔ Attendance {number}", number=item.number), Roster(item.session.id, 0)),
            ]
        )
    nav = page_row(lambda n: Sessions(event.id, n), found.page, found.pages)
    if nav:
        rows.append(nav)
    rows.append(back)
    await say(update, "\n".join(lines), rows, edit=True)


async def start_checkin(update: Update, context: Context, press: StartCheckIn) -> None:
    person, tr = await who(update, context)
    started = await attendance.start_checkin(
        context.runtime.db, person, press.session_id, context.runtime.clock()
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
        [(tr._("✔ Mark attendance"), Roster(started.session.id, 0))],
        [(tr._("◀ Sessions"), Sessions(started.event.id))],
    ]
    await say(update, text, rows, edit=True)


async def show_roster(update: Update, tr: Translator, roster: attendance.Roster) -> None:
    session_id = roster.session.id
    lines = [
        f"<b>{escape(roster.event.title)}</b>",
        tr._("Session {number}: {when}", number=roster.number, when=when_text(tr, roster.session)),
        tr._("Present: {present} of {total}", present=roster.present, total=roster.total),
    ]
    rows: list[Row] = []
    if roster.total:
        lines.append(tr._("Tap a name to mark them present or absent."))
    else:
        lines.append(tr._("Nobody is registered for this event yet."))
    for entry in roster.entries:
        label = f"{MARKS[entry.present]} {shorten(entry.name, NAME_ON_BUTTON)}"
        rows.append([(label, MarkPresent(session_id, entry.user_id, not entry.present))])
    nav = page_row(lambda n: Roster(session_id, n), roster.page, roster.pages)
    if nav:
        rows.append(nav)
    rows.append([(tr._("◀ Sessions"), Sessions(roster.event.id))])
    await say(update, "\n".join(lines), rows, edit=True)


async def roster(update: Update, context: Context, press: Roster) -> None:
    person, tr = await who(update, context)
    session_id, page = press.session_id, press.page
    found = await attendance.roster(context.runtime.db, person, session_id, page)
    await show_roster(update, tr, found)


async def toggle(update: Update, context: Context, press: MarkPresent) -> None:
    person, tr = await who(update, context)
    session_id, user_id, present = press.session_id, press.user_id, press.present
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


async def checkin_button(update: Update, context: Context, press: CheckInNow) -> None:
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
    on_press(application, CheckInNow, checkin_button)
    on_press(application, Sessions, sessions)
    on_press(application, StartCheckIn, start_checkin)
    on_press(application, Roster, roster)
    on_press(application, MarkPresent, toggle)

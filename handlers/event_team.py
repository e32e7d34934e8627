"""An event's trainers and sessions in the chat, and copying an event as a new draft.

Reached from the event's edit screen. Typed input (a trainer's name, a session's times,
the copy's first date) goes through one database dialog, so nothing is lost on restart.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from telegram import Update
from telegram.ext import Application

from bot.buttons import Button
from bot.i18n import N_, Translator
from bot.outbox import Due, Outgoing, register_renderer, wake
from bot.runtime import Runtime
from bot.screens.edit_event import EditEvent
from bot.screens.event_team import (
    AddSession,
    AskCopy,
    AskDeleteSession,
    AskTrainer,
    DeleteSession,
    MoveSession,
    PickTrainer,
    RemoveTrainer,
    SessionsToEdit,
    Trainers,
    span_text,
)
from bot.screens.events import CalendarFile, card_screen
from bot.screens.keyboard import Row, packed
from bot.services import dialogs, event_team, registration
from bot.services.errors import InvalidInput, NotAllowed, NotFound, Stale
from bot.services.event_builder import parse_date
from bot.services.events import EventStatus, EventView, view
from bot.services.users import Person
from handlers.common import Buttons, Context, explain, on_input, on_press, say, who

TEAM = "event_team"
PROMPTS = {
    "trainer": N_("Type a part of the trainer's name (for example, the surname)."),
    "add": N_(
        "Send the new session's date and times as DD.MM.YYYY HH:MM-HH:MM, for example "
        "27.09.2027 09:00-17:00."
    ),
    "move": N_(
        "Send the session's new date and times as DD.MM.YYYY HH:MM-HH:MM. Everyone "
        "registered will be told."
    ),
    "copy": N_(
        "On which date should the copy start? Send DD.MM.YYYY; every session moves by "
        "the same number of days."
    ),
}


async def leave_dialog(update: Update, context: Context) -> None:
    """Going back from a question: the next message is no longer an answer to it."""
    person, _ = await who(update, context)
    if person.dialog is not None and person.dialog.name == TEAM:
        await dialogs.close_dialog(context.runtime.db, person.id, TEAM)


# -- trainers -------------------------------------------------------------------------------


async def show_trainers(update: Update, context: Context, event_id: int, *, edit: bool) -> None:
    person, tr = await who(update, context)
    event, members = await event_team.trainers(context.runtime.db, person, event_id)
    lines = [tr._("<b>Trainers</b> of <b>{title}</b>", title=escape(event.title))]
    if not members:
        lines.append(tr._("No trainers yet."))
    rows: list[Row] = []
    for member in members:
        lines.append(f"• {escape(member.name)}")
        rows.append(
            [
                (
                    tr._("✖ Remove {name}", name=member.name[:40]),
                    RemoveTrainer(event_id, member.user_id),
                )
            ]
        )
    rows.append([(tr._("➕ Add a trainer"), AskTrainer(event_id))])
    rows.append([(tr._("◀ Back"), EditEvent(event_id))])
    await say(update, "\n".join(lines), rows, edit=edit)


async def trainers_screen(update: Update, context: Context, press: Trainers) -> None:
    await leave_dialog(update, context)
    await show_trainers(update, context, press.event_id, edit=True)


async def ask(
    update: Update, context: Context, step: str, data: dict[str, int], back: Button
) -> None:
    person, tr = await who(update, context)
    await dialogs.open_dialog(
        context.runtime.db, person.id, TEAM, step, data, context.runtime.clock()
    )
    await say(update, tr._(PROMPTS[step]), [[(tr._("✖ Cancel"), back)]], edit=True)


async def ask_trainer(update: Update, context: Context, press: AskTrainer) -> None:
    person, _ = await who(update, context)
    event_id = press.event_id
    await event_team.trainers(context.runtime.db, person, event_id)  # may this person?
    await ask(update, context, "trainer", {"event_id": event_id}, Trainers(event_id))


async def search_trainer(update: Update, context: Context, event_id: int, text: str) -> None:
    person, tr = await who(update, context)
    found = await event_team.find_trainers(context.runtime.db, person, event_id, text)
    if not found:
        await say(
            update,
            tr._(
                "Nobody with the trainer role matches “{query}”. An admin gives the role "
                "with /grant. Try another part of the name.",
                query=escape(text[:100]),
            ),
            [[(tr._("◀ Back"), Trainers(event_id))]],
        )
        return
    rows: Buttons = [[(m.name[:60], PickTrainer(event_id, m.user_id))] for m in found]
    await say(
        update,
        tr._("Whom should I add? Pick a person, or type another name."),
        [*rows, [(tr._("◀ Back"), Trainers(event_id))]],
    )


async def pick_trainer(update: Update, context: Context, press: PickTrainer) -> None:
    person, tr = await who(update, context)
    event_id, user_id = press.event_id, press.user_id
    _, member = await event_team.add_trainer(context.runtime.db, person, event_id, user_id)
    await dialogs.close_dialog(context.runtime.db, person.id, TEAM)
    context.toast = tr._("{name} now trains at this event.", name=member.name)
    await show_trainers(update, context, event_id, edit=True)


async def remove_trainer(update: Update, context: Context, press: RemoveTrainer) -> None:
    person, _ = await who(update, context)
    event_id, user_id = press.event_id, press.user_id
    await event_team.remove_trainer(context.runtime.db, person, event_id, user_id)
    await show_trainers(update, context, event_id, edit=True)


# -- sessions -------------------------------------------------------------------------------


async def show_sessions(update: Update, context: Context, event_id: int, *, edit: bool) -> None:
    person, tr = await who(update, context)
    event, _ = await event_team.trainers(context.runtime.db, person, event_id)
    lines = [tr._("<b>Sessions</b> of <b>{title}</b>", title=escape(event.title))]
    rows: list[Row] = []
    now = context.runtime.clock()
    for number, item in enumerate(event.sessions, start=1):
        when = span_text(tr, item.starts_at, item.ends_at)
        lines.append(f"{number}. {when}")
        if item.ends_at > now:
            rows.append(
                [
                    (f"✏️ {number}. {tr.short_date(item.starts_at)}", MoveSession(item.id)),
                    (tr._("🗑 Delete {number}.", number=number), AskDeleteSession(item.id)),
                ]
            )
    rows.append([(tr._("➕ Add a session"), AddSession(event_id))])
    rows.append([(tr._("◀ Back"), EditEvent(event_id))])
    await say(update, "\n".join(lines), rows, edit=edit)


async def sessions_screen(update: Update, context: Context, press: SessionsToEdit) -> None:
    await leave_dialog(update, context)
    await show_sessions(update, context, press.event_id, edit=True)


async def ask_add_session(update: Update, context: Context, press: AddSession) -> None:
    person, _ = await who(update, context)
    event_id = press.event_id
    await event_team.trainers(context.runtime.db, person, event_id)
    await ask(update, context, "add", {"event_id": event_id}, SessionsToEdit(event_id))


async def ask_move_session(update: Update, context: Context, press: MoveSession) -> None:
    person, _ = await who(update, context)
    session_id = press.session_id
    event, _ = await event_team.session_of(context.runtime.db, person, session_id)
    await ask(update, context, "move", {"session_id": session_id}, SessionsToEdit(event.id))


async def ask_delete_session(update: Update, context: Context, press: AskDeleteSession) -> None:
    person, tr = await who(update, context)
    session_id = press.session_id
    event, index = await event_team.session_of(context.runtime.db, person, session_id)
    item = event.sessions[index]
    text = tr._(
        "Delete session {number} ({when})? Its reminders are cancelled and its "
        "attendance is removed.",
        number=index + 1,
        when=span_text(tr, item.starts_at, item.ends_at),
    )
    rows = [
        [
            (tr._("🗑 Yes, delete it"), DeleteSession(session_id)),
            (tr._("◀ Back"), SessionsToEdit(event.id)),
        ]
    ]
    await say(update, text, rows, edit=True)


async def delete_session(update: Update, context: Context, press: DeleteSession) -> None:
    person, tr = await who(update, context)
    event = await event_team.delete_session(
        context.runtime.db, person, press.session_id, context.runtime.clock()
    )
    context.toast = tr._("The session is deleted.")
    await show_sessions(update, context, event.id, edit=True)


# -- copying --------------------------------------------------------------------------------


async def ask_copy(update: Update, context: Context, press: AskCopy) -> None:
    person, _ = await who(update, context)
    event_id = press.event_id
    await event_team.trainers(context.runtime.db, person, event_id)
    await ask(update, context, "copy", {"event_id": event_id}, EditEvent(event_id))


async def copy_once(context: Context, person: Person, event_id: int, text: str) -> int:
    """Claim the dialog step first, so the same message handled twice makes one copy."""
    runtime, user_id = context.runtime, person.id
    first_day = parse_date(text)
    now = runtime.clock()
    if not await dialogs.move_dialog(runtime.db, user_id, TEAM, "copy", "copying", now=now):
        raise Stale()
    try:
        return await event_team.copy_event(
            runtime.db, person, event_id, first_day, now, runtime.settings.tz
        )
    except Exception:
        await dialogs.move_dialog(runtime.db, user_id, TEAM, "copying", "copy", now=now)
        raise


async def show_card(update: Update, context: Context, event_id: int, *, edit: bool) -> None:
    person, tr = await who(update, context)
    event, standing = await registration.event_and_standing(context.runtime.db, person, event_id)
    now = context.runtime.clock()
    text, rows = card_screen(tr, event, person, context.bot.username, standing, now)
    await say(update, text, rows, edit=edit)


# -- typed input ----------------------------------------------------------------------------


async def typed(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    dialog = person.dialog
    assert dialog is not None
    message = update.effective_message
    text = message.text if message is not None else None
    if not text:
        await say(update, tr._("Please answer with text or the buttons."))
        return
    runtime, data = context.runtime, dialog.data
    try:
        if dialog.step == "trainer":
            await search_trainer(update, context, int(data["event_id"]), text)
            return
        if dialog.step == "copy":
            new_id = await copy_once(context, person, int(data["event_id"]), text)
            await dialogs.close_dialog(runtime.db, person.id, TEAM)
            await say(update, tr._("📄 The copy is saved as a draft. Check it and publish it."))
            await show_card(update, context, new_id, edit=False)
            return
        span = event_team.parse_session(text, runtime.settings.tz)
        if dialog.step == "add":
            event = await event_team.add_session(
                runtime.db, person, int(data["event_id"]), span, runtime.clock()
            )
            await dialogs.close_dialog(runtime.db, person.id, TEAM)
            await say(update, tr._("✅ Session added: {when}.", when=span_text(tr, *span)))
        elif dialog.step == "move":
            moved = await event_team.move_session(
                runtime.db, person, int(data["session_id"]), span, runtime.clock()
            )
            event = moved.event
            await dialogs.close_dialog(runtime.db, person.id, TEAM)
            await say(
                update,
                tr.ngettext(
                    "✅ The session is moved to {when}; {count} person will be told.",
                    "✅ The session is moved to {when}; {count} people will be told.",
                    moved.told,
                    when=span_text(tr, *span),
                ),
            )
            wake(context.application)
        else:
            raise Stale()
        await show_sessions(update, context, event.id, edit=False)
    except InvalidInput as error:
        await say(update, explain(tr, error))
    except (Stale, NotAllowed, NotFound) as error:
        await dialogs.close_dialog(runtime.db, person.id, TEAM)
        await say(update, explain(tr, error))


# -- the outbox: telling registrants a session moved ----------------------------------------


async def render_moved(runtime: Runtime, due: Due, tr: Translator) -> Outgoing | None:
    payload = due.payload
    try:
        async with runtime.db() as session:
            event: EventView = await view(session, int(payload["event_id"]), staff_details=False)
            if not await event_team.still_registered(session, event.id, due.user_id):
                return None  # cancelled since the move: nothing to tell
        old = (
            datetime.fromisoformat(payload["old_start"]),
            datetime.fromisoformat(payload["old_end"]),
        )
        new = (
            datetime.fromisoformat(payload["new_start"]),
            datetime.fromisoformat(payload["new_end"]),
        )
    except (KeyError, ValueError, NotFound):
        return None
    if event.status != EventStatus.PUBLISHED:
        return None
    text = tr._(
        "🗓 A session of <b>{title}</b> has moved.\nWas: {old}\nNow: {new}",
        title=escape(event.title),
        old=span_text(tr, *old),
        new=span_text(tr, *new),
    )
    return Outgoing(text, packed([[(tr._("📆 Add to calendar"), CalendarFile(event.id))]]))


def register(application: Application) -> None:  # type: ignore[type-arg]

    on_input(application, TEAM, typed)
    register_renderer(application, event_team.MOVED_KIND, render_moved)
    on_press(application, Trainers, trainers_screen)
    on_press(application, AskTrainer, ask_trainer)
    on_press(application, PickTrainer, pick_trainer)
    on_press(application, RemoveTrainer, remove_trainer)
    on_press(application, SessionsToEdit, sessions_screen)
    on_press(application, AddSession, ask_add_session)
    on_press(application, MoveSession, ask_move_session)
    on_press(application, AskDeleteSession, ask_delete_session)
    on_press(application, DeleteSession, delete_session)
    on_press(application, AskCopy, ask_copy)

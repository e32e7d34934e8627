"""Runs before every other handler (group -1): sends a message to the dialog waiting for
it, and keeps people who have not finished onboarding on the onboarding path.

A feature that asks for typed input opens a dialog (bot/services/dialogs.py) and
registers the handler for that dialog's name with `handlers.common.on_input`.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.buttons import parse_any
from bot.services import dialogs
from bot.services.dialogs import ONBOARDING
from bot.services.faq_questions import SEARCHED
from handlers.common import (
    DEFAULT_INPUT_TTL,
    Context,
    answer_press,
    input_routes,
    is_private,
    resume_onboarding,
    say,
    who,
)

DIALOG_GROUP = -1
# Commands that work before onboarding is finished.
OPEN_COMMANDS = frozenset({"start", "help", "privacy", "mydata", "forget", "verify"})
# Buttons that work before onboarding is finished are declared `before_onboarding`.


def command_of(text: str) -> str | None:
    if not text.startswith("/"):
        return None
    return text.split()[0][1:].split("@")[0].lower()


async def route(update: Update, context: Context) -> None:
    if not is_private(update) or update.effective_user is None:
        return
    if update.callback_query is not None:
        await _route_button(update, context)
        return
    message = update.effective_message
    if message is None:
        return
    person, tr = await who(update, context)
    command = command_of(message.text or "")
    dialog = person.dialog
    if command == "cancel" and person.onboarded:
        await cancel(update, context)
        raise ApplicationHandlerStop
    if dialog is not None and dialog.name != ONBOARDING:
        route = input_routes(context.application).get(dialog.name)
        ttl = route.ttl if route else DEFAULT_INPUT_TTL
        by_command = command is not None and not (route and route.survives_commands)
        if by_command or context.runtime.clock() - dialog.updated_at > ttl:
            # A command, or coming back much later, leaves whatever was half done.
            await dialogs.close_dialog(context.runtime.db, person.id)
            person, tr = await who(update, context, fresh=True)
            dialog = None
        elif command is not None and route and command not in route.own_commands:
            await dialogs.set_paused(context.runtime.db, person.id, dialog.name, True)
    if command is not None:
        if not person.onboarded and command not in OPEN_COMMANDS:
            await say(update, tr._("Let's finish setting up your profile first."))
            await resume_onboarding(update, context)
            raise ApplicationHandlerStop
        return
    route = input_routes(context.application).get(dialog.name) if dialog else None
    if route is not None:
        if dialog.data.get(dialogs.PAUSED) and route.on_paused is not None:
            await route.on_paused(update, context)
        else:
            await route.handler(update, context)
        raise ApplicationHandlerStop
    if not person.onboarded:
        await resume_onboarding(update, context)
        raise ApplicationHandlerStop


async def cancel(update: Update, context: Context) -> None:
    """/cancel: leave whatever dialog is open (never onboarding)."""
    person, tr = await who(update, context)
    waiting = person.dialog is not None and person.dialog.name != SEARCHED
    await dialogs.close_dialog(context.runtime.db, person.id)
    await who(update, context, fresh=True)
    if waiting:
        await say(update, tr._("✖ Cancelled. Send /help to see what I can do."))
    else:
        await say(update, tr._("There is nothing to cancel."))


async def _route_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    pressed = parse_any(query.data)
    if pressed is not None and pressed.before_onboarding:
        return
    person, tr = await who(update, context)
    if not person.onboarded:
        await answer_press(update, tr._("Let's finish setting up your profile first."), alert=True)
        raise ApplicationHandlerStop
    dialog = person.dialog
    route = input_routes(context.application).get(dialog.name) if dialog is not None else None
    if (
        dialog is not None
        and route is not None
        and route.survives_commands
        and not dialog.data.get(dialogs.PAUSED)
        and not isinstance(pressed, route.own_buttons)
    ):
        # Gone to another part of the bot: keep the wizard, but not for the next text.
        await dialogs.set_paused(context.runtime.db, person.id, dialog.name, True)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(TypeHandler(Update, route), group=DIALOG_GROUP)

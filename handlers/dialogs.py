"""Runs before every other handler (group -1): sends a message to the dialog waiting for
it, and keeps people who have not finished onboarding on the onboarding path.

A feature that asks for typed input opens a dialog (bot/services/dialogs.py) and
registers the handler for that dialog's name here with `on_input`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.services import dialogs
from bot.services.dialogs import ONBOARDING
from handlers.common import Context, Handler, is_private, say, who
from handlers.onboarding import resume

DIALOG_GROUP = -1
# Commands that work before onboarding is finished.
OPEN_COMMANDS = frozenset({"start", "help", "privacy", "mydata", "forget", "verify"})
# Buttons that work before onboarding is finished.
OPEN_BUTTONS = ("lang:", "ob:", "mun:", "munp:", "fg:", "menu:help", "noop")
# A dialog left open this long no longer captures what the user types.
DEFAULT_TTL = timedelta(hours=1)


@dataclass(frozen=True)
class InputRoute:
    handler: Handler
    ttl: timedelta
    survives_commands: bool


_inputs: dict[str, InputRoute] = {}


def on_input(
    name: str, handler: Handler, ttl: timedelta = DEFAULT_TTL, *, survives_commands: bool = False
) -> None:
    """Send messages to `handler` while the user's dialog is `name`. A command closes the
    dialog unless it `survives_commands` (a long wizard the user resumes later)."""
    _inputs[name] = InputRoute(handler, ttl, survives_commands)


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
    if dialog is not None and dialog.name != ONBOARDING:
        route = _inputs.get(dialog.name)
        ttl = route.ttl if route else DEFAULT_TTL
        by_command = command is not None and not (route and route.survives_commands)
        if by_command or context.runtime.clock() - dialog.updated_at > ttl:
            # A command, or coming back much later, leaves whatever was half done.
            await dialogs.close_dialog(context.runtime.db, person.id)
            person, tr = await who(update, context, fresh=True)
            dialog = None
    if command is not None:
        if not person.onboarded and command not in OPEN_COMMANDS:
            await say(update, tr._("Let's finish setting up your profile first."))
            await resume(update, context)
            raise ApplicationHandlerStop
        return
    if dialog is not None and dialog.name in _inputs:
        await _inputs[dialog.name].handler(update, context)
        raise ApplicationHandlerStop
    if not person.onboarded:
        await resume(update, context)
        raise ApplicationHandlerStop


async def _route_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    if (query.data or "").startswith(OPEN_BUTTONS):
        return
    person, tr = await who(update, context)
    if not person.onboarded:
        context.answered = True
        await query.answer(tr._("Let's finish setting up your profile first."), show_alert=True)
        raise ApplicationHandlerStop


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(TypeHandler(Update, route), group=DIALOG_GROUP)

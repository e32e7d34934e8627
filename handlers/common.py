"""What every handler module shares: who is asking, their language, and safe replies."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ExtBot,
)

from bot.buttons import Button
from bot.config import Language
from bot.i18n import Translator, pick_language, translator_for
from bot.runtime import Runtime, get_runtime
from bot.screens import keyboard as keyboards
from bot.screens.menu import main_menu
from bot.screens.refusals import explain
from bot.services.errors import ServiceError, Stale
from bot.services.users import Person, Profile, identify

log = logging.getLogger(__name__)


@dataclass
class _Answered:
    """How the update being handled was answered so far. One object per try of an update,
    shared with the tasks its handler starts (they get a copy of the context variables,
    so flags set there would be lost)."""

    shown: bool = False  # the person saw an answer: the error handler adds no apology
    press: bool = False  # the button press was answered: Telegram shows only the first
    # The handler context of a press not answered yet: the first reply answers it at the
    # same time (one round trip to Telegram, not two).
    waiting: Context | None = None


_answered: ContextVar[_Answered] = ContextVar("answered")


def _so_far() -> _Answered:
    state = _answered.get(None)
    if state is None:
        state = _Answered()
        _answered.set(state)
    return state


def answer_shown() -> bool:
    return _so_far().shown


def press_answered() -> bool:
    return _so_far().press


async def start_update(update: object, context: Any) -> None:
    _answered.set(_Answered())


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB builds one context per update and shares it across handler groups, so the
    person looked up in an early group is reused by the later ones."""

    person: Person | None = None
    toast: str | None = None  # a short notice shown when the button press is answered

    @property
    def runtime(self) -> Runtime:
        return get_runtime(self)


Handler = Callable[[Update, Context], Awaitable[None]]
Buttons = keyboards.Rows


def translator(context: Context, language: Language) -> Translator:
    return translator_for(language, context.runtime.settings.tz).at(context.runtime.clock())


async def who(
    update: Update, context: Context, *, fresh: bool = False
) -> tuple[Person, Translator]:
    """The person behind this update (created on first contact) and their translator."""
    if context.person is None or fresh:
        user = update.effective_user
        if user is None:
            raise ValueError("update without a user")
        settings = context.runtime.settings
        context.person = await identify(
            context.runtime.db,
            Profile(user.id, user.username, user.language_code),
            settings.default_language,
            settings.admin_ids,
        )
    return context.person, translator(context, context.person.language)


def fallback_translator(update: object, context: Context) -> Translator:
    """A translator chosen without the database, for when the database is the problem."""
    if context.person is not None:
        return translator(context, context.person.language)
    code = None
    if isinstance(update, Update) and update.effective_user is not None:
        code = update.effective_user.language_code
    settings = context.runtime.settings
    return translator(context, pick_language(None, code, settings.default_language))


def keyboard(rows: Buttons) -> InlineKeyboardMarkup:
    return keyboards.keyboard(rows)


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def say(
    update: Update, text: str, rows: Buttons | None = None, *, edit: bool = False
) -> None:
    """Answer in the chat: edit the pressed message when asked, else send a new one."""
    query = update.callback_query
    bot = update.get_bot()
    # The bot's defaults (HTML, no link previews) fill in where DEFAULT_NONE stands.
    content = {
        "text": text,
        "reply_markup": keyboards.markup(rows),
        "parse_mode": DEFAULT_NONE,
        "link_preview_options": DEFAULT_NONE,
    }
    if edit and query is not None and query.message is not None:
        message = query.message
        try:
            edit_call = post_unread(
                bot,
                "editMessageText",
                chat_id=message.chat.id,
                message_id=message.message_id,
                **content,
            )
            await _with_press_answered(update, edit_call)
            _so_far().shown = True
            return
        except BadRequest as error:
            if "not modified" in str(error):
                _so_far().shown = True
                return
            log.info("Could not edit, sending instead: %s", error)
    chat = update.effective_chat
    assert chat is not None
    await _with_press_answered(update, post_unread(bot, "sendMessage", chat_id=chat.id, **content))
    _so_far().shown = True


async def post_unread(bot: Bot, method: str, **params: Any) -> None:
    """A Bot API call whose answer is not needed. python-telegram-bot's methods turn each
    answer into objects (a whole Message, its keyboard included): during a registration
    rush, a seventh of the event loop's time, for answers that replies never read. The call
    goes the way the library's own go (Bot._post: defaults such as the parse mode filled in
    where a parameter is DEFAULT_NONE, None left out, failures raised as TelegramError)."""
    await bot._post(method, params)


R = TypeVar("R")


async def _with_press_answered(update: Update, reply: Awaitable[R]) -> R:
    """Send `reply`; if it is the first answer to a button press, answer the press (with
    its toast) at the same time."""
    state = _so_far()
    context, state.waiting = state.waiting, None
    if context is None or state.press:
        return await reply
    result, _ = await asyncio.gather(reply, answer_press(update, context.toast))
    return result


async def drop_buttons(update: Update) -> None:
    """Remove the keyboard of the pressed message so it cannot be pressed again."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    with contextlib.suppress(BadRequest):  # already gone or too old to edit
        await query.edit_message_reply_markup(None)


async def answer_press(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press (stops the phone's spinner). An answer Telegram no longer
    takes (the press is too old, or was answered before a restart) is not an error."""
    query = update.callback_query
    assert query is not None
    _so_far().press = True
    try:
        await post_unread(
            update.get_bot(),
            "answerCallbackQuery",
            callback_query_id=query.id,
            text=text,
            show_alert=alert,
        )
    except BadRequest as error:
        if "query is too old" not in str(error).lower():
            raise
        log.info("A button press could not be answered any more")


def guarded(handler: Handler) -> Handler:
    """Turn service refusals into a clear answer in the user's language, and always
    answer a button press so the phone stops its spinner."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: Context) -> None:
        query = update.callback_query
        state = _so_far()
        if query is not None and not state.press:
            state.waiting = context
        try:
            await handler(update, context)
        except ServiceError as error:
            state.waiting = None
            tr = fallback_translator(update, context)
            if query is not None and not state.press:
                await answer_press(update, explain(tr, error), alert=True)
            elif update.effective_message is not None:
                await update.effective_message.reply_text(explain(tr, error))
            return
        state.waiting = None
        if query is not None and not state.press:
            await answer_press(update, context.toast)

    return wrapper


def deep_links(application: Application[Any, Any, Any, Any, Any, Any]) -> dict[str, Any]:
    """Payload prefix -> handler(update, context, argument); features register here."""
    return application.bot_data.setdefault("deep_links", {})


async def open_deep_link(update: Update, context: Context, payload: str) -> None:
    """t.me/<bot>?start=<prefix>_<argument>: the feature that registered the prefix."""
    prefix, _, argument = payload.partition("_")
    handler = deep_links(context.application).get(prefix)
    if handler is None:
        person, tr = await who(update, context)
        await say(update, tr._("That link is not valid any more."))
        await say(update, *main_menu(person, tr))
        return
    await handler(update, context, argument)


Resume = Callable[[Update, Context, str | None], Awaitable[None]]
ONBOARDING_KEY = "onboarding"


def on_onboarding(application: Application[Any, Any, Any, Any, Any, Any], resume: Resume) -> None:
    """Register how onboarding starts or continues (handlers/onboarding.py does)."""
    application.bot_data[ONBOARDING_KEY] = resume


async def resume_onboarding(update: Update, context: Context, payload: str | None = None) -> None:
    """Start onboarding, or continue it at the step where the person stopped; `payload` is
    a /start deep link to open once it is finished."""
    resume: Resume = context.application.bot_data[ONBOARDING_KEY]
    await resume(update, context, payload)


async def run_command(update: Update, context: Context, name: str) -> None:
    """Do what /`name` does (for a button that stands for a command), without arguments."""
    for group in context.application.handlers.values():
        for handler in group:
            if isinstance(handler, CommandHandler) and name in handler.commands:
                await handler.callback(update, context)
                return
    raise Stale()


P = TypeVar("P", bound=Button)


def on_press(
    application: Application[Any, Any, Any, Any, Any, Any],
    kind: type[P],
    handler: Callable[[Update, Context, P], Awaitable[None]],
    group: int = 0,
) -> None:
    """Send presses of `kind` buttons to `handler(update, context, value)`, guarded."""

    @functools.wraps(handler)
    async def parsed(update: Update, context: Context) -> None:
        query = update.callback_query
        value = kind.parse(query.data if query is not None else None)
        if value is not None:  # always, as the pattern matched
            await handler(update, context, value)

    application.add_handler(CallbackQueryHandler(guarded(parsed), pattern=kind.pattern()), group)


# A dialog left open this long no longer captures what the user types.
DEFAULT_INPUT_TTL = timedelta(hours=1)
INPUTS_KEY = "inputs"


@dataclass(frozen=True)
class InputRoute:
    handler: Handler
    ttl: timedelta
    survives_commands: bool
    own_commands: frozenset[str] = frozenset()
    on_paused: Handler | None = None
    own_buttons: tuple[type[Button], ...] = ()


def input_routes(application: Application[Any, Any, Any, Any, Any, Any]) -> dict[str, InputRoute]:
    """Dialog name -> where typed text goes while that dialog is open (per application)."""
    return application.bot_data.setdefault(INPUTS_KEY, {})


def on_input(
    application: Application[Any, Any, Any, Any, Any, Any],
    name: str,
    handler: Handler,
    ttl: timedelta = DEFAULT_INPUT_TTL,
    *,
    survives_commands: bool = False,
    own_commands: frozenset[str] = frozenset(),
    on_paused: Handler | None = None,
    own_buttons: tuple[type[Button], ...] = (),
) -> None:
    """Send messages to `handler` while the user's dialog is `name`. A command closes the
    dialog unless it `survives_commands` (a long wizard the user resumes later): then a
    command other than `own_commands`, or a button of a kind not in `own_buttons`,
    pauses it, and text while it is paused goes to `on_paused` (which
    offers to continue) instead of being taken as an answer."""
    input_routes(application)[name] = InputRoute(
        handler, ttl, survives_commands, own_commands, on_paused, own_buttons
    )

"""Answering a feedback survey: the invitation and nudge (outbox renderers), then one
question per message. Buttons answer ratings and choices; free text is typed (the
survey dialog routes it here). Every press is checked in bot/services/surveys.py; the
buttons and screens are in bot/screens/surveys.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.i18n import Translator
from bot.outbox import Due, Outgoing, register_renderer
from bot.pipeline import keep_out_of_storage
from bot.runtime import Runtime
from bot.screens.surveys import (
    SURVEY_BUTTONS,
    AnswerPress,
    GoToQuestion,
    StartSurvey,
    invitation_lines,
    start_data,
    step_screen,
)
from bot.services import surveys
from bot.services.surveys import NUDGE_KIND, SURVEY_DIALOG, SURVEY_KIND, Step
from handlers.common import Context, guarded, on_input, on_press, say, who
from storage.db import Database

__all__ = ["register", "start_data"]


async def show_step(update: Update, tr: Translator, step: Step, *, edit: bool) -> None:
    text, rows = step_screen(tr, step)
    await say(update, text, rows, edit=edit)


async def start(update: Update, context: Context, press: StartSurvey) -> None:
    person, tr = await who(update, context)
    runtime = context.runtime
    step = await surveys.open_survey(
        runtime.db, runtime.sealer, person, press.survey_id, press.session_id, runtime.clock()
    )
    await show_step(update, tr, step, edit=True)


async def answer_button(update: Update, context: Context, press: AnswerPress) -> None:
    person, tr = await who(update, context)
    runtime = context.runtime
    step = await surveys.answer(runtime.db, runtime.sealer, person, press.reply(), runtime.clock())
    await show_step(update, tr, step, edit=True)


async def go(update: Update, context: Context, press: GoToQuestion) -> None:
    person, tr = await who(update, context)
    runtime = context.runtime
    step = await surveys.open_survey(
        runtime.db,
        runtime.sealer,
        person,
        press.survey_id,
        press.session_id,
        runtime.clock(),
        index=press.index,
    )
    await show_step(update, tr, step, edit=True)


@guarded
async def typed(update: Update, context: Context) -> None:
    """A message typed while a survey question is on screen."""
    person, tr = await who(update, context)
    message = update.effective_message
    text = message.text if message is not None else None
    if text is None:
        await say(update, tr._("Please answer with the buttons or a text message."))
        return
    runtime = context.runtime
    step = await surveys.typed(runtime.db, runtime.sealer, person, text, runtime.clock())
    await show_step(update, tr, step, edit=False)


# -- the outbox: invitation and nudge ------------------------------------------------------


async def render_survey(runtime: Runtime, due: Due, tr: Translator) -> Outgoing | None:
    found = await surveys.invitation(
        runtime.db,
        due.ref_id,
        int(due.payload["session"]),
        due.user_id,
        runtime.clock(),
        nudge=False,
    )
    if found is None:
        return None
    text = "\n".join([tr._("📝 <b>Your feedback, please</b>"), *invitation_lines(tr, found)])
    return Outgoing(text, [[(tr._("📝 Answer"), start_data(found.target))]])


async def render_nudge(runtime: Runtime, due: Due, tr: Translator) -> Outgoing | None:
    found = await surveys.invitation(
        runtime.db,
        due.ref_id,
        int(due.payload["session"]),
        due.user_id,
        runtime.clock(),
        nudge=True,
    )
    if found is None:
        return None
    text = "\n".join(
        [tr._("⏰ <b>A reminder: your feedback is still welcome</b>"), *invitation_lines(tr, found)]
    )
    return Outgoing(text, [[(tr._("📝 Answer"), start_data(found.target))]])


async def survey_answers(db: Database, updates: Sequence[dict[str, Any]]) -> set[int]:
    """The updates that carry a survey answer (a press, or text typed while a survey is
    open): the pipeline must not store them, since they pair a person with an answer."""
    private: set[int] = set()
    typing: dict[int, list[int]] = {}
    for update in updates:
        press = update.get("callback_query")
        if isinstance(press, dict) and str(press.get("data") or "").startswith(SURVEY_BUTTONS):
            private.add(int(update["update_id"]))
        message = update.get("message") or update.get("edited_message")
        if not isinstance(message, dict) or str(message.get("text") or "").startswith("/"):
            continue  # a command is never taken as an answer (handlers/dialogs.py)
        if isinstance((message.get("from") or {}).get("id"), int):
            typing.setdefault(message["from"]["id"], []).append(int(update["update_id"]))
    for person in await surveys.answering_now(db, set(typing)):
        private.update(typing[person])
    return private


def register(application: Application) -> None:  # type: ignore[type-arg]
    keep_out_of_storage(application, survey_answers)
    register_renderer(application, SURVEY_KIND, render_survey)
    register_renderer(application, NUDGE_KIND, render_nudge)
    on_input(application, SURVEY_DIALOG, typed, ttl=timedelta(hours=2))
    on_press(application, StartSurvey, start)
    on_press(application, AnswerPress, answer_button)
    on_press(application, GoToQuestion, go)

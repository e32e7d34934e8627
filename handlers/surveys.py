"""Answering a feedback survey: the invitation and nudge (outbox renderers), then one
question per message. Buttons answer ratings and choices; free text is typed (the
survey dialog routes it here). Every press is checked in bot/services/surveys.py.

Callback data (buttons sent before anonymous drafts were sealed may end in a ":<token>",
which is ignored):
  svs:<survey>:<session>                      start, continue or change
  sva:<survey>:<session>:<question>:<value|s>  answer (s = skip)
  svg:<survey>:<session>:<index>               go to question <index> (back/next)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.i18n import Translator
from bot.outbox import Due, Outgoing, register_renderer
from bot.pipeline import keep_out_of_storage
from bot.runtime import Runtime
from bot.services import surveys
from bot.services.survey_templates import RATING_MAX, RATING_MIN, TEXT_LIMIT
from bot.services.surveys import NUDGE_KIND, SURVEY_DIALOG, SURVEY_KIND, Answer, Step, Target
from handlers.common import Buttons, Context, guarded, say, who
from handlers.paging import shorten
from storage.db import Database

OLD_TOKEN = r"(?::[A-Za-z0-9_-]{16})?"
SHOWN_ANSWER = 300  # a typed answer shown back, in characters


def start_data(target: Target) -> str:
    return f"svs:{target.survey.id}:{target.session.id}"


def session_text(tr: Translator, target: Target) -> str:
    return tr._(
        "session {number}, {date}",
        number=target.number,
        date=tr.short_date(target.session.starts_at),
    )


def answer_text(tr: Translator, step: Step, index: int, given: Answer) -> str:
    question = step.questions[index]
    if given.skipped:
        return tr._("skipped")
    if question.kind == "rating":
        return f"{given.value}/{RATING_MAX}"
    if question.kind == "choice" and given.value is not None:
        return escape(question.option(given.value, tr.language))
    return escape(shorten(given.text or "", SHOWN_ANSWER))


def question_screen(tr: Translator, step: Step) -> tuple[str, Buttons]:
    target, question, index = step.target, step.question, step.index
    base = f"{target.survey.id}:{target.session.id}"
    lines = [
        f"📝 <b>{escape(target.event.title)}</b>, {session_text(tr, target)}",
        tr._("Question {number} of {total}", number=index + 1, total=len(step.questions)),
        "",
        f"<b>{escape(question.text(tr.language))}</b>",
    ]
    rows: list[list[tuple[str, str]]] = []
    current = step.current
    if question.kind == "rating":
        lines.append(tr._("1 = lowest, 5 = highest"))
        rows.append(
            [
                (
                    f"{v} ✓" if current and current.value == v else str(v),
                    f"sva:{base}:{question.id}:{v}",
                )
                for v in range(RATING_MIN, RATING_MAX + 1)
            ]
        )
    elif question.kind == "choice":
        for i in range(len(question.options)):
            label = question.option(i, tr.language)
            if current and current.value == i:
                label = f"✓ {label}"
            rows.append([(label, f"sva:{base}:{question.id}:{i}")])
    else:
        lines.append(
            tr._("Type your answer in one message (up to {limit} characters).", limit=TEXT_LIMIT)
        )
    if current is not None:
        lines += ["", tr._("Your answer: {answer}", answer=answer_text(tr, step, index, current))]
    navigation = []
    if index > 0:
        navigation.append((tr._("◀ Back"), f"svg:{base}:{index - 1}"))
    if not question.required:
        navigation.append((tr._("⏭ Skip"), f"sva:{base}:{question.id}:s"))
    if current is not None:
        navigation.append((tr._("➡ Next"), f"svg:{base}:{index + 1}"))
    if navigation:
        rows.append(navigation)
    return "\n".join(lines), rows


def thanks_screen(tr: Translator, step: Step) -> tuple[str, Buttons]:
    target = step.target
    lines = [
        tr._(
            "✅ Thank you! Your answers about <b>{title}</b> are saved.",
            title=escape(target.event.title),
        ),
    ]
    if target.survey.anonymous:
        lines.append(
            tr._("The survey is anonymous: the organisers see that you answered, not what.")
        )
    lines.append(
        tr._("You can change your answers until {when}.", when=tr.until_datetime(target.closes_at))
    )
    return "\n".join(lines), [[(tr._("✏️ Change my answers"), start_data(target))]]


async def show_step(update: Update, tr: Translator, step: Step, *, edit: bool) -> None:
    text, rows = thanks_screen(tr, step) if step.finished else question_screen(tr, step)
    await say(update, text, rows, edit=edit)


@guarded
async def start(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    match = context.matches[0]
    step = await surveys.open_survey(
        context.runtime.db,
        context.runtime.sealer,
        person,
        int(match.group(1)),
        int(match.group(2)),
        context.runtime.clock(),
    )
    await show_step(update, tr, step, edit=True)


@guarded
async def answer_button(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    match = context.matches[0]
    raw = match.group(4)
    step = await surveys.answer(
        context.runtime.db,
        context.runtime.sealer,
        person,
        int(match.group(1)),
        int(match.group(2)),
        int(match.group(3)),
        context.runtime.clock(),
        value=None if raw == "s" else int(raw),
        skip=raw == "s",
    )
    await show_step(update, tr, step, edit=True)


@guarded
async def go(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    match = context.matches[0]
    step = await surveys.open_survey(
        context.runtime.db,
        context.runtime.sealer,
        person,
        int(match.group(1)),
        int(match.group(2)),
        context.runtime.clock(),
        index=int(match.group(3)),
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


def invitation_lines(tr: Translator, invitation: surveys.Invitation) -> list[str]:
    target = invitation.target
    lines = [
        tr.ngettext(
            "How was <b>{title}</b> ({session})? {count} short question, under a minute.",
            "How was <b>{title}</b> ({session})? {count} short questions, under a minute.",
            invitation.questions,
            session=session_text(tr, target),
            title=escape(target.event.title),
        )
    ]
    if target.survey.anonymous:
        lines.append(
            tr._("The survey is anonymous: the organisers see that you answered, not what.")
        )
    lines.append(tr._("Open until {when}.", when=tr.until_datetime(target.closes_at)))
    return lines


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


SURVEY_BUTTONS = ("svs:", "sva:", "svg:")


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
        if isinstance(message, dict) and isinstance((message.get("from") or {}).get("id"), int):
            typing.setdefault(message["from"]["id"], []).append(int(update["update_id"]))
    for person in await surveys.answering_now(db, set(typing)):
        private.update(typing[person])
    return private


def register(application: Application) -> None:  # type: ignore[type-arg]
    from handlers.dialogs import on_input

    keep_out_of_storage(survey_answers)

    register_renderer(application, SURVEY_KIND, render_survey)
    register_renderer(application, NUDGE_KIND, render_nudge)
    on_input(SURVEY_DIALOG, typed, ttl=timedelta(hours=2))
    application.add_handler(
        CallbackQueryHandler(start, pattern=rf"^svs:(\d{{1,9}}):(\d{{1,9}}){OLD_TOKEN}$")
    )
    application.add_handler(
        CallbackQueryHandler(
            answer_button,
            pattern=rf"^sva:(\d{{1,9}}):(\d{{1,9}}):(\d{{1,9}}):(\d{{1,2}}|s){OLD_TOKEN}$",
        )
    )
    application.add_handler(
        CallbackQueryHandler(go, pattern=rf"^svg:(\d{{1,9}}):(\d{{1,9}}):(\d{{1,2}}){OLD_TOKEN}$")
    )

"""The FAQ for organisers: the queue of open questions, answering in the chat, turning an
answer into an entry, and adding, editing and deleting entries. Every action is checked
in bot/services/faq.py; the buttons are only a convenience.

Callback data: faq:qp:<page>, faq:qa:<question>, faq:pub:<question>, faq:new,
faq:ed:<entry>, faq:del:<entry>, faq:dd:<entry>, and for the draft being edited:
faq:d:<part>, faq:dc:<topic>, faq:dl:<language>, faq:ds (save).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.config import LANGUAGES
from bot.i18n import LANGUAGE_NAMES, N_, Translator
from bot.services import faq, faq_editor, faq_questions
from bot.services.faq import CATEGORIES, FAQ_ANSWER, FAQ_DRAFT, DraftState
from bot.services.users import Person
from handlers.common import Context, Handler, drop_buttons, guarded, on_input, say, translator, who
from handlers.faq import short, show_entry, topic

log = logging.getLogger(__name__)

CANCEL = "faq:x"


# -- the queue and answers ----------------------------------------------------------------


async def show_queue(update: Update, context: Context, page: int, *, edit: bool = False) -> None:
    person, tr = await who(update, context)
    questions, total, pages = await faq_questions.open_questions(context.runtime.db, person, page)
    if not questions:
        await say(update, tr._("No open questions. 🎉"), edit=edit)
        return
    lines = [tr._("<b>Open questions: {count}</b>", count=total)]
    for question in questions:
        lines.append(
            f"\n<b>#{question.id}</b> · {escape(question.asker)} · "
            f"{tr.datetime(question.created_at)}\n{escape(short(question.text, 300))}"
        )
    rows = [[(tr._("✍️ Answer #{number}", number=q.id), f"faq:qa:{q.id}")] for q in questions]
    navigation = []
    if page > 0:
        navigation.append(("◀", f"faq:qp:{page - 1}"))
    if page + 1 < pages:
        navigation.append(("▶", f"faq:qp:{page + 1}"))
    if navigation:
        rows.append(navigation)
    await say(update, "\n".join(lines), rows, edit=edit)


@guarded
async def questions_command(update: Update, context: Context) -> None:
    await show_queue(update, context, 0)


@guarded
async def queue_page(update: Update, context: Context) -> None:
    assert context.matches
    await show_queue(update, context, int(context.matches[0].group(1)), edit=True)


@guarded
async def answer_button(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    assert context.matches
    question = await faq_questions.start_answer(
        context.runtime.db, person, int(context.matches[0].group(1))
    )
    text = tr._(
        "Question #{number} from {name}:\n\n<i>{question}</i>\n\n"
        "Type your answer in one message (up to {limit} characters).",
        number=question.id,
        name=escape(question.asker),
        question=escape(question.text),
        limit=faq.ANSWER_LIMIT,
    )
    await say(update, text, [[(tr._("Cancel"), CANCEL)]])


@guarded
async def answer_typed(update: Update, context: Context) -> None:
    """The message typed while the answer dialog is open: deliver it to the asker."""
    person, tr = await who(update, context)
    message = update.effective_message
    if message is None or message.text is None:
        await say(update, tr._("Please type the answer as a text message."))
        return
    settings = context.runtime.settings
    answered = await faq_questions.answer(
        context.runtime.db, person, message.text, settings.default_language
    )
    question, delivered = answered.question, False
    if answered.asker is not None:
        asker = translator(context, answered.asker.language)
        text = asker._(
            "💬 <b>The organisers answered your question</b>\n\n<i>{question}</i>\n\n{answer}",
            question=escape(question.text),
            answer=escape(question.answer or ""),
        )
        try:
            await context.bot.send_message(answered.asker.telegram_id, text)
            delivered = True
        except TelegramError as error:
            log.info("Could not deliver answer %s: %s", question.id, error)
    name = escape(question.asker)
    report = (
        tr._("✅ Your answer was sent to {name}.", name=name)
        if delivered
        else tr._(
            "Your answer was saved, but {name} could not receive it "
            "(they blocked the bot or deleted their data).",
            name=name,
        )
    )
    rows = [
        [(tr._("📚 Add to the FAQ"), f"faq:pub:{question.id}")],
        [(tr._("📨 Open questions"), "faq:qp:0")],
    ]
    await say(update, report, rows)


# -- drafts: writing an entry step by step -----------------------------------------------


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)  # type: ignore[call-overload]


# "(latviski, līdz 500 rakstzīmēm)": the language a text is written in, as an adverb.
WRITTEN_IN = {"lv": N_("in Latvian"), "en": N_("in English"), "ru": N_("in Russian")}


def written_in(tr: Translator, code: str) -> str:
    return tr._(WRITTEN_IN[code]) if code in WRITTEN_IN else code


async def show_draft(update: Update, tr: Translator, state: DraftState) -> None:
    draft, cancel = state.draft, [(tr._("Cancel"), CANCEL)]
    if state.step == "category":
        rows = [[(tr._(label), f"faq:dc:{key}")] for key, label in CATEGORIES.items()]
        await say(update, tr._("Choose the topic of the FAQ entry:"), [*rows, cancel])
    elif state.step == "language":
        rows = [[(language_name(code), f"faq:dl:{code}") for code in LANGUAGES]]
        await say(update, tr._("Which language is this version in?"), [*rows, cancel])
    elif state.step in ("question", "answer"):
        current = draft.question if state.step == "question" else draft.answer
        ask = (
            tr._(
                "Type the <b>question</b> ({language}, up to {limit} characters).",
                language=written_in(tr, draft.language),
                limit=faq.QUESTION_LIMIT,
            )
            if state.step == "question"
            else tr._(
                "Type the <b>answer</b> ({language}, up to {limit} characters).",
                language=written_in(tr, draft.language),
                limit=faq.ANSWER_LIMIT,
            )
        )
        if current:
            ask += "\n\n" + tr._("Now:") + f"\n<i>{escape(current)}</i>"
        await say(update, ask, [cancel])
    else:
        text = "\n".join(
            [
                tr._("<b>Check the FAQ entry</b>"),
                tr._(
                    "Topic: {topic} · Language: {language}",
                    topic=escape(topic(tr, draft.category or "other")),
                    language=language_name(draft.language),
                ),
                "",
                f"<b>{escape(draft.question)}</b>",
                "",
                escape(draft.answer),
            ]
        )
        rows = [
            [(tr._("✏️ Question"), "faq:d:question"), (tr._("✏️ Answer"), "faq:d:answer")],
            [(tr._("🗂 Topic"), "faq:d:category"), (tr._("🌐 Language"), "faq:d:language")],
            [(tr._("✅ Save"), "faq:ds"), *cancel],
        ]
        await say(update, text, rows)


@guarded
async def new_entry(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    state = await faq_editor.start_new(context.runtime.db, person)
    await show_draft(update, tr, state)


@guarded
async def publish_button(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    assert context.matches
    state = await faq_editor.start_publish(
        context.runtime.db, person, int(context.matches[0].group(1))
    )
    await drop_buttons(update)
    await show_draft(update, tr, state)


@guarded
async def edit_button(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    assert context.matches
    state = await faq_editor.start_edit(
        context.runtime.db, person, int(context.matches[0].group(1))
    )
    await show_draft(update, tr, state)


def _draft_step(change: Callable[[Any, Person, str], Awaitable[DraftState]]) -> Handler:
    """A button that changes one thing of the draft (which part, topic or language)."""

    @guarded
    async def handler(update: Update, context: Context) -> None:
        person, tr = await who(update, context)
        assert context.matches
        state = await change(context.runtime.db, person, context.matches[0].group(1))
        await drop_buttons(update)
        await show_draft(update, tr, state)

    return handler


draft_part = _draft_step(faq_editor.change_draft)
draft_topic = _draft_step(faq_editor.set_draft_category)
draft_language = _draft_step(faq_editor.set_draft_language)


@guarded
async def draft_typed(update: Update, context: Context) -> None:
    """The question or answer typed while a draft waits for it."""
    person, tr = await who(update, context)
    dialog = person.dialog
    message = update.effective_message
    if dialog is None or dialog.step not in ("question", "answer"):
        await say(update, tr._("Please use the buttons above, or press “Cancel”."))
        return
    if message is None or message.text is None:
        await say(update, tr._("Please send it as a text message."))
        return
    state = await faq_editor.draft_text(context.runtime.db, person, message.text)
    await show_draft(update, tr, state)


@guarded
async def save_button(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    entry_id = await faq_editor.save_draft(context.runtime.db, person)
    await drop_buttons(update)
    context.toast = tr._("Saved in the FAQ.")
    view = await faq.entry(context.runtime.db, entry_id, person.language)
    await say(update, tr._("✅ Saved in the FAQ."))
    await show_entry(update, person, tr, view)


# -- deleting -------------------------------------------------------------------------------


@guarded
async def delete_button(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    assert context.matches
    view = await faq_editor.entry_for_staff(
        context.runtime.db, person, int(context.matches[0].group(1))
    )
    text = tr._(
        "Delete this FAQ entry in every language? This cannot be undone.\n\n<b>{question}</b>",
        question=escape(view.question),
    )
    rows = [
        [(tr._("🗑 Yes, delete"), f"faq:dd:{view.id}"), (tr._("No, keep it"), f"faq:e:{view.id}")]
    ]
    await say(update, text, rows)


@guarded
async def delete_confirmed(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    assert context.matches
    await faq_editor.delete_entry(context.runtime.db, person, int(context.matches[0].group(1)))
    await say(update, tr._("The FAQ entry was deleted."), edit=True)


def register(application: Application) -> None:  # type: ignore[type-arg]

    on_input(application, FAQ_ANSWER, answer_typed)
    on_input(application, FAQ_DRAFT, draft_typed)
    topics = "|".join(CATEGORIES)
    languages = "|".join(LANGUAGES)
    application.add_handler(CommandHandler("questions", questions_command))
    application.add_handler(CommandHandler("faqadd", new_entry))
    for handler, pattern in (
        (queue_page, r"^faq:qp:(\d{1,4})$"),
        (answer_button, r"^faq:qa:(\d{1,9})$"),
        (publish_button, r"^faq:pub:(\d{1,9})$"),
        (new_entry, r"^faq:new$"),
        (edit_button, r"^faq:ed:(\d{1,9})$"),
        (delete_button, r"^faq:del:(\d{1,9})$"),
        (delete_confirmed, r"^faq:dd:(\d{1,9})$"),
        (draft_part, r"^faq:d:(question|answer|category|language)$"),
        (draft_topic, rf"^faq:dc:({topics})$"),
        (draft_language, rf"^faq:dl:({languages})$"),
        (save_button, r"^faq:ds$"),
    ):
        application.add_handler(CallbackQueryHandler(handler, pattern=pattern))

"""The FAQ for organisers: the queue of open questions, answering in the chat, turning an
answer into an entry, and adding, editing and deleting entries. Every action is checked
in bot/services/faq.py; the buttons (declared in bot/screens/faq.py) are only a
convenience.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler

from bot.screens.faq import (
    AnswerQuestion,
    ChangeDraft,
    DeleteConfirmed,
    DeleteEntry,
    DraftLanguage,
    DraftTopic,
    EditEntry,
    NewEntry,
    PublishAnswer,
    QueuePage,
    SaveDraft,
    entry_screen,
)
from bot.screens.faq_staff import (
    after_answer_buttons,
    cancel_row,
    delete_screen,
    draft_screen,
    queue_screen,
)
from bot.services import faq, faq_editor, faq_questions
from bot.services.faq import FAQ_ANSWER, FAQ_DRAFT, DraftState
from handlers.common import Context, drop_buttons, guarded, on_input, on_press, say, translator, who

log = logging.getLogger(__name__)


# -- the queue and answers ----------------------------------------------------------------


async def show_queue(update: Update, context: Context, page: int, *, edit: bool = False) -> None:
    person, tr = await who(update, context)
    questions, total, pages = await faq_questions.open_questions(context.runtime.db, person, page)
    page = min(page, pages - 1)
    await say(update, *queue_screen(tr, questions, total, page, pages), edit=edit)


@guarded
async def questions_command(update: Update, context: Context) -> None:
    await show_queue(update, context, 0)


async def queue_page(update: Update, context: Context, press: QueuePage) -> None:
    await show_queue(update, context, press.page, edit=True)


async def answer_button(update: Update, context: Context, press: AnswerQuestion) -> None:
    person, tr = await who(update, context)
    question = await faq_questions.start_answer(context.runtime.db, person, press.question_id)
    text = tr._(
        "Question #{number} from {name}:\n\n<i>{question}</i>\n\n"
        "Type your answer in one message (up to {limit} characters).",
        number=question.id,
        name=escape(question.asker),
        question=escape(question.text),
        limit=faq.ANSWER_LIMIT,
    )
    await say(update, text, [cancel_row(tr)])


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
    await say(update, report, after_answer_buttons(tr, question.id))


# -- drafts: writing an entry step by step -----------------------------------------------


async def show_draft(update: Update, context: Context, state: DraftState) -> None:
    _, tr = await who(update, context)
    await say(update, *draft_screen(tr, state))


@guarded
async def new_entry(update: Update, context: Context) -> None:
    person, _ = await who(update, context)
    state = await faq_editor.start_new(context.runtime.db, person)
    await show_draft(update, context, state)


async def new_entry_button(update: Update, context: Context, press: NewEntry) -> None:
    await new_entry(update, context)


async def publish_button(update: Update, context: Context, press: PublishAnswer) -> None:
    person, _ = await who(update, context)
    state = await faq_editor.start_publish(context.runtime.db, person, press.question_id)
    await drop_buttons(update)
    await show_draft(update, context, state)


async def edit_button(update: Update, context: Context, press: EditEntry) -> None:
    person, _ = await who(update, context)
    state = await faq_editor.start_edit(context.runtime.db, person, press.entry_id)
    await show_draft(update, context, state)


async def draft_part(update: Update, context: Context, press: ChangeDraft) -> None:
    person, _ = await who(update, context)
    state = await faq_editor.change_draft(context.runtime.db, person, press.part.value)
    await drop_buttons(update)
    await show_draft(update, context, state)


async def draft_topic(update: Update, context: Context, press: DraftTopic) -> None:
    person, _ = await who(update, context)
    state = await faq_editor.set_draft_category(context.runtime.db, person, press.topic)
    await drop_buttons(update)
    await show_draft(update, context, state)


async def draft_language(update: Update, context: Context, press: DraftLanguage) -> None:
    person, _ = await who(update, context)
    state = await faq_editor.set_draft_language(context.runtime.db, person, press.language)
    await drop_buttons(update)
    await show_draft(update, context, state)


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
    await show_draft(update, context, state)


async def save_button(update: Update, context: Context, press: SaveDraft) -> None:
    person, tr = await who(update, context)
    entry_id = await faq_editor.save_draft(context.runtime.db, person)
    await drop_buttons(update)
    context.toast = tr._("Saved in the FAQ.")
    view = await faq.entry(context.runtime.db, entry_id, person.language)
    await say(update, tr._("✅ Saved in the FAQ."))
    await say(update, *entry_screen(tr, person, view))


# -- deleting -------------------------------------------------------------------------------


async def delete_button(update: Update, context: Context, press: DeleteEntry) -> None:
    person, tr = await who(update, context)
    view = await faq_editor.entry_for_staff(context.runtime.db, person, press.entry_id)
    await say(update, *delete_screen(tr, view))


async def delete_confirmed(update: Update, context: Context, press: DeleteConfirmed) -> None:
    person, tr = await who(update, context)
    await faq_editor.delete_entry(context.runtime.db, person, press.entry_id)
    await say(update, tr._("The FAQ entry was deleted."), edit=True)


def register(application: Application) -> None:  # type: ignore[type-arg]
    on_input(application, FAQ_ANSWER, answer_typed)
    on_input(application, FAQ_DRAFT, draft_typed)
    application.add_handler(CommandHandler("questions", questions_command))
    application.add_handler(CommandHandler("faqadd", new_entry))
    on_press(application, QueuePage, queue_page)
    on_press(application, AnswerQuestion, answer_button)
    on_press(application, PublishAnswer, publish_button)
    on_press(application, NewEntry, new_entry_button)
    on_press(application, EditEntry, edit_button)
    on_press(application, DeleteEntry, delete_button)
    on_press(application, DeleteConfirmed, delete_confirmed)
    on_press(application, ChangeDraft, draft_part)
    on_press(application, DraftTopic, draft_topic)
    on_press(application, DraftLanguage, draft_language)
    on_press(application, SaveDraft, save_button)

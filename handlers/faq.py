"""The FAQ for everyone: /faq topics and entries, searching by what people type,
"did this help?", asking the organisers, and inline mode (@bot words in any chat).

Its buttons are declared in bot/screens/faq.py. The organisers' side is in
handlers/faq_staff.py.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.logs import pseudonym
from bot.screens.faq import (
    AnswerQuestion,
    Ask,
    Cancel,
    OpenEntry,
    SendSearched,
    TopicPage,
    Topics,
    Vote,
    ask_screen,
    entry_screen,
    matches_screen,
    share_text,
    short,
    topic_screen,
    topics_screen,
)
from bot.services import faq, faq_editor, faq_questions
from bot.services.faq import FAQ_ASK
from bot.services.small_talk import SmallTalk, small_talk
from handlers.common import (
    Context,
    deep_links,
    drop_buttons,
    guarded,
    keyboard,
    on_input,
    on_press,
    say,
    translator,
    who,
)

log = logging.getLogger(__name__)


async def show_topics(update: Update, context: Context, *, edit: bool = False) -> None:
    person, tr = await who(update, context)
    found = await faq.categories(context.runtime.db)
    await say(update, *topics_screen(tr, person, found), edit=edit)


async def show_matches(update: Update, context: Context, text: str) -> None:
    """The best three entries for a typed question, or an offer to ask the organisers."""
    person, tr = await who(update, context)
    chat = small_talk(text)
    if chat is SmallTalk.THANKS:
        await say(update, tr._("You're welcome! Write whenever you have a question."))
        return
    if chat is SmallTalk.GREETING:
        await say(
            update,
            tr._("Hello! Ask me a question in your own words, or send /help to see what I can do."),
        )
        return
    # A question about a training's dates or place: its card answers it best.
    found, named = await faq.answers(
        context.runtime.db, text, person.language, context.runtime.clock()
    )
    await say(update, *matches_screen(tr, text, found, named))
    # After the answer: writes wait their turn in a rush. The person's next update (a press
    # of "Ask the organisers") is handled only after this one, so it finds the search.
    await faq_questions.remember_search(context.runtime.db, person, text, context.runtime.clock())


@guarded
async def faq_command(update: Update, context: Context) -> None:
    words = " ".join(context.args or [])
    if words.strip():
        await show_matches(update, context, words)
    else:
        await show_topics(update, context)


@guarded
async def plain_question(update: Update, context: Context) -> None:
    """A text message in a private chat that no dialog was waiting for: search the FAQ."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await show_matches(update, context, message.text)


async def topics_button(update: Update, context: Context, press: Topics) -> None:
    await show_topics(update, context, edit=True)


async def topic_button(update: Update, context: Context, press: TopicPage) -> None:
    person, tr = await who(update, context)
    db = context.runtime.db
    titles, pages = await faq.entries_in(db, press.topic, person.language, press.page)
    page = min(press.page, pages - 1)
    await say(update, *topic_screen(tr, press.topic, titles, page, pages), edit=True)


async def entry_button(update: Update, context: Context, press: OpenEntry) -> None:
    person, tr = await who(update, context)
    view = await faq.entry(context.runtime.db, press.entry_id, person.language)
    await say(update, *entry_screen(tr, person, view))


async def vote_button(update: Update, context: Context, press: Vote) -> None:
    person, tr = await who(update, context)
    view, changed = await faq.vote(context.runtime.db, person, press.entry_id, press.helpful)
    context.toast = (
        tr._("Thank you for your answer!") if changed else tr._("Your answer is already counted.")
    )
    await say(update, *entry_screen(tr, person, view), edit=True)


async def ask_button_pressed(update: Update, context: Context, press: Ask) -> None:
    person, tr = await who(update, context)
    searched = await faq_questions.start_question(
        context.runtime.db, person, context.runtime.clock()
    )
    await say(update, *ask_screen(tr, searched))


async def send_searched(update: Update, context: Context, press: SendSearched) -> None:
    """ "Send this question": the text the person searched the FAQ for, without retyping."""
    person, _ = await who(update, context)
    question = faq_questions.suggested(person)
    await drop_buttons(update)
    await send_question(update, context, question)


@guarded
async def question_typed(update: Update, context: Context) -> None:
    """The message typed while the ask dialog is open."""
    _, tr = await who(update, context)
    message = update.effective_message
    if message is None or message.text is None:
        await say(update, tr._("Please type your question as a text message."))
        return
    await send_question(update, context, message.text)


async def send_question(update: Update, context: Context, question_text: str) -> None:
    person, tr = await who(update, context)
    settings = context.runtime.settings
    asked = await faq_questions.ask(
        context.runtime.db, person, question_text, settings.admin_ids, settings.default_language
    )
    await say(
        update,
        tr._(
            "✅ Thank you! Your question has been sent to the organisers. "
            "Their answer will come here."
        ),
    )
    question = asked.question
    for recipient in asked.recipients:
        staff = translator(context, recipient.language)
        text = staff._(
            "❓ <b>New question #{number}</b> from {name}:\n\n{question}",
            number=question.id,
            name=escape(question.asker),
            question=escape(question.text),
        )
        answer = [[(staff._("✍️ Answer"), AnswerQuestion(question.id))]]
        try:
            await context.bot.send_message(
                recipient.telegram_id, text, reply_markup=keyboard(answer)
            )
        except TelegramError as error:  # blocked the bot, or gone: the others still hear
            log.info("Could not notify organiser %s: %s", pseudonym(recipient.telegram_id), error)


async def cancel_button(update: Update, context: Context, press: Cancel) -> None:
    person, tr = await who(update, context)
    await faq_editor.cancel_draft(context.runtime.db, person)
    await drop_buttons(update)
    await say(update, tr._("Cancelled. Nothing was changed."))


@guarded
async def inline_query(update: Update, context: Context) -> None:
    """@bot words in any chat: matching entries to post there. No user row is created."""
    query = update.inline_query
    assert query is not None
    settings = context.runtime.settings
    db = context.runtime.db
    language = await faq.viewer_language(
        db, query.from_user.id, query.from_user.language_code, settings.default_language
    )
    tr = translator(context, language)
    found = await faq.inline_entries(db, query.query, language)
    results = [
        InlineQueryResultArticle(
            id=f"faq-{view.id}-{view.language}",
            title=short(view.question, 100),
            description=short(view.answer, 120),
            input_message_content=InputTextMessageContent(
                share_text(view), parse_mode=ParseMode.HTML
            ),
        )
        for view in found
    ]
    button = InlineQueryResultsButton(text=tr._("Open the FAQ in the bot"), start_parameter="faq")
    await query.answer(results, cache_time=30, is_personal=True, button=button)


async def open_from_link(update: Update, context: Context, argument: str) -> None:
    """t.me/<bot>?start=faq (the inline mode's button) opens the topics."""
    await show_topics(update, context)


def register(application: Application) -> None:  # type: ignore[type-arg]
    on_input(application, FAQ_ASK, question_typed)
    deep_links(application)["faq"] = open_from_link
    application.add_handler(CommandHandler("faq", faq_command))
    on_press(application, Topics, topics_button)
    on_press(application, TopicPage, topic_button)
    on_press(application, OpenEntry, entry_button)
    on_press(application, Vote, vote_button)
    on_press(application, Ask, ask_button_pressed)
    on_press(application, SendSearched, send_searched)
    on_press(application, Cancel, cancel_button)
    application.add_handler(InlineQueryHandler(inline_query))


def register_search(application: Application) -> None:  # type: ignore[type-arg]
    """A question typed in a private chat when nothing waits for input: the best FAQ
    answers. Registered after every other feature, so their text handlers come first."""
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, plain_question)
    )

"""The FAQ for everyone: /faq topics and entries, searching by what people type,
"did this help?", asking the organisers, and inline mode (@bot words in any chat).

Callback data: faq:home, faq:c:<topic>:<page>, faq:e:<id>, faq:h:<id>:<1|0>, faq:ask,
faq:x (cancel). The organisers' side is in handlers/faq_staff.py.
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
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
)

from bot.i18n import Translator
from bot.logs import pseudonym
from bot.services import events as events_service
from bot.services import faq, faq_editor, faq_questions
from bot.services.faq import CATEGORIES, FAQ_ASK, EntryTitle, EntryView
from bot.services.small_talk import SmallTalk, small_talk
from bot.services.users import Person, Role
from handlers.common import (
    Buttons,
    Context,
    deep_links,
    drop_buttons,
    guarded,
    keyboard,
    on_input,
    say,
    translator,
    who,
)

log = logging.getLogger(__name__)

LABEL = 60  # characters of a question shown on a button


def short(text: str, limit: int = LABEL) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def topic(tr: Translator, key: str) -> str:
    return tr._(CATEGORIES.get(key, CATEGORIES[faq.DEFAULT_CATEGORY]))


def ask_button(tr: Translator) -> tuple[str, str]:
    return (tr._("✉️ Ask the organisers"), "faq:ask")


def title_rows(titles: list[EntryTitle]) -> list[list[tuple[str, str]]]:
    return [[(short(t.question), f"faq:e:{t.id}")] for t in titles]


def entry_text(tr: Translator, view: EntryView) -> str:
    return "\n".join(
        [
            f"<b>{escape(view.question)}</b>",
            "",
            escape(view.answer),
            "",
            tr._(
                "<i>{topic} · updated {date}</i> · 👍 {helpful} · 👎 {not_helpful}",
                topic=escape(topic(tr, view.category)),
                date=tr.date(view.updated_at),
                helpful=view.helpful,
                not_helpful=view.not_helpful,
            ),
            tr._("<b>Did this help?</b>"),
        ]
    )


def entry_buttons(tr: Translator, person: Person, view: EntryView) -> Buttons:
    rows = [
        [(tr._("👍 Yes"), f"faq:h:{view.id}:1"), (tr._("👎 No"), f"faq:h:{view.id}:0")],
        [(tr._("◀ {topic}", topic=topic(tr, view.category)), f"faq:c:{view.category}:0")],
    ]
    if person.can(Role.ORGANISER):
        rows.append(
            [(tr._("✏️ Edit"), f"faq:ed:{view.id}"), (tr._("🗑 Delete"), f"faq:del:{view.id}")]
        )
    return rows


async def show_entry(
    update: Update, person: Person, tr: Translator, view: EntryView, *, edit: bool = False
) -> None:
    await say(update, entry_text(tr, view), entry_buttons(tr, person, view), edit=edit)


async def show_topics(update: Update, context: Context, *, edit: bool = False) -> None:
    person, tr = await who(update, context)
    found = await faq.categories(context.runtime.db)
    rows: list[list[tuple[str, str]]] = [
        [(f"{topic(tr, key)} ({count})", f"faq:c:{key}:0")] for key, count in found
    ]
    if found:
        text = tr._(
            "<b>Frequently asked questions</b>\n"
            "Choose a topic, or simply type your question in a message."
        )
    else:
        text = tr._("The FAQ is still empty. You can ask the organisers directly.")
    rows.append([ask_button(tr)])
    if person.can(Role.ORGANISER):
        rows.append([(tr._("➕ New entry"), "faq:new"), (tr._("📨 Open questions"), "faq:qp:0")])
    await say(update, text, rows, edit=edit)


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
    found = await faq.search(context.runtime.db, text, person.language)
    # A question about a training's dates or place: its card answers it best.
    named = await events_service.named_in(context.runtime.db, text, context.runtime.clock())
    cards = [[(f"📅 {short(event.title)}", f"ev:{event.event_id}")] for event in named]
    if found or cards:
        message = tr._("<b>Maybe one of these answers your question:</b>")
        rows = [*cards, *title_rows(found), [ask_button(tr)]]
    else:
        message = tr._(
            "I found nothing in the FAQ for “{query}”. You can ask the organisers, "
            "or send /help to see what else I can do.",
            query=escape(short(text)),
        )
        rows = [[ask_button(tr)], [(tr._("📚 All topics"), "faq:home")]]
    await faq_questions.remember_search(context.runtime.db, person, text, context.runtime.clock())
    await say(update, message, rows)


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


@guarded
async def topics_button(update: Update, context: Context) -> None:
    await show_topics(update, context, edit=True)


@guarded
async def topic_button(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    assert context.matches
    key, page = context.matches[0].group(1), int(context.matches[0].group(2))
    titles, pages = await faq.entries_in(context.runtime.db, key, person.language, page)
    rows = title_rows(titles)
    navigation = []
    if page > 0:
        navigation.append(("◀", f"faq:c:{key}:{page - 1}"))
    if page + 1 < pages:
        navigation.append(("▶", f"faq:c:{key}:{page + 1}"))
    if navigation:
        rows.append(navigation)
    rows.append([(tr._("📚 All topics"), "faq:home")])
    text = f"<b>{escape(topic(tr, key))}</b>\n" + (
        tr._("Choose a question:") if titles else tr._("No entries here yet.")
    )
    await say(update, text, rows, edit=True)


@guarded
async def entry_button(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    assert context.matches
    view = await faq.entry(context.runtime.db, int(context.matches[0].group(1)), person.language)
    await show_entry(update, person, tr, view)


@guarded
async def vote_button(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    assert context.matches
    entry_id, helpful = int(context.matches[0].group(1)), context.matches[0].group(2) == "1"
    view, changed = await faq.vote(context.runtime.db, person, entry_id, helpful)
    context.toast = (
        tr._("Thank you for your answer!") if changed else tr._("Your answer is already counted.")
    )
    await show_entry(update, person, tr, view, edit=True)


@guarded
async def ask_button_pressed(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    searched = await faq_questions.start_question(
        context.runtime.db, person, context.runtime.clock()
    )
    if searched:
        text = tr._(
            "Send this question to the organisers?\n\n<i>{question}</i>\n\nOr type another "
            "question in one message. They will answer here in this chat.",
            question=escape(searched),
        )
        rows = [[(tr._("📨 Send this question"), "faq:as")], [(tr._("Cancel"), "faq:x")]]
        await say(update, text, rows)
        return
    text = tr._(
        "Type your question for the organisers in one message (up to {limit} characters). "
        "They will answer here in this chat.",
        limit=faq.QUESTION_LIMIT,
    )
    await say(update, text, [[(tr._("Cancel"), "faq:x")]])


@guarded
async def send_searched(update: Update, context: Context) -> None:
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
        try:
            await context.bot.send_message(
                recipient.telegram_id,
                text,
                reply_markup=keyboard([[(staff._("✍️ Answer"), f"faq:qa:{question.id}")]]),
            )
        except TelegramError as error:  # blocked the bot, or gone: the others still hear
            log.info("Could not notify organiser %s: %s", pseudonym(recipient.telegram_id), error)


@guarded
async def cancel_button(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    await faq_editor.cancel_draft(context.runtime.db, person)
    await drop_buttons(update)
    await say(update, tr._("Cancelled. Nothing was changed."))


def share_text(view: EntryView) -> str:
    return f"<b>{escape(view.question)}</b>\n\n{escape(view.answer)}"


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
    topics = "|".join(CATEGORIES)
    application.add_handler(CommandHandler("faq", faq_command))
    application.add_handler(CallbackQueryHandler(topics_button, pattern=r"^faq:home$"))
    application.add_handler(
        CallbackQueryHandler(topic_button, pattern=rf"^faq:c:({topics}):(\d{{1,4}})$")
    )
    application.add_handler(CallbackQueryHandler(entry_button, pattern=r"^faq:e:(\d{1,9})$"))
    application.add_handler(CallbackQueryHandler(vote_button, pattern=r"^faq:h:(\d{1,9}):([01])$"))
    application.add_handler(CallbackQueryHandler(ask_button_pressed, pattern=r"^faq:ask$"))
    application.add_handler(CallbackQueryHandler(send_searched, pattern=r"^faq:as$"))
    application.add_handler(CallbackQueryHandler(cancel_button, pattern=r"^faq:x$"))
    application.add_handler(InlineQueryHandler(inline_query))
    # Plain text typed in a private chat is searched by handlers/fallback.py, last, so that
    # any other feature's text handler comes first.

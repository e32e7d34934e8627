"""The FAQ: its buttons (everyone's and the organisers'), topics, entries and search results.

The organisers' queue and entry drafts are drawn in bot/screens/faq_staff.py.
"""

from __future__ import annotations

from enum import StrEnum
from html import escape

from bot.buttons import Button, button
from bot.i18n import Translator
from bot.screens.events import OpenCard
from bot.screens.keyboard import Data, Row, Rows
from bot.services import faq
from bot.services.events import TitleMatch
from bot.services.faq import CATEGORIES, EntryTitle, EntryView
from bot.services.users import Person, Role

LABEL = 60  # characters of a question shown on a button

# -- everyone's buttons --------------------------------------------------------------------


@button("faq:home")
class Topics(Button):
    pass


@button("faq:c")
class TopicPage(Button):
    topic: str  # a key of CATEGORIES; the service checks it
    page: int


@button("faq:e")
class OpenEntry(Button):
    entry_id: int


@button("faq:h")
class Vote(Button):
    entry_id: int
    helpful: bool


@button("faq:ask")
class Ask(Button):
    pass


@button("faq:as")
class SendSearched(Button):
    """Send the text the person searched the FAQ for as their question."""


@button("faq:x")
class Cancel(Button):
    """Leave a question, an answer or an entry draft without changing anything."""


# -- the organisers' buttons ---------------------------------------------------------------


@button("faq:qp")
class QueuePage(Button):
    page: int


@button("faq:qa")
class AnswerQuestion(Button):
    question_id: int


@button("faq:pub")
class PublishAnswer(Button):
    """Turn an answered question into an FAQ entry."""

    question_id: int


@button("faq:new")
class NewEntry(Button):
    pass


@button("faq:ed")
class EditEntry(Button):
    entry_id: int


@button("faq:del")
class DeleteEntry(Button):
    entry_id: int


@button("faq:dd")
class DeleteConfirmed(Button):
    entry_id: int


class DraftPart(StrEnum):
    QUESTION = "question"
    ANSWER = "answer"
    CATEGORY = "category"
    LANGUAGE = "language"


@button("faq:d")
class ChangeDraft(Button):
    part: DraftPart


@button("faq:dc")
class DraftTopic(Button):
    topic: str  # a key of CATEGORIES; the service checks it


@button("faq:dl")
class DraftLanguage(Button):
    language: str  # the service checks it is one of LANGUAGES


@button("faq:ds")
class SaveDraft(Button):
    pass


# -- screens -------------------------------------------------------------------------------


def short(text: str, limit: int = LABEL) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def topic(tr: Translator, key: str) -> str:
    return tr._(CATEGORIES.get(key, CATEGORIES[faq.DEFAULT_CATEGORY]))


def ask_button(tr: Translator) -> tuple[str, Data]:
    return (tr._("✉️ Ask the organisers"), Ask())


def title_rows(titles: list[EntryTitle]) -> list[Row]:
    return [[(short(t.question), OpenEntry(t.id))] for t in titles]


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


def entry_buttons(tr: Translator, person: Person, view: EntryView) -> Rows:
    rows: list[Row] = [
        [(tr._("👍 Yes"), Vote(view.id, True)), (tr._("👎 No"), Vote(view.id, False))],
        [(tr._("◀ {topic}", topic=topic(tr, view.category)), TopicPage(view.category, 0))],
    ]
    if person.can(Role.ORGANISER):
        rows.append(
            [(tr._("✏️ Edit"), EditEntry(view.id)), (tr._("🗑 Delete"), DeleteEntry(view.id))]
        )
    return rows


def entry_screen(tr: Translator, person: Person, view: EntryView) -> tuple[str, Rows]:
    return entry_text(tr, view), entry_buttons(tr, person, view)


def topics_screen(tr: Translator, person: Person, found: list[tuple[str, int]]) -> tuple[str, Rows]:
    """The topics that have entries, with how many each has."""
    rows: list[Row] = [[(f"{topic(tr, key)} ({count})", TopicPage(key, 0))] for key, count in found]
    if found:
        text = tr._(
            "<b>Frequently asked questions</b>\n"
            "Choose a topic, or simply type your question in a message."
        )
    else:
        text = tr._("The FAQ is still empty. You can ask the organisers directly.")
    rows.append([ask_button(tr)])
    if person.can(Role.ORGANISER):
        rows.append([(tr._("➕ New entry"), NewEntry()), (tr._("📨 Open questions"), QueuePage(0))])
    return text, rows


def topic_screen(
    tr: Translator, key: str, titles: list[EntryTitle], page: int, pages: int
) -> tuple[str, Rows]:
    """One page of a topic's questions."""
    rows = title_rows(titles)
    navigation: list[tuple[str, Data]] = []
    if page > 0:
        navigation.append(("◀", TopicPage(key, page - 1)))
    if page + 1 < pages:
        navigation.append(("▶", TopicPage(key, page + 1)))
    if navigation:
        rows.append(navigation)
    rows.append([(tr._("📚 All topics"), Topics())])
    text = f"<b>{escape(topic(tr, key))}</b>\n" + (
        tr._("Choose a question:") if titles else tr._("No entries here yet.")
    )
    return text, rows


def matches_screen(
    tr: Translator, text: str, found: list[EntryTitle], named: list[TitleMatch]
) -> tuple[str, Rows]:
    """The best answers for a typed question (and the trainings it names), or an offer
    to ask the organisers."""
    cards: list[Row] = [[(f"📅 {short(event.title)}", OpenCard(event.event_id))] for event in named]
    if found or cards:
        message = tr._("<b>Maybe one of these answers your question:</b>")
        return message, [*cards, *title_rows(found), [ask_button(tr)]]
    message = tr._(
        "I found nothing in the FAQ for “{query}”. You can ask the organisers, "
        "or send /help to see what else I can do.",
        query=escape(short(text)),
    )
    return message, [[ask_button(tr)], [(tr._("📚 All topics"), Topics())]]


def ask_screen(tr: Translator, searched: str | None) -> tuple[str, Rows]:
    """Asking the organisers: send what was searched, or type the question."""
    cancel = [(tr._("Cancel"), Cancel())]
    if searched:
        text = tr._(
            "Send this question to the organisers?\n\n<i>{question}</i>\n\nOr type another "
            "question in one message. They will answer here in this chat.",
            question=escape(searched),
        )
        return text, [[(tr._("📨 Send this question"), SendSearched())], cancel]
    text = tr._(
        "Type your question for the organisers in one message (up to {limit} characters). "
        "They will answer here in this chat.",
        limit=faq.QUESTION_LIMIT,
    )
    return text, [cancel]


def share_text(view: EntryView) -> str:
    return f"<b>{escape(view.question)}</b>\n\n{escape(view.answer)}"

"""The FAQ for organisers: the queue of open questions, answers and entry drafts."""

from __future__ import annotations

from html import escape

from bot.config import LANGUAGES
from bot.i18n import LANGUAGE_NAMES, N_, Translator
from bot.screens.faq import (
    AnswerQuestion,
    Cancel,
    ChangeDraft,
    DeleteConfirmed,
    DraftLanguage,
    DraftPart,
    DraftTopic,
    OpenEntry,
    PublishAnswer,
    QueuePage,
    SaveDraft,
    short,
    topic,
)
from bot.screens.keyboard import Data, Row, Rows
from bot.services import faq
from bot.services.faq import CATEGORIES, DraftState, EntryView, QuestionView

# "(latviski, līdz 500 rakstzīmēm)": the language a text is written in, as an adverb.
WRITTEN_IN = {"lv": N_("in Latvian"), "en": N_("in English"), "ru": N_("in Russian")}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)  # type: ignore[call-overload]


def written_in(tr: Translator, code: str) -> str:
    return tr._(WRITTEN_IN[code]) if code in WRITTEN_IN else code


def cancel_row(tr: Translator) -> Row:
    return [(tr._("Cancel"), Cancel())]


def queue_screen(
    tr: Translator, questions: list[QuestionView], total: int, page: int, pages: int
) -> tuple[str, Rows]:
    if not questions:
        return tr._("No open questions. 🎉"), []
    lines = [tr._("<b>Open questions: {count}</b>", count=total)]
    for question in questions:
        lines.append(
            f"\n<b>#{question.id}</b> · {escape(question.asker)} · "
            f"{tr.datetime(question.created_at)}\n{escape(short(question.text, 300))}"
        )
    rows: list[Row] = [
        [(tr._("✍️ Answer #{number}", number=q.id), AnswerQuestion(q.id))] for q in questions
    ]
    navigation: list[tuple[str, Data]] = []
    if page > 0:
        navigation.append(("◀", QueuePage(page - 1)))
    if page + 1 < pages:
        navigation.append(("▶", QueuePage(page + 1)))
    if navigation:
        rows.append(navigation)
    return "\n".join(lines), rows


def after_answer_buttons(tr: Translator, question_id: int) -> Rows:
    return [
        [(tr._("📚 Add to the FAQ"), PublishAnswer(question_id))],
        [(tr._("📨 Open questions"), QueuePage(0))],
    ]


def draft_screen(tr: Translator, state: DraftState) -> tuple[str, Rows]:
    """The next thing an entry draft needs, or the whole draft to check and save."""
    draft, cancel = state.draft, cancel_row(tr)
    if state.step == "category":
        rows: list[Row] = [[(tr._(label), DraftTopic(key))] for key, label in CATEGORIES.items()]
        return tr._("Choose the topic of the FAQ entry:"), [*rows, cancel]
    if state.step == "language":
        rows = [[(language_name(code), DraftLanguage(code)) for code in LANGUAGES]]
        return tr._("Which language is this version in?"), [*rows, cancel]
    if state.step in ("question", "answer"):
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
        return ask, [cancel]
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
        [
            (tr._("✏️ Question"), ChangeDraft(DraftPart.QUESTION)),
            (tr._("✏️ Answer"), ChangeDraft(DraftPart.ANSWER)),
        ],
        [
            (tr._("🗂 Topic"), ChangeDraft(DraftPart.CATEGORY)),
            (tr._("🌐 Language"), ChangeDraft(DraftPart.LANGUAGE)),
        ],
        [(tr._("✅ Save"), SaveDraft()), *cancel],
    ]
    return text, rows


def delete_screen(tr: Translator, view: EntryView) -> tuple[str, Rows]:
    text = tr._(
        "Delete this FAQ entry in every language? This cannot be undone.\n\n<b>{question}</b>",
        question=escape(view.question),
    )
    yes, no = (
        (tr._("🗑 Yes, delete"), DeleteConfirmed(view.id)),
        (tr._("No, keep it"), OpenEntry(view.id)),
    )
    return text, [[yes, no]]

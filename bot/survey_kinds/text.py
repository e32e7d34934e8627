"""A free text of at most LIMIT characters, typed in one message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import N_, Translator
from bot.screens.text import shorten
from bot.services.errors import InvalidInput, Stale
from bot.services.exports import Cell
from bot.survey_kinds.base import Answer, AnswerRows, QuestionKind, Tally

if TYPE_CHECKING:
    from bot.services.survey_templates import QuestionView

LIMIT = 1000
SHOWN = 300  # characters of the answer shown back to its author


class TooLong(InvalidInput):
    message = N_(
        "Your answer has {length} characters; please shorten it to at most {limit}. "
        "Nothing was saved."
    )


class Text(QuestionKind):
    name = "text"
    order = 30
    label = N_("free text")
    add_label = N_("➕ Text")
    typed = True

    def ask(
        self, tr: Translator, question: QuestionView, current: Answer | None
    ) -> tuple[list[str], AnswerRows]:
        return [
            tr._("Type your answer in one message (up to {limit} characters).", limit=LIMIT)
        ], []

    def check(self, question: QuestionView, value: int | None, text: str | None) -> Answer:
        if text is None:
            raise Stale()
        cleaned = text.strip()
        if not cleaned:
            raise InvalidInput(N_("Please type your answer as a text message."))
        if len(cleaned) > LIMIT:
            raise TooLong(length=len(cleaned), limit=LIMIT)
        return Answer(None, cleaned)

    def draft_room(self, question: QuestionView) -> int:
        return LIMIT * 6  # a typed character takes at most 6 bytes in JSON

    def shown(self, tr: Translator, question: QuestionView, given: Answer) -> str:
        return shorten(given.text or "", SHOWN)

    def summary(self, tr: Translator, question: QuestionView, tally: Tally) -> list[str]:
        return [tr.ngettext("{count} written answer", "{count} written answers", tally.answered)]

    def cell(self, tr: Translator, question: QuestionView, given: Answer) -> Cell:
        return given.text


KIND = Text()

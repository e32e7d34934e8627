"""One choice out of the organiser's 2 to 6 options, one button per line."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from bot.i18n import N_, Translator
from bot.screens.text import shorten
from bot.services.exports import Cell
from bot.services.survey_chart import Bars
from bot.survey_kinds.base import Answer, AnswerRows, QuestionKind, Tally, counted

if TYPE_CHECKING:
    from bot.services.survey_templates import QuestionView

OPTION_IN_SUMMARY = 40  # characters of an option in the results message


class Choice(QuestionKind):
    name = "choice"
    order = 20
    label = N_("choice")
    add_label = N_("➕ Choice")
    has_options = True

    def values(self, question: QuestionView) -> range:
        return range(len(question.options))

    def ask(
        self, tr: Translator, question: QuestionView, current: Answer | None
    ) -> tuple[list[str], AnswerRows]:
        chosen = current.value if current else None
        rows = []
        for i in self.values(question):
            label = question.option(i, tr.language)
            rows.append([(f"✓ {label}" if i == chosen else label, i)])
        return [], rows

    def shown(self, tr: Translator, question: QuestionView, given: Answer) -> str:
        assert given.value is not None
        return question.option(given.value, tr.language)

    def summary(self, tr: Translator, question: QuestionView, tally: Tally) -> list[str]:
        counts = counted(self.values(question), tally)
        total = sum(counts) or 1
        lines = []
        for i, count in enumerate(counts):
            label = question.option(i, tr.language)
            share = f"{tr.number(round(count / total * 100))}%"
            lines.append(f"• {escape(shorten(label, OPTION_IN_SUMMARY))}: {count} ({share})")
        return lines

    def bars(self, tr: Translator, question: QuestionView, tally: Tally, title: str) -> Bars:
        values = self.values(question)
        labels = [question.option(i, tr.language) for i in values]
        return Bars(title, labels, counted(values, tally))

    def cell(self, tr: Translator, question: QuestionView, given: Answer) -> Cell:
        return self.shown(tr, question, given)


KIND = Choice()

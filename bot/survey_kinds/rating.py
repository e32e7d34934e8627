"""A rating from 1 (lowest) to 5 (highest), answered with five buttons in one row."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import N_, Translator
from bot.services.survey_chart import Bars
from bot.survey_kinds.base import Answer, AnswerRows, QuestionKind, Tally, counted, mean_of

if TYPE_CHECKING:
    from bot.services.survey_templates import QuestionView

LOWEST, HIGHEST = 1, 5
VALUES = range(LOWEST, HIGHEST + 1)


class Rating(QuestionKind):
    name = "rating"
    order = 10
    label = N_("rating 1-5")
    add_label = N_("➕ Rating")
    trend = True

    def values(self, question: QuestionView) -> range:
        return VALUES

    def ask(
        self, tr: Translator, question: QuestionView, current: Answer | None
    ) -> tuple[list[str], AnswerRows]:
        chosen = current.value if current else None
        row = [(f"{v} ✓" if v == chosen else str(v), v) for v in VALUES]
        return [tr._("1 = lowest, 5 = highest")], [row]

    def shown(self, tr: Translator, question: QuestionView, given: Answer) -> str:
        return f"{given.value}/{HIGHEST}"

    def mean(self, tally: Tally) -> float | None:
        return mean_of({v: c for v, c in tally.counts.items() if v in VALUES})

    def summary(self, tr: Translator, question: QuestionView, tally: Tally) -> list[str]:
        mean = self.mean(tally)
        if mean is None:
            return [tr._("No answers yet.")]
        return [
            tr.ngettext(
                "Mean {mean} of {top} ({count} answer)",
                "Mean {mean} of {top} ({count} answers)",
                tally.answered,
                mean=tr.number(round(mean, 1)),
                top=HIGHEST,
            ),
            " · ".join(f"{v}★ {c}" for v, c in zip(VALUES, counted(VALUES, tally), strict=True)),
        ]

    def bars(self, tr: Translator, question: QuestionView, tally: Tally, title: str) -> Bars:
        mean = self.mean(tally)
        note = (
            tr.ngettext(
                "mean {mean} · {count} answer",
                "mean {mean} · {count} answers",
                tally.answered,
                mean=tr.number(round(mean, 1)),
            )
            if mean is not None
            else tr._("No answers yet.")
        )
        return Bars(title, [str(v) for v in VALUES], counted(VALUES, tally), note)


KIND = Rating()

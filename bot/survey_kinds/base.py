"""What every survey question kind declares: how it is asked, how an answer is checked,
shown back, summarised, charted and exported. One module per kind in this package."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from bot.i18n import N_, Translator
from bot.services.errors import InvalidInput
from bot.services.exports import Cell
from bot.services.survey_chart import Bars

if TYPE_CHECKING:
    from bot.services.survey_templates import QuestionView

# Labels of answer buttons, in rows: (label, the answer's value).
AnswerRows = list[list[tuple[str, int]]]


@dataclass(frozen=True)
class Answer:
    """One answer: a button's value, a typed text, or neither (skipped)."""

    value: int | None
    text: str | None

    @property
    def skipped(self) -> bool:
        return self.value is None and self.text is None


@dataclass(frozen=True)
class Tally:
    """The answers to one question, as the results count them."""

    counts: dict[int, int]  # button kinds: value -> how many chose it
    texts: tuple[str, ...] = ()  # typed kinds: the answers, in their shown order

    @property
    def answered(self) -> int:
        return sum(self.counts.values()) + len(self.texts)


def mean_of(counts: dict[int, int]) -> float | None:
    total = sum(counts.values())
    return sum(value * count for value, count in counts.items()) / total if total else None


class QuestionKind:
    """The base: a question answered with one button out of `values`."""

    name: ClassVar[str]  # stored in survey_questions.kind
    order: ClassVar[int]  # place among the builder's "add a question" buttons
    label: ClassVar[str]  # N_ text: the kind in a template's question list
    add_label: ClassVar[str]  # N_ text: the builder's "add a question" button
    has_options: ClassVar[bool] = False  # the organiser types options after the question
    typed: ClassVar[bool] = False  # answered by typing, not with buttons
    trend: ClassVar[bool] = False  # its mean is drawn session by session

    # -- asking and answering --------------------------------------------------------

    def values(self, question: QuestionView) -> Sequence[int]:
        return ()

    def ask(
        self, tr: Translator, question: QuestionView, current: Answer | None
    ) -> tuple[list[str], AnswerRows]:
        """Lines under the question and its answer buttons."""
        raise NotImplementedError

    def check(self, question: QuestionView, value: int | None, text: str | None) -> Answer:
        """What a press or a typed text means for this question; refuses anything else."""
        if text is not None:
            raise InvalidInput(N_("Please answer this question with the buttons."))
        if value is None or value not in self.values(question):
            raise InvalidInput(N_("That is not one of this question's answers."))
        return Answer(value, None)

    def draft_room(self, question: QuestionView) -> int:
        """Bytes an answer may take in a sealed draft beyond the fixed share per question."""
        return 0

    def shown(self, tr: Translator, question: QuestionView, given: Answer) -> str:
        """An answer shown back to the person who gave it (plain text, not escaped)."""
        return str(given.value)

    # -- results -----------------------------------------------------------------------

    def mean(self, tally: Tally) -> float | None:
        return None

    def summary(self, tr: Translator, question: QuestionView, tally: Tally) -> list[str]:
        """Lines of the results message (HTML-escaped)."""
        raise NotImplementedError

    def bars(self, tr: Translator, question: QuestionView, tally: Tally, title: str) -> Bars | None:
        return None

    def cell(self, tr: Translator, question: QuestionView, given: Answer) -> Cell:
        """An answer (not skipped) in the CSV/XLSX export."""
        return given.value


def counted(values: Sequence[int], tally: Tally) -> list[int]:
    return [tally.counts.get(value, 0) for value in values]

"""A scale from 0 to 10, the way the Net Promoter Score asks "How likely are you to
recommend...?". Eleven buttons in two rows, so they stay wide enough on a phone. The
results add the NPS: the share of 9s and 10s (promoters) minus the share of 0 to 6
(detractors), from -100 to +100."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import N_, Translator
from bot.services.survey_chart import Bars
from bot.survey_kinds.base import Answer, AnswerRows, QuestionKind, Tally, counted, mean_of

if TYPE_CHECKING:
    from bot.services.survey_templates import QuestionView

LOWEST, HIGHEST = 0, 10
VALUES = range(LOWEST, HIGHEST + 1)
ROWS = (range(0, 6), range(6, 11))
PROMOTERS, DETRACTORS = range(9, 11), range(0, 7)


def net_promoter_score(tally: Tally) -> tuple[int, int, int] | None:
    """(NPS, % promoters, % detractors), each rounded; None without answers."""
    total = sum(tally.counts.get(v, 0) for v in VALUES)
    if not total:
        return None
    promoters = sum(tally.counts.get(v, 0) for v in PROMOTERS) * 100 / total
    detractors = sum(tally.counts.get(v, 0) for v in DETRACTORS) * 100 / total
    return round(promoters - detractors), round(promoters), round(detractors)


class Scale10(QuestionKind):
    name = "scale10"
    order = 15
    label = N_("scale 0-10")
    add_label = N_("➕ Scale 0-10")

    def values(self, question: QuestionView) -> range:
        return VALUES

    def ask(
        self, tr: Translator, question: QuestionView, current: Answer | None
    ) -> tuple[list[str], AnswerRows]:
        chosen = current.value if current else None
        rows = [[(f"{v} ✓" if v == chosen else str(v), v) for v in row] for row in ROWS]
        return [tr._("0 = lowest, 10 = highest")], rows

    def shown(self, tr: Translator, question: QuestionView, given: Answer) -> str:
        return f"{given.value}/{HIGHEST}"

    def mean(self, tally: Tally) -> float | None:
        return mean_of({v: c for v, c in tally.counts.items() if v in VALUES})

    def summary(self, tr: Translator, question: QuestionView, tally: Tally) -> list[str]:
        mean, nps = self.mean(tally), net_promoter_score(tally)
        if mean is None or nps is None:
            return [tr._("No answers yet.")]
        score, promoters, detractors = nps
        return [
            tr.ngettext(
                "Mean {mean} of {top} ({count} answer)",
                "Mean {mean} of {top} ({count} answers)",
                tally.answered,
                mean=tr.number(round(mean, 1)),
                top=HIGHEST,
            ),
            tr._(
                "NPS {score} (promoters, 9–10: {promoters}%; detractors, 0–6: {detractors}%)",
                score=f"{score:+d}" if score else "0",
                promoters=promoters,
                detractors=detractors,
            ),
            " · ".join(f"{v}: {c}" for v, c in zip(VALUES, counted(VALUES, tally), strict=True)),
        ]

    def bars(self, tr: Translator, question: QuestionView, tally: Tally, title: str) -> Bars:
        nps = net_promoter_score(tally)
        note = (
            tr.ngettext(
                "NPS {score} · {count} answer",
                "NPS {score} · {count} answers",
                tally.answered,
                score=f"{nps[0]:+d}" if nps[0] else "0",
            )
            if nps is not None
            else tr._("No answers yet.")
        )
        return Bars(title, [str(v) for v in VALUES], counted(VALUES, tally), note)


KIND = Scale10()

"""Question kinds: every kind fits the schema and the answer buttons, and the 0-10 scale's
NPS reads the way the Net Promoter Score is defined."""

from __future__ import annotations

import re

from bot.screens.surveys import AnswerPress, answer_code
from bot.services.survey_templates import QuestionView
from bot.survey_kinds import KINDS, Tally
from bot.survey_kinds.scale10 import net_promoter_score
from storage.models import SurveyQuestion

OPTIONS = tuple({"en": f"Option {i}"} for i in range(6))


def question(kind: str) -> QuestionView:
    return QuestionView(1, 0, kind, True, {"en": "Q"}, OPTIONS if KINDS[kind].has_options else ())


def test_every_kind_fits_the_column_and_its_answers_fit_a_button() -> None:
    assert list(KINDS) == ["rating", "scale10", "choice", "text"]  # the builder's order
    width = SurveyQuestion.__table__.c.kind.type.length
    for name, kind in KINDS.items():
        assert len(name) <= width and re.fullmatch(r"[a-z0-9_]+", name)
        for value in kind.values(question(name)):
            press = AnswerPress(7, 8, 9, answer_code(value))
            assert AnswerPress.parse(press.pack()) == press
            assert press.reply().value == value


def test_the_nps_is_promoters_minus_detractors() -> None:
    assert net_promoter_score(Tally({})) is None
    assert net_promoter_score(Tally({0: 2, 6: 1})) == (-100, 0, 100)
    assert net_promoter_score(Tally({7: 3, 8: 1})) == (0, 0, 0)  # passives only
    assert net_promoter_score(Tally({10: 1, 9: 1, 8: 1, 3: 1})) == (25, 50, 25)

"""Answering a survey: its buttons, the question and thank-you screens, and the lines of
the invitation and the nudge.

Buttons sent before anonymous drafts were sealed end in ":<token>" (16 characters), which
is ignored: the `token` fields below only let those old buttons keep working.
"""

from __future__ import annotations

import enum
from html import escape

from bot.buttons import Button, button
from bot.i18n import N_, Translator
from bot.services.survey_templates import DEFAULT_KEY, DEFAULT_NAME
from bot.services.surveys import Invitation, Reply, Step, SurveyMode, Target
from bot.survey_kinds import Answer, kind_of

Rows = list[list[tuple[str, str]]]

MODE_NAMES = {
    SurveyMode.AFTER_EACH_SESSION: N_("after each session"),
    SurveyMode.AFTER_LAST: N_("once, after the last session"),
}


def template_name(tr: Translator, name: str, key: str | None) -> str:
    return tr._(DEFAULT_NAME) if key == DEFAULT_KEY else name


# What an answer button carries: a value from 0 to 99 (the kind says which it offers) or
# "s" to skip, as in every survey message already sent.
AnswerCode = enum.StrEnum(  # type: ignore[misc]
    "AnswerCode", [(f"V{value}", str(value)) for value in range(100)] + [("SKIP", "s")]
)
SKIP = AnswerCode("s")


def answer_code(value: int) -> AnswerCode:
    return AnswerCode(str(value))


@button("svs")
class StartSurvey(Button):
    """Start, continue or change the answers."""

    survey_id: int
    session_id: int
    token: str | None = None


@button("sva")
class AnswerPress(Button):
    """An answer button: a value the question's kind offers, or a skip."""

    survey_id: int
    session_id: int
    question_id: int
    answer: AnswerCode
    token: str | None = None

    def reply(self) -> Reply:
        if self.answer == SKIP:
            return Reply(self.survey_id, self.session_id, self.question_id, skip=True)
        value = int(self.answer.value)
        return Reply(self.survey_id, self.session_id, self.question_id, value=value)


@button("svg")
class GoToQuestion(Button):
    """Back or next: question number `index` (from 0)."""

    survey_id: int
    session_id: int
    index: int
    token: str | None = None


SURVEY_BUTTONS = tuple(f"{kind.prefix}:" for kind in (StartSurvey, AnswerPress, GoToQuestion))


def start_data(target: Target) -> str:
    return StartSurvey(target.survey.id, target.session.id).pack()


def session_text(tr: Translator, target: Target) -> str:
    return tr._(
        "session {number}, {date}",
        number=target.number,
        date=tr.short_date(target.session.starts_at),
    )


def answer_text(tr: Translator, step: Step, index: int, given: Answer) -> str:
    question = step.questions[index]
    if given.skipped:
        return tr._("skipped")
    return escape(kind_of(question.kind).shown(tr, question, given))


def question_screen(tr: Translator, step: Step) -> tuple[str, Rows]:
    target, question, index = step.target, step.question, step.index
    survey_id, session_id = target.survey.id, target.session.id
    lines = [
        f"📝 <b>{escape(target.event.title)}</b>, {session_text(tr, target)}",
        tr._("Question {number} of {total}", number=index + 1, total=len(step.questions)),
        "",
        f"<b>{escape(question.text(tr.language))}</b>",
    ]
    current = step.current
    hints, answers = kind_of(question.kind).ask(tr, question, current)
    lines += hints
    rows: Rows = [
        [
            (label, AnswerPress(survey_id, session_id, question.id, answer_code(value)).pack())
            for label, value in row
        ]
        for row in answers
    ]
    if current is not None:
        lines += ["", tr._("Your answer: {answer}", answer=answer_text(tr, step, index, current))]
    navigation = []
    if index > 0:
        navigation.append((tr._("◀ Back"), GoToQuestion(survey_id, session_id, index - 1).pack()))
    if not question.required:
        skip = AnswerPress(survey_id, session_id, question.id, SKIP)
        navigation.append((tr._("⏭ Skip"), skip.pack()))
    if current is not None:
        navigation.append((tr._("➡ Next"), GoToQuestion(survey_id, session_id, index + 1).pack()))
    if navigation:
        rows.append(navigation)
    return "\n".join(lines), rows


def thanks_screen(tr: Translator, step: Step) -> tuple[str, Rows]:
    target = step.target
    lines = [
        tr._(
            "✅ Thank you! Your answers about <b>{title}</b> are saved.",
            title=escape(target.event.title),
        ),
    ]
    if target.survey.anonymous:
        lines.append(
            tr._("The survey is anonymous: the organisers see that you answered, not what.")
        )
    lines.append(
        tr._("You can change your answers until {when}.", when=tr.until_datetime(target.closes_at))
    )
    return "\n".join(lines), [[(tr._("✏️ Change my answers"), start_data(target))]]


def step_screen(tr: Translator, step: Step) -> tuple[str, Rows]:
    return thanks_screen(tr, step) if step.finished else question_screen(tr, step)


def invitation_lines(tr: Translator, invitation: Invitation) -> list[str]:
    target = invitation.target
    lines = [
        tr.ngettext(
            "How was <b>{title}</b> ({session})? {count} short question, under a minute.",
            "How was <b>{title}</b> ({session})? {count} short questions, under a minute.",
            invitation.questions,
            session=session_text(tr, target),
            title=escape(target.event.title),
        )
    ]
    if target.survey.anonymous:
        lines.append(
            tr._("The survey is anonymous: the organisers see that you answered, not what.")
        )
    lines.append(tr._("Open until {when}.", when=tr.until_datetime(target.closes_at)))
    return lines

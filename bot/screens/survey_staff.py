"""Surveys for staff: the buttons and screens of an event's surveys (attach a template,
timing, remove) and of building templates in the chat."""

from __future__ import annotations

import enum
from html import escape

from bot.buttons import Button, button
from bot.i18n import Translator
from bot.screens.event_staff import Manage
from bot.screens.survey_results import ResultsView
from bot.screens.surveys import MODE_NAMES, template_name
from bot.screens.text import shorten
from bot.services.events import EventView
from bot.services.survey_templates import TemplateView
from bot.services.surveys import DELAYS, OPEN_DAYS, EventSurveyView, SurveyMode
from bot.survey_kinds import KINDS, kind_of

Rows = list[list[tuple[str, str]]]


class Mode(enum.StrEnum):
    """When the survey goes out, as its buttons carry it."""

    EACH = "e"
    LAST = "l"


MODE_CODES = {Mode.EACH: SurveyMode.AFTER_EACH_SESSION, Mode.LAST: SurveyMode.AFTER_LAST}


@button("svo")
class EventSurveys(Button):
    event_id: int


@button("svn")
class PickTemplate(Button):
    event_id: int


@button("svt")
class PickMode(Button):
    event_id: int
    template_id: int


@button("svm")
class PickAnonymity(Button):
    event_id: int
    template_id: int
    mode: Mode


@button("svc")
class AttachSurvey(Button):
    event_id: int
    template_id: int
    mode: Mode
    anonymous: bool


@button("svd")
class SetDelay(Button):
    survey_id: int
    minutes: int


@button("svp")
class SetOpenDays(Button):
    survey_id: int
    days: int


@button("svx")
class RemoveSurvey(Button):
    survey_id: int


@button("tpl:l")
class Templates(Button):
    pass


@button("tpl:n")
class NewTemplate(Button):
    pass


@button("tpl:v")
class ViewTemplate(Button):
    template_id: int


@button("tpl:q")
class AddQuestion(Button):
    template_id: int
    kind: str  # a name in bot.survey_kinds.KINDS


@button("tpl:r")
class QuestionRequired(Button):
    template_id: int
    required: bool


@button("tpl:x")
class CancelBuilder(Button):
    pass


def survey_line(tr: Translator, number: int, survey: EventSurveyView) -> str:
    kind = tr._("anonymous") if survey.anonymous else tr._("named")
    values = {
        "number": number,
        "name": escape(template_name(tr, survey.template_name, survey.template_key)),
        "mode": tr._(MODE_NAMES[survey.mode]),
        "kind": kind,
        "open": tr.ngettext("open for {count} day", "open for {count} days", survey.open_days),
    }
    if survey.delay_minutes == 0:
        return tr._(
            "{number}. <b>{name}</b>: {mode}, {kind}; sent right after the end, {open}", **values
        )
    return tr._(
        "{number}. <b>{name}</b>: {mode}, {kind}; sent {delay} after the end, {open}",
        delay=tr.duration(survey.delay_minutes),
        **values,
    )


def _next(values: tuple[int, ...], current: int) -> int:
    return values[(values.index(current) + 1) % len(values)] if current in values else values[0]


def event_surveys_screen(
    tr: Translator,
    event: EventView,
    found: list[EventSurveyView],
    manage: bool,
) -> tuple[str, Rows]:
    lines = [tr._("📝 <b>Surveys: {title}</b>", title=escape(event.title))]
    rows: Rows = []
    if not found:
        lines.append(tr._("No survey is attached to this event yet."))
    for number, survey in enumerate(found, 1):
        lines.append(survey_line(tr, number, survey))
        row = [(tr._("📊 Results {number}", number=number), ResultsView(survey.id, 0).pack())]
        if manage:
            delay = SetDelay(survey.id, _next(DELAYS, survey.delay_minutes))
            days = SetOpenDays(survey.id, _next(OPEN_DAYS, survey.open_days))
            rows.append(
                [
                    (tr._("⏱ {minutes} min", minutes=survey.delay_minutes), delay.pack()),
                    (
                        tr.ngettext("📅 {count} day", "📅 {count} days", survey.open_days),
                        days.pack(),
                    ),
                    (tr._("🗑 Remove {number}", number=number), RemoveSurvey(survey.id).pack()),
                ]
            )
        rows.append(row)
    if manage:
        lines.append("")
        lines.append(
            tr._(
                "A survey goes to those present at a session (or to everyone registered when "
                "no attendance was taken), with one reminder after 24 hours."
            )
        )
        rows.append([(tr._("➕ Add a survey"), PickTemplate(event.id).pack())])
        rows.append([(tr._("🧩 Templates"), Templates().pack())])
    rows.append([(tr._("◀ Back"), Manage(event.id).pack())])
    return "\n".join(lines), rows


def templates_to_pick(tr: Translator, event_id: int, found: list[TemplateView]) -> Rows:
    rows = [
        [(shorten(template_name(tr, t.name, t.key), 60), PickMode(event_id, t.id).pack())]
        for t in found
    ]
    rows.append([(tr._("◀ Back"), EventSurveys(event_id).pack())])
    return rows


def modes_to_pick(tr: Translator, event_id: int, template_id: int) -> Rows:
    return [
        [(tr._("After each session"), PickAnonymity(event_id, template_id, Mode.EACH).pack())],
        [
            (
                tr._("Once, after the last session"),
                PickAnonymity(event_id, template_id, Mode.LAST).pack(),
            )
        ],
        [(tr._("◀ Back"), PickTemplate(event_id).pack())],
    ]


def anonymity_to_pick(tr: Translator, press: PickAnonymity) -> tuple[str, Rows]:
    text = tr._(
        "Named or anonymous? In an anonymous survey you see who answered (the response "
        "rate), but never who answered what, not even in the exports."
    )
    event_id, template_id, mode = press.event_id, press.template_id, press.mode
    rows = [
        [
            (tr._("👤 Named"), AttachSurvey(event_id, template_id, mode, False).pack()),
            (tr._("🕶 Anonymous"), AttachSurvey(event_id, template_id, mode, True).pack()),
        ],
        [(tr._("◀ Back"), PickMode(event_id, template_id).pack())],
    ]
    return text, rows


# -- templates ------------------------------------------------------------------------------


def question_lines(tr: Translator, template: TemplateView) -> list[str]:
    lines = []
    for number, question in enumerate(template.questions, 1):
        required = tr._("required") if question.required else tr._("optional")
        lines.append(
            f"{number}. {escape(question.text(tr.language))} "
            f"<i>({tr._(kind_of(question.kind).label)}, {required})</i>"
        )
        for i in range(len(question.options)):
            lines.append(f"    • {escape(question.option(i, tr.language))}")
    return lines


def templates_screen(tr: Translator, found: list[TemplateView]) -> tuple[str, Rows]:
    rows: Rows = []
    for template in found:
        name = template_name(tr, template.name, template.key)
        label = tr.ngettext(
            "{name} ({count} question)",
            "{name} ({count} questions)",
            len(template.questions),
            name=shorten(name, 50),
        )
        rows.append([(label, ViewTemplate(template.id).pack())])
    rows.append([(tr._("➕ New template"), NewTemplate().pack())])
    return tr._("🧩 <b>Survey templates</b>"), rows


def template_screen(
    tr: Translator, template: TemplateView, person_id: int, admin: bool
) -> tuple[str, Rows]:
    lines = [f"🧩 <b>{escape(template_name(tr, template.name, template.key))}</b>", ""]
    lines += question_lines(tr, template) or [tr._("No questions yet: add the first one.")]
    rows: Rows = []
    editable = (
        not template.is_default
        and not template.in_use
        and (admin or template.author_id == person_id)
    )
    if editable:
        adds = [
            (tr._(kind.add_label), AddQuestion(template.id, kind.name).pack())
            for kind in KINDS.values()
        ]
        rows += [adds[i : i + 3] for i in range(0, len(adds), 3)]
    elif template.in_use and not template.is_default:
        lines += ["", tr._("Used by a survey, so its questions no longer change.")]
    rows.append([(tr._("◀ Templates"), Templates().pack())])
    return "\n".join(lines), rows


def cancel_rows(tr: Translator) -> Rows:
    return [[(tr._("Cancel"), CancelBuilder().pack())]]


def required_buttons(tr: Translator, template_id: int) -> Rows:
    return [
        [
            (tr._("Required"), QuestionRequired(template_id, True).pack()),
            (tr._("Optional"), QuestionRequired(template_id, False).pack()),
        ],
        *cancel_rows(tr),
    ]

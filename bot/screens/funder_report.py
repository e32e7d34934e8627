"""/funder: the programme buttons and the report's sheets."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.buttons import Button, button
from bot.i18n import N_, Translator
from bot.pdf import numeric_date
from bot.screens.keyboard import Rows
from bot.screens.onboarding import municipality_name
from bot.screens.text import shorten
from bot.services.exports import Table
from bot.services.funder_report import Counts, FunderReport

PROGRAMME_BUTTONS = 20


@button("fr")
class ProgrammeReport(Button):
    """The report for the programme of this event."""

    event_id: int


def programme_buttons(found: list[tuple[str, int]]) -> Rows:
    return [
        [(shorten(name, 60), ProgrammeReport(event_id))]
        for name, event_id in found[:PROGRAMME_BUTTONS]
    ]


def _number(value: float) -> int | float:
    value = round(value, 1)
    return int(value) if float(value).is_integer() else value


def _counts(counts: Counts) -> list[int | float]:
    return [
        counts.registered,
        counts.attended,
        counts.completed,
        counts.certificates,
        _number(counts.hours),
    ]


def _local(tr: Translator, moment: datetime | None) -> datetime | None:
    return tr.local(moment).replace(tzinfo=None) if moment else None


def report_tables(tr: Translator, report: FunderReport) -> list[Table]:
    count_headers = [
        tr._("Registered"),
        tr._("Attended at least once"),
        tr._("Completed"),
        tr._("Certificates issued"),
        tr._("Hours attended"),
    ]
    places = sorted(
        report.municipalities.items(), key=lambda item: municipality_name(tr, item[0]).lower()
    )
    by_place = Table(
        tr._("By municipality"),
        [tr._("Municipality"), *count_headers],
        [[municipality_name(tr, code), *_counts(counts)] for code, counts in places]
        + [[tr._("Total (people counted once)"), *_counts(report.total)]],
    )
    events = Table(
        tr._("Events"),
        [
            tr._("Training"),
            tr._("Programme"),
            tr._("Organiser"),
            tr._("First session"),
            tr._("Last session"),
            tr._("Sessions"),
            tr._("Hours"),
            tr._("Rule: share of hours (%)"),
            *count_headers,
            tr._("Survey invitations sent"),
            tr._("Survey answers"),
            tr._("Response rate (%)"),
        ],
        [
            [
                row.title,
                row.programme,
                row.organiser,
                _local(tr, row.first),
                _local(tr, row.last),
                row.sessions,
                _number(row.total_minutes / 60),
                row.percent,
                *_counts(row.counts),
                row.survey_invited,
                row.survey_answered,
                round(row.survey_answered * 100 / row.survey_invited)
                if row.survey_invited
                else None,
            ]
            for row in report.events
        ],
    )
    questions = Table(
        tr._("Survey"),
        [tr._("Question"), tr._("Answers"), tr._("Average rating (1-5)")],
        [
            [
                q.texts.get(tr.language) or q.texts.get("lv") or next(iter(q.texts.values()), ""),
                q.answers,
                round(q.average, 2) if q.average is not None else None,
            ]
            for q in report.questions
        ],
    )
    selection = (
        tr._("Programme: {name}", name=report.programme)
        if report.programme
        else tr._(
            "Events with a session in the period {first} – {last}",
            first=numeric_date(tr, report.since),  # type: ignore[arg-type]
            last=numeric_date(tr, report.until - timedelta(days=1)),  # type: ignore[operator]
        )
    )
    method = Table(
        tr._("Method"),
        [tr._("Term"), tr._("Meaning")],
        [[tr._("Selection"), selection]]
        + [[tr._(term), tr._(meaning)] for term, meaning in METHOD],
    )
    return [by_place, events, questions, method]


METHOD = (
    (N_("Registered"), N_("A confirmed registration for at least one event of the selection.")),
    (
        N_("Attended at least once"),
        N_("Marked present (check-in code or the trainer's list) at one session or more."),
    ),
    (
        N_("Completed"),
        N_(
            "Met an event's completion rule (its share of the hours attended and, when the "
            "event asks for it, its feedback survey answered), or holds a valid certificate "
            "for it."
        ),
    ),
    (
        N_("Certificates issued"),
        N_("Valid certificates; revoked ones and duplicates are not counted."),
    ),
    (N_("Hours attended"), N_("The length of every session a person was marked present at.")),
    (
        N_("Municipality"),
        N_(
            "The municipality a person gave when registering (their latest registration in "
            "the selection). Each person is counted once in the totals."
        ),
    ),
    (
        N_("Survey"),
        N_(
            "Response rate: people who answered / survey invitations delivered. Ratings are "
            "averaged over all answers; no answer is linked to a person."
        ),
    ),
)

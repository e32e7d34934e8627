"""/funder: the funder's report as one XLSX, for a programme or a period."""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.i18n import N_, Translator
from bot.pdf import numeric_date
from bot.screens.onboarding import municipality_name
from bot.services import funder_report
from bot.services.errors import InvalidInput
from bot.services.exports import Table, xlsx_book
from bot.services.funder_report import Counts, FunderReport
from handlers.common import Context, guarded, say, who
from handlers.paging import shorten

PROGRAMME_BUTTONS = 20


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


async def send_report(update: Update, context: Context, report: FunderReport) -> None:
    _, tr = await who(update, context)
    content = xlsx_book(report_tables(tr, report))
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(content, filename="kopiena-funder-report.xlsx"),
        caption=tr.ngettext(
            "📊 Funder's report: {count} event, {people} people.",
            "📊 Funder's report: {count} events, {people} people.",
            len(report.events),
            people=report.total.registered,
        ),
    )


def parse_day(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise InvalidInput(
            N_("Send the period as /funder 2030-01-01 2030-12-31 (first and last day).")
        ) from None


@guarded
async def funder_command(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    db, tz = context.runtime.db, context.runtime.settings.tz
    args = context.args or []
    if args:
        if len(args) != 2:
            parse_day("")
        first, last = (parse_day(a).replace(tzinfo=tz) for a in args)
        report = await funder_report.build(db, person, since=first, until=last + timedelta(days=1))
        await send_report(update, context, report)
        return
    found = await funder_report.programmes(db, person)
    lines = [tr._("📊 <b>Funder's report</b>")]
    if found:
        lines.append(tr._("Choose a programme, or send a period: /funder 2030-01-01 2030-12-31"))
    else:
        lines.append(
            tr._(
                "None of your events has a programme yet (set it under ⚙️ Manage → 🎓 "
                "Certificates). For a period, send: /funder 2030-01-01 2030-12-31"
            )
        )
    rows = [[(shorten(name, 60), f"fr:{event_id}")] for name, event_id in found[:PROGRAMME_BUTTONS]]
    await say(update, "\n".join(lines), rows)


@guarded
async def programme_report(update: Update, context: Context) -> None:
    assert context.matches
    person, _ = await who(update, context)
    report = await funder_report.build(
        context.runtime.db, person, by_event=int(context.matches[0].group(1))
    )
    await send_report(update, context, report)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("funder", funder_command))
    application.add_handler(CallbackQueryHandler(programme_report, pattern=r"^fr:(\d{1,9})$"))

"""Survey results for staff: the buttons and the screens (the figures, the typed answers
page by page, the chart's panels and the export's table), drawn from what
bot/services/survey_results.py computes. Each question's kind (bot/survey_kinds) says
how its answers read, chart and export."""

from __future__ import annotations

import enum
from collections.abc import Callable
from html import escape

from bot.buttons import Button, button
from bot.i18n import Translator
from bot.screens.event_staff import Manage
from bot.screens.keyboard import Noop
from bot.screens.onboarding import municipality_name
from bot.screens.surveys import MODE_NAMES, Rows, template_name
from bot.screens.text import shorten
from bot.services.events import EventView
from bot.services.exports import Cell, Table
from bot.services.survey_chart import Bars, Trend
from bot.services.survey_results import ExportData, Results
from bot.services.surveys import EventSurveyView
from bot.survey_kinds import kind_of

LIMIT = 3900  # below Telegram's 4,096, with room for tags
COMMENTS_BUDGET = 3300
COMMENT_IN_CHAT = 600  # characters of one typed answer in the chat (the export has all)
QUESTION_IN_CHAT = 150
SESSIONS_PAGE = 10


class FileFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@button("rs")
class EventResults(Button):
    """The event's surveys (straight to the results when it has one)."""

    event_id: int


@button("rv")
class ResultsView(Button):
    """Results for one session, or all (`session_id` 0)."""

    survey_id: int
    session_id: int


@button("rl")
class SessionList(Button):
    survey_id: int
    page: int


@button("rt")
class WrittenAnswers(Button):
    survey_id: int
    session_id: int
    page: int


@button("rc")
class Chart(Button):
    survey_id: int
    session_id: int


@button("rx")
class Export(Button):
    survey_id: int
    session_id: int
    format: FileFormat


def pager(page: int, pages: int, to: Callable[[int], Button]) -> list[tuple[str, str]]:
    """◀ 2/15 ▶ buttons; `to(n)` is the button that shows page n."""
    if pages <= 1:
        return []
    row = []
    if page > 0:
        row.append(("◀", to(page - 1).pack()))
    row.append((f"{page + 1}/{pages}", Noop().pack()))
    if page + 1 < pages:
        row.append(("▶", to(page + 1).pack()))
    return row


def fit(lines: list[str], tr: Translator, limit: int = LIMIT) -> str:
    """Join lines, dropping the last ones (with a note) if the text would be too long."""
    note = tr._("… more in the export.")
    text, kept = "", []
    for line in lines:
        if len("\n".join([*kept, line, note])) > limit:
            return "\n".join([*kept, note])
        kept.append(line)
        text = "\n".join(kept)
    return text


def percent(tr: Translator, share: float) -> str:
    return f"{tr.number(round(share * 100))}%"


def scope_text(tr: Translator, results: Results) -> str:
    if results.scope is None:
        return tr.ngettext("All sessions ({count})", "All sessions ({count})", len(results.targets))
    target = results.scope
    return tr._(
        "Session {number}: {date}",
        number=target.number,
        date=tr.short_date(target.session.starts_at),
    )


def withheld_line(tr: Translator, results: Results, minimum: int) -> str | None:
    if not (results.survey.anonymous and results.withheld):
        return None
    return tr.ngettext(
        "🕶 The answers of an anonymous survey are shown once it has closed and at least "
        "{count} person has answered.",
        "🕶 The answers of an anonymous survey are shown once it has closed and at least "
        "{count} people have answered.",
        minimum,
    )


def results_text(tr: Translator, results: Results, minimum: int) -> str:
    survey = results.survey
    lines = [
        f"📊 <b>{escape(results.event.title)}</b>",
        "{name} · {mode} · {kind}".format(
            name=escape(template_name(tr, survey.template_name, survey.template_key)),
            mode=tr._(MODE_NAMES[survey.mode]),
            kind=tr._("anonymous") if survey.anonymous else tr._("named"),
        ),
        scope_text(tr, results),
        tr._(
            "Responses: {responded} of {sent} ({rate}), complete: {complete}",
            responded=results.respondents,
            sent=results.recipients,
            rate=percent(tr, results.rate),
            complete=results.complete,
        ),
    ]
    note = withheld_line(tr, results, minimum)
    if note:
        lines += ["", note]
    language = tr.language
    for number, item in enumerate(results.questions, 1):
        question = item.question
        lines += [
            "",
            f"<b>{number}. {escape(shorten(question.text(language), QUESTION_IN_CHAT))}</b>",
        ]
        lines += item.kind.summary(tr, question, item.tally)
    return fit(lines, tr)


def results_buttons(tr: Translator, results: Results) -> Rows:
    survey_id = results.survey.id
    scope = results.scope.session.id if results.scope else 0
    rows: Rows = [
        [
            (tr._("📈 Chart"), Chart(survey_id, scope).pack()),
            (tr._("📄 CSV"), Export(survey_id, scope, FileFormat.CSV).pack()),
            (tr._("📊 Excel"), Export(survey_id, scope, FileFormat.XLSX).pack()),
        ]
    ]
    written = sum(item.answered for item in results.questions if item.kind.typed)
    if written:
        rows.append(
            [
                (
                    tr._("💬 Written answers ({count})", count=written),
                    WrittenAnswers(survey_id, scope, 0).pack(),
                )
            ]
        )
    if len(results.targets) > 1:
        rows.append([(tr._("🗓 By session"), SessionList(survey_id, 0).pack())])
        if results.scope is not None:
            rows.append([(tr._("📊 All sessions"), ResultsView(survey_id, 0).pack())])
    rows.append([(tr._("◀ Back"), EventResults(results.event.id).pack())])
    return rows


def comment_pages(results: Results, tr: Translator) -> list[list[str]]:
    """Typed answers packed into pages that stay under Telegram's limit."""
    pages: list[list[str]] = [[]]
    size = 0
    for number, item in enumerate(results.questions, 1):
        if not item.kind.typed:
            continue
        for text in item.tally.texts:
            entry = f"{number}. «{escape(shorten(text, COMMENT_IN_CHAT))}»"
            if pages[-1] and size + len(entry) > COMMENTS_BUDGET:
                pages.append([])
                size = 0
            pages[-1].append(entry)
            size += len(entry) + 2
    return pages


def chart_parts(tr: Translator, results: Results) -> tuple[list[Bars], Trend | None]:
    language = tr.language
    bars = []
    for number, item in enumerate(results.questions, 1):
        title = f"{number}. {item.question.text(language)}"
        panel = item.kind.bars(tr, item.question, item.tally, title)
        if panel is not None:
            bars.append(panel)
    trend = None
    if results.trend:
        numbers = [t.number for t in results.targets]
        series = []
        for number, item in enumerate(results.questions, 1):
            points = results.trend.get(item.question.id)
            if points:
                series.append(
                    (f"{number}. {item.question.text(language)}", [p.mean for p in points])
                )
        trend = Trend(
            tr._("Mean rating by session"), tr._("Session"), tr._("Mean (1-5)"), numbers, series
        )
    return bars, trend


def export_table(tr: Translator, data: ExportData) -> Table:
    language = tr.language
    anonymous = data.survey.anonymous
    headers = [tr._("Session"), tr._("Date")]
    if not anonymous:
        headers += [tr._("Name"), tr._("Municipality")]
    headers.append(tr._("Complete"))
    if not anonymous:
        headers += [tr._("Started"), tr._("Last change")]
    headers += [f"{n}. {q.text(language)}" for n, q in enumerate(data.questions, 1)]
    rows: list[list[Cell]] = []
    for row in data.rows:
        cells: list[Cell] = [
            row.target.number,
            tr.local(row.target.session.starts_at).replace(tzinfo=None),
        ]
        if not anonymous:
            cells += [
                row.name,
                municipality_name(tr, row.municipality) if row.municipality else None,
            ]
        cells.append(tr._("yes") if row.complete else tr._("no"))
        if not anonymous:
            cells += [
                tr.local(row.started_at).replace(tzinfo=None) if row.started_at else None,
                tr.local(row.updated_at).replace(tzinfo=None) if row.updated_at else None,
            ]
        for question in data.questions:
            given = row.answers.get(question.id)
            if given is None:
                cells.append(None)
            elif given.skipped:
                cells.append(tr._("skipped"))
            else:
                cells.append(kind_of(question.kind).cell(tr, question, given))
        rows.append(cells)
    return Table(tr._("Survey"), headers, rows)


def events_screen(tr: Translator, found: list[EventView]) -> tuple[str, Rows]:
    rows = [
        [
            (
                f"{shorten(event.title, 40)} · {tr.short_date(event.starts_at)}"
                if event.starts_at
                else shorten(event.title, 40),
                EventResults(event.id).pack(),
            )
        ]
        for event in found
    ]
    return tr._("📊 <b>Survey results</b>: choose a training."), rows


def surveys_to_pick(
    tr: Translator, event: EventView, found: list[EventSurveyView]
) -> tuple[str, Rows]:
    rows = [
        [
            (
                f"{n}. {shorten(template_name(tr, s.template_name, s.template_key), 40)}",
                ResultsView(s.id, 0).pack(),
            )
        ]
        for n, s in enumerate(found, 1)
    ]
    rows.append([(tr._("◀ Back"), Manage(event.id).pack())])
    text = tr._("📊 <b>{title}</b>: which survey?", title=escape(event.title))
    if not found:
        text = tr._("No survey is attached to this event yet.")
    return text, rows


def sessions_screen(tr: Translator, found: Results, page: int) -> tuple[str, Rows]:
    survey_id = found.survey.id
    pages = max(1, -(-len(found.targets) // SESSIONS_PAGE))
    page = min(max(page, 0), pages - 1)
    rows: Rows = []
    for target in found.targets[page * SESSIONS_PAGE : (page + 1) * SESSIONS_PAGE]:
        sent, answered = found.per_session.get(target.session.id, (0, 0))
        label = tr._(
            "{number}. {date}: {answered} of {sent}",
            number=target.number,
            date=tr.short_date(target.session.starts_at),
            answered=answered,
            sent=sent,
        )
        rows.append([(label, ResultsView(survey_id, target.session.id).pack())])
    nav = pager(page, pages, lambda n: SessionList(survey_id, n))
    if nav:
        rows.append(nav)
    rows.append([(tr._("◀ Back"), ResultsView(survey_id, 0).pack())])
    text = tr._("🗓 <b>{title}</b>: responses by session", title=escape(found.event.title))
    return text, rows


def written_answers_screen(
    tr: Translator, found: Results, session_id: int, page: int
) -> tuple[str, Rows]:
    survey_id = found.survey.id
    pages = comment_pages(found, tr)
    page = min(max(page, 0), len(pages) - 1)
    header = [f"💬 <b>{escape(found.event.title)}</b>", scope_text(tr, found), ""]
    questions = [
        f"{n}. {escape(shorten(item.question.text(tr.language), 100))}"
        for n, item in enumerate(found.questions, 1)
        if item.kind.typed
    ]
    body = pages[page] or [tr._("No written answers yet.")]
    text = fit([*header, *questions, "", "\n\n".join(body)], tr)
    rows = [
        row
        for row in (
            pager(page, len(pages), lambda n: WrittenAnswers(survey_id, session_id, n)),
            [(tr._("◀ Back"), ResultsView(survey_id, session_id).pack())],
        )
        if row
    ]
    return text, rows


def chart_caption(tr: Translator, found: Results) -> str:
    return tr._(
        "📈 <b>{title}</b>, {scope}: {responded} of {sent} responded.",
        title=escape(shorten(found.event.title, 200)),
        scope=scope_text(tr, found),
        responded=found.respondents,
        sent=found.recipients,
    )


def export_caption(tr: Translator, data: ExportData) -> str:
    return tr.ngettext(
        "<b>{title}</b>: {count} response.",
        "<b>{title}</b>: {count} responses.",
        len(data.rows),
        title=escape(shorten(data.event.title, 200)),
    )

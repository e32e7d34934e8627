"""/results: a survey's figures for the event's organisers and trainers, the typed
answers page by page, a chart (PNG), and CSV/XLSX exports. Access is checked in
bot/services/survey_results.py for every press.

Callback data:
  rs:<event>                         the event's surveys
  rv:<survey>:<session or 0>         results, for one session or all
  rl:<survey>:<page>                 the sessions, with their response counts
  rt:<survey>:<session or 0>:<page>  typed answers
  rc:<survey>:<session or 0>         chart
  rx:<survey>:<session or 0>:<csv|xlsx>  export
"""

from __future__ import annotations

import asyncio
import functools
from html import escape

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.i18n import Translator
from bot.screens.onboarding import municipality_name
from bot.services import survey_results, surveys
from bot.services.exports import Cell, Table, csv_bytes, csv_style, xlsx_bytes
from bot.services.survey_chart import Bars, Trend, render
from bot.services.survey_results import AnonymousWithheld, ExportData, Results
from bot.survey_kinds import kind_of
from handlers.common import Buttons, Context, guarded, say, who
from handlers.paging import navigation, shorten
from handlers.survey_staff import MODE_NAMES, template_name

LIMIT = 3900  # below Telegram's 4,096, with room for tags
COMMENTS_BUDGET = 3300
COMMENT_IN_CHAT = 600  # characters of one typed answer in the chat (the export has all)
QUESTION_IN_CHAT = 150
SESSIONS_PAGE = 10


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


def _minimum(context: Context) -> int:
    return context.runtime.settings.anonymous_min_responses


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


def results_buttons(tr: Translator, results: Results) -> Buttons:
    survey_id = results.survey.id
    scope = results.scope.session.id if results.scope else 0
    rows: list[list[tuple[str, str]]] = [
        [
            (tr._("📈 Chart"), f"rc:{survey_id}:{scope}"),
            (tr._("📄 CSV"), f"rx:{survey_id}:{scope}:csv"),
            (tr._("📊 Excel"), f"rx:{survey_id}:{scope}:xlsx"),
        ]
    ]
    written = sum(item.answered for item in results.questions if item.kind.typed)
    if written:
        rows.append(
            [(tr._("💬 Written answers ({count})", count=written), f"rt:{survey_id}:{scope}:0")]
        )
    if len(results.targets) > 1:
        rows.append([(tr._("🗓 By session"), f"rl:{survey_id}:0")])
        if results.scope is not None:
            rows.append([(tr._("📊 All sessions"), f"rv:{survey_id}:0")])
    rows.append([(tr._("◀ Back"), f"rs:{results.event.id}")])
    return rows


async def show_results(update: Update, context: Context, survey_id: int, session_id: int) -> None:
    person, tr = await who(update, context)
    found = await survey_results.results(
        context.runtime.db, person, survey_id, session_id or None, _minimum(context)
    )
    text = results_text(tr, found, _minimum(context))
    await say(update, text, results_buttons(tr, found), edit=True)


async def show_events(update: Update, context: Context, *, edit: bool) -> None:
    person, tr = await who(update, context)
    found = await survey_results.staff_events(context.runtime.db, person)
    if not found:
        await say(update, tr._("None of your trainings has a survey yet."), edit=edit)
        return
    rows = [
        [
            (
                f"{shorten(event.title, 40)} · {tr.short_date(event.starts_at)}"
                if event.starts_at
                else shorten(event.title, 40),
                f"rs:{event.id}",
            )
        ]
        for event in found
    ]
    await say(update, tr._("📊 <b>Survey results</b>: choose a training."), rows, edit=edit)


@guarded
async def results_command(update: Update, context: Context) -> None:
    await show_events(update, context, edit=False)


@guarded
async def event_results(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event, found = await surveys.event_surveys(
        context.runtime.db, person, int(context.matches[0].group(1))
    )
    if len(found) == 1:
        await show_results(update, context, found[0].id, 0)
        return
    rows = [
        [
            (
                f"{n}. {shorten(template_name(tr, s.template_name, s.template_key), 40)}",
                f"rv:{s.id}:0",
            )
        ]
        for n, s in enumerate(found, 1)
    ]
    rows.append([(tr._("◀ Back"), f"ea:{event.id}")])
    text = tr._("📊 <b>{title}</b>: which survey?", title=escape(event.title))
    if not found:
        text = tr._("No survey is attached to this event yet.")
    await say(update, text, rows, edit=True)


@guarded
async def survey_view(update: Update, context: Context) -> None:
    assert context.matches
    await show_results(
        update, context, int(context.matches[0].group(1)), int(context.matches[0].group(2))
    )


@guarded
async def session_list(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    survey_id, page = int(context.matches[0].group(1)), int(context.matches[0].group(2))
    found = await survey_results.results(
        context.runtime.db, person, survey_id, None, _minimum(context)
    )
    pages = max(1, -(-len(found.targets) // SESSIONS_PAGE))
    page = min(max(page, 0), pages - 1)
    rows: list[list[tuple[str, str]]] = []
    for target in found.targets[page * SESSIONS_PAGE : (page + 1) * SESSIONS_PAGE]:
        sent, answered = found.per_session.get(target.session.id, (0, 0))
        label = tr._(
            "{number}. {date}: {answered} of {sent}",
            number=target.number,
            date=tr.short_date(target.session.starts_at),
            answered=answered,
            sent=sent,
        )
        rows.append([(label, f"rv:{survey_id}:{target.session.id}")])
    nav = navigation(f"rl:{survey_id}:", page, pages)
    if nav:
        rows.append(nav)
    rows.append([(tr._("◀ Back"), f"rv:{survey_id}:0")])
    text = tr._("🗓 <b>{title}</b>: responses by session", title=escape(found.event.title))
    await say(update, text, rows, edit=True)


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


@guarded
async def comments(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    match = context.matches[0]
    survey_id, session_id, page = int(match.group(1)), int(match.group(2)), int(match.group(3))
    found = await survey_results.results(
        context.runtime.db, person, survey_id, session_id or None, _minimum(context)
    )
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
            navigation(f"rt:{survey_id}:{session_id}:", page, len(pages)),
            [(tr._("◀ Back"), f"rv:{survey_id}:{session_id}")],
        )
        if row
    ]
    await say(update, text, rows, edit=True)


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


@guarded
async def chart(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    survey_id, session_id = int(context.matches[0].group(1)), int(context.matches[0].group(2))
    found = await survey_results.results(
        context.runtime.db, person, survey_id, session_id or None, _minimum(context)
    )
    if found.survey.anonymous and found.withheld == (1 if found.scope else len(found.targets)):
        raise AnonymousWithheld(count=_minimum(context))
    bars, trend = chart_parts(tr, found)
    title = f"{found.event.title} · {scope_text(tr, found)}"
    decimal = tr.number(1.5)[1]  # the locale's decimal mark: "," in Latvian and Russian
    png = await asyncio.to_thread(functools.partial(render, decimal=decimal), title, bars, trend)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_photo(
        InputFile(png, filename=f"kopiena-survey-{survey_id}.png"),
        caption=tr._(
            "📈 <b>{title}</b>, {scope}: {responded} of {sent} responded.",
            title=escape(shorten(found.event.title, 200)),
            scope=scope_text(tr, found),
            responded=found.respondents,
            sent=found.recipients,
        ),
    )


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


@guarded
async def export(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    match = context.matches[0]
    survey_id, session_id, kind = int(match.group(1)), int(match.group(2)), match.group(3)
    data = await survey_results.export_data(
        context.runtime.db, person, survey_id, session_id or None, _minimum(context)
    )
    table = export_table(tr, data)
    content = csv_bytes(table, csv_style(tr.language)) if kind == "csv" else xlsx_bytes(table)
    suffix = f"-session-{session_id}" if session_id else ""
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(content, filename=f"kopiena-survey-{survey_id}{suffix}.{kind}"),
        caption=tr.ngettext(
            "<b>{title}</b>: {count} response.",
            "<b>{title}</b>: {count} responses.",
            len(data.rows),
            title=escape(shorten(data.event.title, 200)),
        ),
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    add = application.add_handler
    add(CommandHandler("results", results_command))
    add(CallbackQueryHandler(event_results, pattern=r"^rs:(\d{1,9})$"))
    add(CallbackQueryHandler(survey_view, pattern=r"^rv:(\d{1,9}):(\d{1,9})$"))
    add(CallbackQueryHandler(session_list, pattern=r"^rl:(\d{1,9}):(\d{1,4})$"))
    add(CallbackQueryHandler(comments, pattern=r"^rt:(\d{1,9}):(\d{1,9}):(\d{1,4})$"))
    add(CallbackQueryHandler(chart, pattern=r"^rc:(\d{1,9}):(\d{1,9})$"))
    add(CallbackQueryHandler(export, pattern=r"^rx:(\d{1,9}):(\d{1,9}):(csv|xlsx)$"))

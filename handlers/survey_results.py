"""/results: a survey's figures for the event's organisers and trainers, the typed
answers page by page, a chart (PNG), and CSV/XLSX exports. Access is checked in
bot/services/survey_results.py for every press; the buttons and screens are in
bot/screens/survey_results.py.
"""

from __future__ import annotations

import asyncio
import functools

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler

from bot.screens.survey_results import (
    Chart,
    EventResults,
    Export,
    FileFormat,
    ResultsView,
    SessionList,
    WrittenAnswers,
    chart_caption,
    chart_parts,
    events_screen,
    export_caption,
    export_table,
    results_buttons,
    results_text,
    scope_text,
    sessions_screen,
    surveys_to_pick,
    written_answers_screen,
)
from bot.services import survey_results, surveys
from bot.services.exports import csv_bytes, csv_style, xlsx_bytes
from bot.services.survey_chart import render
from bot.services.survey_results import AnonymousWithheld
from handlers.common import Context, guarded, on_press, say, who


def _minimum(context: Context) -> int:
    return context.runtime.settings.anonymous_min_responses


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
    text, rows = events_screen(tr, found)
    await say(update, text, rows, edit=edit)


@guarded
async def results_command(update: Update, context: Context) -> None:
    await show_events(update, context, edit=False)


async def event_results(update: Update, context: Context, press: EventResults) -> None:
    person, tr = await who(update, context)
    event, found = await surveys.event_surveys(context.runtime.db, person, press.event_id)
    if len(found) == 1:
        await show_results(update, context, found[0].id, 0)
        return
    text, rows = surveys_to_pick(tr, event, found)
    await say(update, text, rows, edit=True)


async def survey_view(update: Update, context: Context, press: ResultsView) -> None:
    await show_results(update, context, press.survey_id, press.session_id)


async def session_list(update: Update, context: Context, press: SessionList) -> None:
    person, tr = await who(update, context)
    found = await survey_results.results(
        context.runtime.db, person, press.survey_id, None, _minimum(context)
    )
    text, rows = sessions_screen(tr, found, press.page)
    await say(update, text, rows, edit=True)


async def comments(update: Update, context: Context, press: WrittenAnswers) -> None:
    person, tr = await who(update, context)
    found = await survey_results.results(
        context.runtime.db, person, press.survey_id, press.session_id or None, _minimum(context)
    )
    text, rows = written_answers_screen(tr, found, press.session_id, press.page)
    await say(update, text, rows, edit=True)


async def chart(update: Update, context: Context, press: Chart) -> None:
    person, tr = await who(update, context)
    found = await survey_results.results(
        context.runtime.db, person, press.survey_id, press.session_id or None, _minimum(context)
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
        InputFile(png, filename=f"kopiena-survey-{press.survey_id}.png"),
        caption=chart_caption(tr, found),
    )


async def export(update: Update, context: Context, press: Export) -> None:
    person, tr = await who(update, context)
    survey_id, session_id = press.survey_id, press.session_id
    data = await survey_results.export_data(
        context.runtime.db, person, survey_id, session_id or None, _minimum(context)
    )
    table = export_table(tr, data)
    if press.format == FileFormat.CSV:
        content = csv_bytes(table, csv_style(tr.language))
    else:
        content = xlsx_bytes(table)
    suffix = f"-session-{session_id}" if session_id else ""
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(content, filename=f"kopiena-survey-{survey_id}{suffix}.{press.format}"),
        caption=export_caption(tr, data),
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("results", results_command))
    on_press(application, EventResults, event_results)
    on_press(application, ResultsView, survey_view)
    on_press(application, SessionList, session_list)
    on_press(application, WrittenAnswers, comments)
    on_press(application, Chart, chart)
    on_press(application, Export, export)

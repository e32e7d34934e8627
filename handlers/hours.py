"""/hours: a person's learning record, by year, with certificates; as PDF or XLSX."""

from __future__ import annotations

import asyncio
from html import escape

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler

from bot import pdf
from bot.i18n import Translator
from bot.screens.hours import RecordFile, RecordFormat
from bot.screens.keyboard import Row
from bot.screens.text import shorten
from bot.services import learning_record
from bot.services.certificates import format_code
from bot.services.exports import Table, xlsx_bytes
from bot.services.learning_record import Record
from handlers.common import Context, guarded, on_press, say, who

LINES_PER_YEAR = 15  # in the chat; the files have every line


def year_heading(tr: Translator, year: learning_record.RecordYear, target: int) -> str:
    heading = tr._("<b>{year}</b>: {duration}", year=year.year, duration=tr.duration(year.minutes))
    if target:
        percent = min(100, round(year.hours * 100 / target))
        heading += " " + tr._(
            "— {percent} % of the yearly target of {target}",
            percent=percent,
            target=tr.duration(target * 60),
        )
    return heading


def record_text(tr: Translator, found: Record) -> str:
    lines = [tr._("📚 <b>My learning record</b>")]
    if not found.years:
        lines.append(tr._("No hours attended yet."))
        return "\n".join(lines)
    for year in found.years:
        lines += ["", year_heading(tr, year, found.target_hours)]
        for line in year.lines[:LINES_PER_YEAR]:
            text = f"• {escape(shorten(line.title, 60))} — {tr.duration(line.minutes)}"
            if line.certificate:
                text += f" — 🎓 {format_code(line.certificate)}"
            lines.append(text)
        if len(year.lines) > LINES_PER_YEAR:
            lines.append(tr._("… and more in the file."))
    return "\n".join(lines)


@guarded
async def hours_command(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    settings = context.runtime.settings
    found = await learning_record.record(
        context.runtime.db, person, settings.tz, settings.learning_target_hours
    )
    rows: list[Row] = []
    if found.years:
        rows.append(
            [
                (tr._("📄 PDF"), RecordFile(RecordFormat.PDF)),
                (tr._("📊 Excel"), RecordFile(RecordFormat.XLSX)),
            ]
        )
    await say(update, record_text(tr, found), rows)


def record_table(tr: Translator, found: Record) -> Table:
    headers = [
        tr._("Year"),
        tr._("Training"),
        tr._("Organiser"),
        tr._("First session"),
        tr._("Last session"),
        tr._("Hours"),
        tr._("Certificate"),
    ]
    rows = [
        [
            year.year,
            line.title,
            line.organiser,
            tr.local(line.first).replace(tzinfo=None),
            tr.local(line.last).replace(tzinfo=None),
            round(line.hours, 2),
            format_code(line.certificate) if line.certificate else None,
        ]
        for year in found.years
        for line in year.lines
    ]
    return Table(tr._("Learning record"), headers, rows)


async def record_file(update: Update, context: Context, press: RecordFile) -> None:
    person, tr = await who(update, context)
    settings = context.runtime.settings
    found = await learning_record.record(
        context.runtime.db, person, settings.tz, settings.learning_target_hours
    )
    if press.format is RecordFormat.PDF:
        content = await asyncio.to_thread(
            pdf.record_pdf,
            found.name,
            found.years,
            tr,
            issuer=settings.certificate_issuer,
            target=found.target_hours,
            made_at=context.runtime.clock(),
        )
        filename = "kopiena-learning-record.pdf"
    else:
        content = xlsx_bytes(record_table(tr, found))
        filename = "kopiena-learning-record.xlsx"
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(content, filename=filename), caption=tr._("📚 Your learning record.")
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("hours", hours_command))
    on_press(application, RecordFile, record_file)

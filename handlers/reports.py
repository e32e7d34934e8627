"""An event's staff reports: the registrant list (paginated, and in full as a file), the
summary by municipality, and the CSV/XLSX export of registrants and attendance."""

from __future__ import annotations

from html import escape

from telegram import InputFile, Update
from telegram.ext import Application

from bot.i18n import Translator
from bot.screens.event_staff import Manage
from bot.screens.events import hours_text, status_text
from bot.screens.keyboard import page_row
from bot.screens.onboarding import municipality_name
from bot.screens.reports import Export, ExportFormat, MunicipalitySummary, Registrants, count_line
from bot.screens.text import shorten
from bot.services import reports
from bot.services.exports import Table, csv_bytes, csv_style, xlsx_bytes
from bot.services.reports import ExportData, Registrant
from handlers.common import Context, on_press, say, who

# Long names and workplaces are cut in the chat list (the file has them in full), so a
# page of LIST_PAGE people always stays well under Telegram's 4,096 characters.
NAME_IN_LIST = 50
WORKPLACE_IN_LIST = 50


def registrant_line(tr: Translator, number: int, person: Registrant) -> str:
    details = [municipality_name(tr, person.municipality)]
    if person.workplace:
        details.append(shorten(person.workplace, WORKPLACE_IN_LIST))
    return (
        f"{number}. <b>{escape(shorten(person.name, NAME_IN_LIST))}</b> — "
        f"{escape(', '.join(details))} — {status_text(tr, person.status, person.position)}"
    )


async def registrant_list(update: Update, context: Context, press: Registrants) -> None:
    person, tr = await who(update, context)
    event_id, page = press.event_id, press.page
    found = await reports.registrants_page(context.runtime.db, person, event_id, page)
    event = found.event
    back = [(tr._("◀ Back"), Manage(event.id))]
    if not found.total:
        await say(update, tr._("Nobody has registered yet."), [back], edit=True)
        return
    lines = [
        tr._("<b>Registrants: {title}</b>", title=escape(event.title)),
        tr._(
            "Registered: {confirmed} · waiting list: {waiting} · waiting for approval: {pending}",
            confirmed=event.confirmed,
            waiting=event.waiting,
            pending=event.pending,
        ),
        "",
    ]
    lines += [registrant_line(tr, found.first + i, entry) for i, entry in enumerate(found.entries)]
    rows = [
        row
        for row in (
            page_row(lambda n: Registrants(event.id, n), found.page, found.pages),
            [(tr._("📄 Full list (CSV)"), Export(event.id, ExportFormat.CSV))],
            back,
        )
        if row
    ]
    await say(update, "\n".join(lines), rows, edit=True)


async def municipality_summary(
    update: Update, context: Context, press: MunicipalitySummary
) -> None:
    person, tr = await who(update, context)
    found = await reports.summary(context.runtime.db, person, press.event_id)
    back = [[(tr._("◀ Back"), Manage(found.event.id))]]
    if not found.rows:
        await say(update, tr._("Nobody has registered yet."), back, edit=True)
        return
    lines = [tr._("<b>By municipality: {title}</b>", title=escape(found.event.title)), ""]
    lines += [
        "• " + count_line(tr, escape(municipality_name(tr, row.code)), row) for row in found.rows
    ]
    lines += ["", "<b>" + count_line(tr, tr._("Total"), found.total) + "</b>"]
    await say(update, "\n".join(lines), back, edit=True)


def plain_number(value: float) -> int | float:
    """6 rather than 6.0, 1.5 as it is: hours in the files."""
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def export_table(tr: Translator, data: ExportData) -> Table:
    """The export as a table with headers in the user's language and Riga times."""
    headers = [
        tr._("Name"),
        tr._("Municipality"),
        tr._("Workplace"),
        tr._("Status"),
        tr._("Registered at"),
        *(f"#{n} {tr.local(s.starts_at):%Y-%m-%d %H:%M}" for n, s in enumerate(data.sessions, 1)),
        tr._("Sessions attended"),
        tr._("Hours attended"),
        tr._("Course total hours"),
    ]
    mark_text = {True: tr._("present"), False: tr._("absent"), None: None}
    rows = [
        [
            row.registrant.name,
            municipality_name(tr, row.registrant.municipality)
            if row.registrant.municipality
            else None,
            row.registrant.workplace,
            status_text(tr, row.registrant.status, row.registrant.position),
            tr.local(row.registrant.registered_at).replace(tzinfo=None),
            *(mark_text[mark] for mark in row.marks),
            row.sessions_attended,
            plain_number(row.hours_attended),
            plain_number(data.total_hours),
        ]
        for row in data.rows
    ]
    return Table(tr._("Registrants"), headers, rows)


async def export(update: Update, context: Context, press: Export) -> None:
    person, tr = await who(update, context)
    event_id, kind = press.event_id, press.format.value
    data = await reports.export_data(context.runtime.db, person, event_id)
    table = export_table(tr, data)
    content = csv_bytes(table, csv_style(tr.language)) if kind == "csv" else xlsx_bytes(table)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(content, filename=f"kopiena-event-{event_id}-registrants.{kind}"),
        caption=tr.ngettext(
            "<b>{title}</b>: {count} registrant, attendance and hours ({total} in all).",
            "<b>{title}</b>: {count} registrants, attendance and hours ({total} in all).",
            len(data.rows),
            title=escape(data.event.title),
            total=hours_text(tr, data.total_hours),
        ),
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    on_press(application, Registrants, registrant_list)
    on_press(application, MunicipalitySummary, municipality_summary)
    on_press(application, Export, export)

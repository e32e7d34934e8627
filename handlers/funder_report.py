"""/funder: the funder's report as one XLSX, for a programme or a period."""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler

from bot.i18n import N_
from bot.screens.funder_report import ProgrammeReport, programme_buttons, report_tables
from bot.services import funder_report
from bot.services.errors import InvalidInput
from bot.services.exports import xlsx_book
from bot.services.funder_report import FunderReport
from handlers.common import Context, guarded, on_press, say, who


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
    await say(update, "\n".join(lines), programme_buttons(found))


async def programme_report(update: Update, context: Context, press: ProgrammeReport) -> None:
    person, _ = await who(update, context)
    report = await funder_report.build(context.runtime.db, person, by_event=press.event_id)
    await send_report(update, context, report)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("funder", funder_command))
    on_press(application, ProgrammeReport, programme_report)

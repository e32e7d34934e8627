"""PDF documents: a certificate of completion and a person's learning record.

Drawn with fpdf2 in DejaVu Sans (bot/data/fonts, covers Latvian and Russian), in the
reader's language. The QR code is drawn as vector squares (segno gives the matrix), so
it stays sharp at any print size and costs no image.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from babel.dates import format_skeleton

from bot.i18n import Translator
from bot.services.certificates import CertificateView, format_code
from bot.services.learning_record import RecordYear

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = Path(__file__).parent / "data" / "fonts" / "DejaVuSans-subset.ttf"
FAMILY = "DejaVu"
INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (25, 84, 133)
RED = (176, 0, 32)
QUOTES = {"lv": "„{}”", "en": "“{}”", "ru": "«{}»"}


def verify_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start=verify_{code}"


def numeric_date(tr: Translator, moment: datetime) -> str:
    """'08.01.2030.' / '1/8/2030' / '08.01.2030': no grammatical case to get wrong."""
    return format_skeleton("yMMdd", tr.local(moment), locale=tr.locale)


def date_span(tr: Translator, first: datetime | None, last: datetime | None) -> str:
    if first is None or last is None:
        return "—"
    start, end = numeric_date(tr, first), numeric_date(tr, last)
    return start if start == end else f"{start}–{end}"


def hours(tr: Translator, value: float) -> str:
    return tr.number(round(value, 1))


@cache
def _qr_runs(link: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The QR matrix as horizontal runs of dark modules: (row, first column, length)."""
    import segno

    matrix = segno.make(link, error="m").matrix
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return len(matrix), tuple(runs)


def _qr(pdf: FPDF, link: str, x: float, y: float, size: float) -> None:
    modules, runs = _qr_runs(link)
    unit = size / modules
    pdf.set_fill_color(0, 0, 0)
    for row, column, length in runs:
        pdf.rect(x + column * unit, y + row * unit, length * unit, unit, style="F")


def _document(orientation: str, title: str) -> FPDF:
    # Imported when a PDF is drawn: fpdf2 and its font tools take memory every bot pays.
    from fpdf import FPDF

    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Kopiena")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_font(FAMILY, "", str(FONT))
    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    pdf.set_text_color(*INK)
    return pdf


def _line(pdf: FPDF, text: str, size: float, *, color=INK, height: float | None = None) -> None:  # type: ignore[no-untyped-def]
    pdf.set_font(FAMILY, size=size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, height or size * 0.55, text, align="C", new_x="LMARGIN", new_y="NEXT")


def certificate_pdf(
    cert: CertificateView, tr: Translator, *, issuer: str, bot_username: str
) -> bytes:
    """A one-page A4 landscape certificate in `tr`'s language."""
    pdf = _document("L", tr._("Certificate"))
    width, height = pdf.w, pdf.h
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, width - 16, height - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, width - 22, height - 22)

    pdf.set_y(24)
    _line(pdf, issuer, 13, color=MUTED)
    pdf.ln(4)
    _line(pdf, tr._("CERTIFICATE"), 34, color=ACCENT)
    _line(pdf, tr._("of completing a training programme"), 13, color=MUTED)
    if cert.duplicate:
        _line(pdf, tr._("DUPLICATE"), 13, color=RED)
    pdf.ln(6)
    _line(pdf, cert.holder_name or "—", 26)
    pdf.ln(4)
    _line(pdf, QUOTES[tr.language].format(cert.event_title), 16)
    if cert.programme and cert.programme != cert.event_title:
        _line(pdf, tr._("Programme: {name}", name=cert.programme), 11, color=MUTED)
    pdf.ln(6)

    rows = [
        (
            tr._("Hours attended"),
            tr._(
                "{attended} of {total}",
                attended=hours(tr, cert.attended_hours),
                total=hours(tr, cert.total_hours),
            ),
        ),
        (tr._("Dates"), date_span(tr, cert.starts_at, cert.ends_at)),
        (tr._("Place"), cert.place or "—"),
        (tr._("Organiser"), cert.organiser or "—"),
        (tr._("Issued by"), issuer),
        (tr._("Date of issue"), numeric_date(tr, cert.issued_at)),
    ]
    label_width, value_width = 60, 120
    left = (width - label_width - value_width - 40) / 2
    for label, value in rows:
        pdf.set_x(left)
        pdf.set_font(FAMILY, size=11)
        pdf.set_text_color(*MUTED)
        pdf.cell(label_width, 7, label, align="R")
        pdf.cell(4)
        pdf.set_text_color(*INK)
        pdf.multi_cell(value_width, 7, value, new_x="LMARGIN", new_y="NEXT")

    link = verify_link(bot_username, cert.code)
    size = 34
    qr_x, qr_y = width - 18 - size, height - 18 - size
    _qr(pdf, link, qr_x, qr_y, size)
    pdf.set_xy(18, height - 18 - 16)
    pdf.set_font(FAMILY, size=12)
    pdf.set_text_color(*INK)
    pdf.cell(0, 6, tr._("Certificate no. {code}", code=format_code(cert.code)))
    pdf.set_xy(18, height - 18 - 9)
    pdf.set_font(FAMILY, size=8)
    pdf.set_text_color(*MUTED)
    pdf.cell(
        qr_x - 22,
        5,
        tr._(
            "Check it: scan the QR code, or send /verify {code} to @{bot}",
            code=format_code(cert.code),
            bot=bot_username,
        ),
    )
    return bytes(pdf.output())


def record_pdf(
    name: str,
    years: Sequence[RecordYear],
    tr: Translator,
    *,
    issuer: str,
    target: int,
    made_at: datetime,
) -> bytes:
    """The learning record: hours attended by year, each training and its certificate."""
    from fpdf import FontFace

    pdf = _document("P", tr._("Learning record"))
    pdf.set_font(FAMILY, size=20)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 10, tr._("Learning record"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=14)
    pdf.set_text_color(*INK)
    pdf.cell(0, 8, name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=9)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        0,
        5,
        tr._(
            "Hours attended in trainings registered in {issuer}, as marked by the trainers. "
            "Date: {date}",
            issuer=issuer,
            date=numeric_date(tr, made_at),
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    widths = (78, 44, 16, 36)
    headers = (tr._("Training"), tr._("Dates"), tr._("Hours"), tr._("Certificate"))
    if not years:
        pdf.set_text_color(*INK)
        pdf.set_font(FAMILY, size=11)
        pdf.cell(0, 8, tr._("No hours attended yet."), new_x="LMARGIN", new_y="NEXT")
    for year in years:
        pdf.ln(2)
        pdf.set_font(FAMILY, size=13)
        pdf.set_text_color(*ACCENT)
        heading = tr._("{year}: {hours} hours", year=year.year, hours=hours(tr, year.hours))
        if target:
            heading += " " + tr._("(target {target})", target=target)
        pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, size=9)
        pdf.set_text_color(*INK)
        with pdf.table(
            col_widths=widths,
            width=sum(widths),
            align="L",
            borders_layout="HORIZONTAL_LINES",
            line_height=5.5,
            headings_style=FontFace(color=MUTED),
            text_align="LEFT",
        ) as table:
            table.row(headers)
            for line in year.lines:
                title = line.title + (f" ({line.organiser})" if line.organiser else "")
                table.row(
                    (
                        title,
                        date_span(tr, line.first, line.last),
                        hours(tr, line.hours),
                        format_code(line.certificate) if line.certificate else "—",
                    )
                )
    return bytes(pdf.output())

"""Tables as CSV and XLSX files, safe to open in a spreadsheet.

Names, workplaces and other typed text come from users. A spreadsheet runs a cell that
starts with =, +, -, @ (or a tab or carriage return before them) as a formula, so
"=HYPERLINK(...)" in a name would become a live link. Such text is made inert:

- CSV has no cell types, so the text gets a leading apostrophe (the OWASP advice);
- XLSX stores it as a plain string cell (data type "s") with Excel's quote prefix, so
  the text stays exactly as typed and is never read as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MIN_WIDTH, MAX_WIDTH = 8, 50

Cell = str | int | float | datetime | None


@dataclass(frozen=True)
class Table:
    """A header row and data rows; datetimes are naive local times."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def inert(text: str) -> str:
    """Text that no spreadsheet reads as a formula (for CSV)."""
    return "'" + text if looks_like_formula(text) else text


@dataclass(frozen=True)
class CsvStyle:
    """What Excel expects when it opens a CSV file with a double click: where the decimal
    mark is a comma (Latvian, Russian settings), the list separator is a semicolon."""

    delimiter: str = ","
    decimal: str = "."


CSV_STYLES = {"lv": CsvStyle(";", ","), "ru": CsvStyle(";", ","), "en": CsvStyle(",", ".")}


def csv_style(language: str) -> CsvStyle:
    return CSV_STYLES.get(language, CsvStyle())


def _csv_cell(value: Cell, style: CsvStyle) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, float):
        return repr(value).replace(".", style.decimal)
    return value


def csv_bytes(table: Table, style: CsvStyle = CsvStyle()) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows ā, š and ж right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=style.delimiter, lineterminator="\r\n")
    writer.writerow([_csv_cell(h, style) for h in table.headers])
    for row in table.rows:
        writer.writerow([_csv_cell(value, style) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(XLSX_DATETIME_FORMAT)
    return len(str(value))


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\").strip("' ")
    return cleaned[:31] or "Sheet1"


def xlsx_bytes(table: Table) -> bytes:
    """One sheet: bold frozen header row, column widths that fit the content."""
    return xlsx_book([table])


def xlsx_book(tables: Sequence[Table]) -> bytes:
    """One sheet per table, in order (see `xlsx_bytes`)."""
    # Imported here: openpyxl takes about 25 MB, and most running bots never export.
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    assert first is not None
    for index, table in enumerate(tables):
        sheet = first if index == 0 else workbook.create_sheet()
        _fill(sheet, table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fill(sheet, table: Table) -> None:  # type: ignore[no-untyped-def]
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.title = _sheet_title(table.title)
    bold = Font(bold=True)
    widths = [_width(h) for h in table.headers]
    for column, header in enumerate(table.headers, start=1):
        cell = _put(sheet, 1, column, header)
        cell.font = bold
    for row_number, row in enumerate(table.rows, start=2):
        for column, value in enumerate(row, start=1):
            _put(sheet, row_number, column, value)
            widths[column - 1] = max(widths[column - 1], _width(value))
    for column, width in enumerate(widths, start=1):
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"


def _put(sheet, row: int, column: int, value: Cell):  # type: ignore[no-untyped-def]
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        if cell.data_type != "s" or looks_like_formula(text):
            cell.data_type = "s"  # plain text, never a formula
            cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.value = value
        cell.number_format = XLSX_DATETIME_FORMAT
    else:
        cell.value = value
    return cell

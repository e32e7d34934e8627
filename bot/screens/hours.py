"""/hours, the learning record: its buttons."""

from __future__ import annotations

from enum import StrEnum

from bot.buttons import Button, button


class RecordFormat(StrEnum):
    PDF = "pdf"
    XLSX = "xlsx"


@button("hr")
class RecordFile(Button):
    format: RecordFormat

"""Registrant lists, the municipality summary and exports: their buttons."""

from __future__ import annotations

from enum import StrEnum

from bot.buttons import Button, button


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@button("el")
class Registrants(Button):
    event_id: int
    page: int


@button("es")
class MunicipalitySummary(Button):
    event_id: int


@button("ex")
class Export(Button):
    event_id: int
    format: ExportFormat

"""Registrant lists, the municipality summary and exports: their buttons."""

from __future__ import annotations

from enum import StrEnum

from bot.buttons import Button, button
from bot.i18n import Translator
from bot.services.reports import MunicipalityCount


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


def count_line(tr: Translator, label: str, counts: MunicipalityCount) -> str:
    return tr._(
        "{name}: {confirmed} registered, {waiting} waiting, {pending} to approve, "
        "{attended} attended",
        name=label,
        confirmed=counts.confirmed,
        waiting=counts.waiting,
        pending=counts.pending,
        attended=counts.attended,
    )

"""A service's refusal in the user's words."""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot.i18n import Translator
from bot.services.errors import ServiceError


def explain(tr: Translator, error: ServiceError) -> str:
    values: dict[str, object] = {}
    for key, value in error.values.items():
        if isinstance(value, datetime):
            value = tr.on_datetime(value)
        values[key] = escape(value) if isinstance(value, str) else value
    return tr._(error.message, **values)

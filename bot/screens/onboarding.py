"""Onboarding and the profile: what they show."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services import municipalities
from bot.services.municipalities import OTHER


def municipality_name(tr: Translator, code: str | None) -> str:
    if code == OTHER:
        return tr._("Other (not a municipality)")
    found = municipalities.get(code or "")
    return found.name if found else "—"

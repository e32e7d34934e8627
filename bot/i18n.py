"""Languages: gettext catalogs (managed with Babel) and locale-aware formatting.

Message ids are the English texts. Catalogs are `.po` files under `bot/locale/`,
compiled in memory when first used, so there is no build step to forget.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from bot.config import LANGUAGES, Language

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGE_NAMES: dict[Language, str] = {"lv": "Latviešu", "en": "English", "ru": "Русский"}


def N_(message: str) -> str:
    """Mark a string for extraction; translate it later with `Translator._`."""
    return message


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(language: Language) -> Translations:
    with catalog_path(language).open("rb") as po_file:
        catalog = read_po(po_file, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class Translator:
    """Everything a handler needs to speak one language."""

    def __init__(self, language: Language, timezone: ZoneInfo) -> None:
        self.language: Language = language
        self.timezone = timezone
        self.locale = Locale.parse(language)
        self._catalog = _translations(language)

    def _(self, message: str, **values: object) -> str:
        text = self._catalog.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        text = self._catalog.ngettext(singular, plural, count)
        return text.format(count=count, **values)

    def number(self, value: float) -> str:
        """'64', '1,5' (lv, ru) or '1.5' (en)."""
        return format_decimal(value, format="#,##0.#", locale=self.locale)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.timezone)

    def date(self, moment: datetime) -> str:
        """'2026. gada 23. novembris' / 'November 23, 2026' / '23 ноября 2026 г.'"""
        return format_date(self.local(moment), format="long", locale=self.locale)

    def short_date(self, moment: datetime) -> str:
        """'pirmd., 23. novembris' / 'Mon, Nov 23': for lists where the weekday helps."""
        return format_skeleton("MMMMEd", self.local(moment), locale=self.locale)

    def time(self, moment: datetime) -> str:
        return format_skeleton("Hm", self.local(moment), locale=self.locale)

    def datetime(self, moment: datetime) -> str:
        return f"{self.date(moment)}, {self.time(moment)}"


@cache
def translator_for(language: Language, timezone: ZoneInfo) -> Translator:
    """Translators are immutable and cheap to share; building one parses the locale."""
    return Translator(language, timezone)


def pick_language(chosen: str | None, telegram_code: str | None, default: Language) -> Language:
    """The user's own choice wins; then Telegram's language_code; then the default."""
    if chosen in LANGUAGES:
        return chosen  # type: ignore[return-value]
    if telegram_code:
        prefix = telegram_code.split("-")[0].lower()
        if prefix in LANGUAGES:
            return prefix  # type: ignore[return-value]
    return default

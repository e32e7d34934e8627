"""Languages: gettext catalogs (managed with Babel) and locale-aware formatting.

Message ids are the English texts. Catalogs are `.po` files under `bot/locale/`,
compiled in memory when first used, so there is no build step to forget.
"""

from __future__ import annotations

import copy
import io
import unicodedata
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton
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
        self.this_year: int | None = None  # set by `at`; None writes every year out
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

    def at(self, now: datetime) -> Translator:
        """This translator, told what "now" is: dates in the current year drop the year."""
        told = copy.copy(self)
        told.this_year = self.local(now).year
        return told

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.timezone)

    # Dates. Latvian needs a case per use; CLDR has only the nominative, so Latvian
    # dates are built from LATVIAN_MONTHS. Russian CLDR already gives the genitive
    # ("15 сентября") that every use needs; English has no cases.

    def date(self, moment: datetime) -> str:
        """A date on its own (headings, lists): '2026. gada 23. novembris' /
        '23 ноября 2026 г.' / 'November 23, 2026'."""
        return self._date(self.local(moment), NOMINATIVE)

    def on_date(self, moment: datetime) -> str:
        """A date answering "when?": 'sāksies 2027. gada 1. jūnijā' (Latvian locative)."""
        return self._date(self.local(moment), LOCATIVE)

    def until_date(self, moment: datetime) -> str:
        """A date after "until": 'līdz 2027. gada 15. septembrim' (Latvian dative)."""
        return self._date(self.local(moment), DATIVE)

    def time(self, moment: datetime) -> str:
        """'9.00' (Latvian) / '9:00'."""
        local = self.local(moment)
        mark = "." if self.language == "lv" else ":"
        return f"{local.hour}{mark}{local.minute:02d}"

    def datetime(self, moment: datetime) -> str:
        """A date and time on their own: '2027. gada 15. septembris plkst. 23.59'."""
        return self._with_time(self.date(moment), moment)

    def on_datetime(self, moment: datetime) -> str:
        """'2027. gada 1. jūnijā plkst. 9.00' / '1 июня 2027 г. в 9:00' / 'June 1, 2027 at 9:00'."""
        return self._with_time(self.on_date(moment), moment)

    def until_datetime(self, moment: datetime) -> str:
        """'(līdz) 2027. gada 15. septembrim plkst. 23.59' / '(до) 15 сентября 2027 г. в 23:59'."""
        return self._with_time(self.until_date(moment), moment)

    def short_date(self, moment: datetime) -> str:
        """'pirmd., 23. novembris' / 'Mon, Nov 23': for lists where the weekday helps."""
        return format_skeleton("MMMMEd", self.local(moment), locale=self.locale)

    def date_range(self, first: datetime, last: datetime) -> str:
        """'2027. gada 27.–29. septembris' / '27–29 сентября 2027 г.' / 'September 27–29, 2027';
        the shared month and year are written once."""
        start, end = self.local(first), self.local(last)
        if start.date() == end.date():
            return self.date(first)
        if start.year != end.year:
            return f"{self.date(first)} – {self.date(last)}"
        year = None if start.year == self.this_year else start.year
        same_month = start.month == end.month
        if self.language == "lv":
            month = LATVIAN_MONTHS[NOMINATIVE][end.month - 1]
            if same_month:
                days = f"{start.day}.–{end.day}. {month}"
            else:
                first_month = LATVIAN_MONTHS[NOMINATIVE][start.month - 1]
                days = f"{start.day}. {first_month} – {end.day}. {month}"
            return f"{year}. gada {days}" if year else days
        last_day = self._day_month(end)
        if self.language == "ru":
            days = (
                f"{start.day}–{last_day}"
                if same_month
                else f"{self._day_month(start)} – {last_day}"
            )
            return f"{days} {year}\u202fг." if year else days  # as CLDR writes "2027 г."
        days = (
            f"{self._day_month(start)}–{end.day}"
            if same_month
            else (f"{self._day_month(start)} – {last_day}")
        )
        return f"{days}, {year}" if year else days

    def duration(self, minutes: float) -> str:
        """'2 st. 20 min' / '2 ч 20 мин' / '2 h 20 min'; whole hours and minutes, never decimals."""
        hours, rest = divmod(max(0, round(minutes)), 60)
        hour_unit, minute_unit = DURATION_UNITS[self.language]
        parts = [f"{hours} {hour_unit}"] if hours else []
        if rest or not hours:
            parts.append(f"{rest} {minute_unit}")
        return " ".join(parts)

    def _day_month(self, local: datetime) -> str:
        return format_skeleton("MMMMd", local, locale=self.locale)

    def _date(self, local: datetime, case: int) -> str:
        with_year = local.year != self.this_year
        if self.language == "lv":
            day_month = f"{local.day}. {LATVIAN_MONTHS[case][local.month - 1]}"
            return f"{local.year}. gada {day_month}" if with_year else day_month
        if with_year:
            return format_skeleton("yMMMMd", local, locale=self.locale)
        return self._day_month(local)

    def _with_time(self, date: str, moment: datetime) -> str:
        joiner = {"lv": " plkst. ", "ru": " в ", "en": " at "}[self.language]
        return f"{date}{joiner}{self.time(moment)}"


NOMINATIVE, LOCATIVE, DATIVE = 0, 1, 2
# Latvian month names by case: nominative ("27. septembris"), locative ("1. jūnijā",
# answering "kad?") and dative ("līdz 15. septembrim").
LATVIAN_MONTHS: tuple[tuple[str, ...], ...] = (
    (
        "janvāris",
        "februāris",
        "marts",
        "aprīlis",
        "maijs",
        "jūnijs",
        "jūlijs",
        "augusts",
        "septembris",
        "oktobris",
        "novembris",
        "decembris",
    ),
    (
        "janvārī",
        "februārī",
        "martā",
        "aprīlī",
        "maijā",
        "jūnijā",
        "jūlijā",
        "augustā",
        "septembrī",
        "oktobrī",
        "novembrī",
        "decembrī",
    ),
    (
        "janvārim",
        "februārim",
        "martam",
        "aprīlim",
        "maijam",
        "jūnijam",
        "jūlijam",
        "augustam",
        "septembrim",
        "oktobrim",
        "novembrim",
        "decembrim",
    ),
)
DURATION_UNITS: dict[Language, tuple[str, str]] = {
    "lv": ("st.", "min"),
    "ru": ("ч", "мин"),
    "en": ("h", "min"),
}


# The Latvian alphabet, each letter with a diacritic right after its base letter; the
# letters Latvian does not use (q, w, x, y) keep their Latin places.
LATVIAN_ALPHABET = "aābcčdeēfgģhiījkķlļmnņopqrsštuūvwxyzž"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(LATVIAN_ALPHABET)}


def latvian_sort_key(text: str) -> tuple[tuple[int, ...], str]:
    """Sort names in Latvian alphabetical order: 'Cīrule' < 'Čakste' < 'Dālderis',
    'Jānis' < 'John' (ā comes right after a). Other accented letters ('é', 'ö') sort as
    their base letter; digits and signs come before letters, other scripts after them.
    Ties (case) fall back to the text itself, so the order is total."""
    ranks: list[int] = []
    for char in text.casefold():
        rank = _LETTER_RANK.get(char)
        if rank is None:
            base = unicodedata.normalize("NFKD", char)[:1]
            rank = _LETTER_RANK.get(base)
        if rank is not None:
            ranks.append(1_000_000 + rank)
        elif char.isspace() or char in "-'’":
            ranks.append(0)  # word breaks first: "Liepa Anna" before "Liepaja"
        elif char.isalpha():
            ranks.append(2_000_000 + ord(char))  # other scripts (Cyrillic) after Latin
        else:
            ranks.append(ord(char))
    return tuple(ranks), text


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

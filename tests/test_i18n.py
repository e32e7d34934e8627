"""Catalogs are complete, and dates read the way each language writes them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.catalogs import extract, missing_translations
from bot.i18n import Translator, pick_language

RIGA = ZoneInfo("Europe/Riga")


@pytest.mark.parametrize("language", ["lv", "en", "ru"])
def test_every_message_in_the_code_is_translated(language: str) -> None:
    assert len(extract()) > 5
    assert missing_translations(language) == []


def test_a_new_message_would_be_reported_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from babel.messages.catalog import Catalog

    template = Catalog()
    template.add("A message nobody translated yet")
    monkeypatch.setattr("bot.catalogs.extract", lambda: template)
    assert missing_translations("lv") == ["A message nobody translated yet"]


def test_latvian_dates_read_as_users_see_them() -> None:
    # Pinned on purpose: a CLDR update that changes what Latvian users read must show up
    # here as a deliberate change, not slip through.
    lv = Translator("lv", RIGA)
    # 27 September 2026 06:30 UTC is 09:30 in Riga (summer time, UTC+3).
    moment = datetime(2026, 9, 27, 6, 30, tzinfo=UTC)
    assert lv.date(moment) == "2026. gada 27. septembris"
    assert lv.short_date(moment) == "svētd., 27. septembris"
    assert lv.short_date(datetime(2030, 1, 14, 8, 0, tzinfo=UTC)) == "pirmd., 14. janvāris"
    assert lv.datetime(moment) == "2026. gada 27. septembris, 09:30"
    # In winter Riga is UTC+2.
    assert lv.time(datetime(2026, 12, 1, 7, 0, tzinfo=UTC)) == "09:00"


def test_english_and_russian_dates_are_riga_time() -> None:
    # Only the parts CLDR releases do not reword: day, year, Riga time, Russian month case.
    moment = datetime(2026, 9, 27, 6, 30, tzinfo=UTC)
    english = Translator("en", RIGA).datetime(moment)
    assert "27" in english and "2026" in english and english.endswith("09:30")
    assert english.startswith("Sep")
    russian = Translator("ru", RIGA).datetime(moment)
    assert russian.startswith("27 сентября 2026") and russian.endswith("09:30")


def test_latvian_and_russian_have_three_plural_forms() -> None:
    lv = Translator("lv", RIGA)
    ru = Translator("ru", RIGA)
    assert lv._catalog.plural(1) == 0 and lv._catalog.plural(2) == 1 and lv._catalog.plural(0) == 2
    assert {ru._catalog.plural(n) for n in (1, 3, 5)} == {0, 1, 2}


@pytest.mark.parametrize(
    ("chosen", "code", "expected"),
    [
        ("ru", "lv", "ru"),
        (None, "en-GB", "en"),
        (None, "ru", "ru"),
        (None, "de", "lv"),
        (None, None, "lv"),
        ("xx", "en", "en"),
    ],
)
def test_language_choice(chosen: str | None, code: str | None, expected: str) -> None:
    assert pick_language(chosen, code, "lv") == expected

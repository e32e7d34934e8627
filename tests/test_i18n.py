"""Catalogs are complete, and dates read the way each language writes them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.catalogs import extract, missing_translations
from bot.i18n import Translator, latvian_sort_key, pick_language

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
    # Pinned on purpose: a CLDR update or a change of the case table that changes what
    # Latvian users read must show up here as a deliberate change, not slip through.
    lv = Translator("lv", RIGA)
    # 27 September 2026 06:30 UTC is 09:30 in Riga (summer time, UTC+3).
    moment = datetime(2026, 9, 27, 6, 30, tzinfo=UTC)
    assert lv.date(moment) == "2026. gada 27. septembris"
    assert lv.short_date(moment) == "svētd., 27. septembris"
    assert lv.short_date(datetime(2030, 1, 14, 8, 0, tzinfo=UTC)) == "pirmd., 14. janvāris"
    assert lv.datetime(moment) == "2026. gada 27. septembris plkst. 9.30"
    # "kad?" takes the locative, "līdz" the dative.
    assert lv.on_datetime(datetime(2027, 6, 1, 6, 0, tzinfo=UTC)) == (
        "2027. gada 1. jūnijā plkst. 9.00"
    )
    assert lv.until_datetime(datetime(2027, 9, 15, 20, 59, tzinfo=UTC)) == (
        "2027. gada 15. septembrim plkst. 23.59"
    )
    assert lv.on_date(datetime(2028, 3, 1, 10, 0, tzinfo=UTC)) == "2028. gada 1. martā"
    assert lv.until_date(datetime(2028, 3, 1, 10, 0, tzinfo=UTC)) == "2028. gada 1. martam"
    # In winter Riga is UTC+2.
    assert lv.time(datetime(2026, 12, 1, 7, 0, tzinfo=UTC)) == "9.00"
    # The current year is not written out.
    this_year = lv.at(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    assert this_year.until_datetime(datetime(2026, 12, 7, 14, 20, tzinfo=UTC)) == (
        "7. decembrim plkst. 16.20"
    )
    assert this_year.on_datetime(datetime(2027, 1, 10, 16, 30, tzinfo=UTC)) == (
        "2027. gada 10. janvārī plkst. 18.30"
    )
    # Ranges write the shared month and year once.
    day = datetime(2027, 9, 27, 6, 0, tzinfo=UTC)
    assert lv.date_range(day, day.replace(day=29)) == "2027. gada 27.–29. septembris"
    assert lv.date_range(day.replace(day=30), day.replace(month=10, day=2)) == (
        "2027. gada 30. septembris – 2. oktobris"
    )
    new_year = (day.replace(year=2026, month=12, day=30), day.replace(month=1, day=2))
    assert lv.date_range(*new_year) == "2026. gada 30. decembris – 2027. gada 2. janvāris"
    december = (day.replace(year=2026, month=12, day=3), day.replace(year=2026, month=12, day=5))
    assert this_year.date_range(*december) == "3.–5. decembris"
    assert lv.date_range(day, day) == "2027. gada 27. septembris"
    durations = [lv.duration(minutes) for minutes in (140, 120, 20, 0)]
    assert durations == ["2 st. 20 min", "2 st.", "20 min", "0 min"]


def test_english_and_russian_dates_are_riga_time() -> None:
    # Only the parts CLDR releases do not reword: day, year, Riga time, Russian month case.
    moment = datetime(2026, 9, 27, 6, 30, tzinfo=UTC)
    english = Translator("en", RIGA).datetime(moment)
    assert "27" in english and "2026" in english and english.endswith(" 9:30")
    assert english.startswith("Sep")
    russian = Translator("ru", RIGA).datetime(moment)
    assert russian.startswith("27 сентября 2026") and russian.endswith("в 9:30")


def test_russian_and_english_dates_read_naturally() -> None:
    ru, en = Translator("ru", RIGA), Translator("en", RIGA)
    start = datetime(2027, 6, 1, 6, 0, tzinfo=UTC)
    assert ru.on_datetime(start) == "1 июня 2027\u202fг. в 9:00"
    deadline = datetime(2027, 9, 15, 20, 59, tzinfo=UTC)
    assert ru.until_datetime(deadline) == "15 сентября 2027\u202fг. в 23:59"
    assert en.on_datetime(start) == "June 1, 2027 at 9:00"
    day = datetime(2027, 9, 27, 6, 0, tzinfo=UTC)
    next_month = (day.replace(day=30), day.replace(month=10, day=2))
    new_year = (day.replace(year=2026, month=12, day=30), day.replace(month=1, day=2))
    assert ru.date_range(day, day.replace(day=29)) == "27–29 сентября 2027\u202fг."
    assert ru.date_range(*next_month) == "30 сентября – 2 октября 2027\u202fг."
    assert ru.date_range(*new_year) == "30 декабря 2026\u202fг. – 2 января 2027\u202fг."
    assert en.date_range(day, day.replace(day=29)) == "September 27–29, 2027"
    assert en.date_range(*next_month) == "September 30 – October 2, 2027"
    assert en.date_range(*new_year) == "December 30, 2026 – January 2, 2027"
    assert ru.at(day).on_date(day) == "27 сентября"
    assert (ru.duration(140), en.duration(140)) == ("2 ч 20 мин", "2 h 20 min")


def test_the_latvian_case_table_agrees_with_cldr_month_names() -> None:
    # Dates Babel writes (weekday lists) and dates from the case table must name the
    # months alike; a CLDR change shows up here.
    lv = Translator("lv", RIGA)
    for month in range(1, 13):
        moment = datetime(2027, month, 10, 12, 0, tzinfo=UTC)
        assert lv.short_date(moment).endswith(", " + lv.at(moment).date(moment))


def test_names_sort_in_latvian_alphabetical_order() -> None:
    names = ["John", "Jānis", "Čakste", "Cīrule", "Cvetkova", "Šmits", "Szabo", "Ābele", "Abrams"]
    names += ["Žagata", "Zīle", "Ņikitins", "Nīmanis", "Ģirts", "Gusts", "Ķesteris", "Kalniņa"]
    assert sorted(names, key=latvian_sort_key) == [
        "Abrams", "Ābele", "Cīrule", "Cvetkova", "Čakste", "Gusts", "Ģirts", "Jānis",
        "John", "Kalniņa", "Ķesteris", "Nīmanis", "Ņikitins", "Szabo", "Šmits", "Zīle",
        "Žagata",
    ]  # fmt: skip


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

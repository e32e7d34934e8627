"""The .ics file follows the event: a cached file is never served after a change."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.calendar import event_calendar
from bot.services.events import EventStatus, EventView, SessionView

RIGA = ZoneInfo("Europe/Riga")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def summer_school() -> EventView:
    first = datetime(2027, 6, 14, 6, 0, tzinfo=UTC)
    sessions = tuple(
        SessionView(
            10 + day, first + timedelta(days=day), first + timedelta(days=day, hours=7), None
        )
        for day in range(3)
    )
    return EventView(
        id=7,
        title="Vasaras skola",
        description="Trīs dienas Strazdē",
        place="Strazde",
        online_url=None,
        capacity=40,
        municipality_limit=None,
        needs_approval=False,
        registration_opens_at=None,
        registration_deadline=None,
        status=EventStatus.PUBLISHED,
        organiser_id=1,
        sessions=sessions,
    )


def test_every_change_that_shows_in_the_file_makes_a_new_file() -> None:
    event = summer_school()
    first = event_calendar(event, RIGA, NOW).decode()
    assert first.count("BEGIN:VEVENT") == 3
    assert "DTSTART;TZID=Europe/Riga:20270614T090000" in first

    # Seats filling up change nothing in the file: the same file is served.
    fuller = replace(event, counts={"confirmed": 39})
    assert event_calendar(fuller, RIGA, NOW + timedelta(hours=1)).decode() == first

    moved = replace(
        event,
        sessions=(
            replace(event.sessions[0], starts_at=event.sessions[0].starts_at + timedelta(hours=1)),
            *event.sessions[1:],
        ),
    )
    assert "DTSTART;TZID=Europe/Riga:20270614T100000" in event_calendar(moved, RIGA, NOW).decode()
    renamed = replace(event, title="Vasaras skola 2027")
    assert "SUMMARY:Vasaras skola 2027 (1/3)" in event_calendar(renamed, RIGA, NOW).decode()
    elsewhere = replace(
        event, sessions=(replace(event.sessions[0], place="Rīga"), *event.sessions[1:])
    )
    assert "LOCATION:Rīga" in event_calendar(elsewhere, RIGA, NOW).decode()
    assert "LOCATION:Rīga" not in event_calendar(event, RIGA, NOW).decode()

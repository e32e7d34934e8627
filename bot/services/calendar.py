"""An .ics calendar file with every session of an event, in the local time zone."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone
from icalendar import Event as CalendarEvent

from bot.services.events import EventView

UID_DOMAIN = "kopiena.bot"


def event_calendar(event: EventView, timezone: ZoneInfo, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Kopiena//Training events//LV")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", event.title)
    total = len(event.sessions)
    for number, session in enumerate(event.sessions, start=1):
        item = CalendarEvent()
        item.add("uid", f"session-{session.id}@{UID_DOMAIN}")
        item.add("dtstamp", now)
        item.add("dtstart", session.starts_at.astimezone(timezone))
        item.add("dtend", session.ends_at.astimezone(timezone))
        item.add("summary", event.title if total == 1 else f"{event.title} ({number}/{total})")
        location = session.place or event.place or event.online_url
        if location:
            item.add("location", location)
        if event.online_url:
            item.add("url", event.online_url)
        if event.description:
            item.add("description", event.description)
        calendar.add_component(item)
    calendar.add_component(_timezone(timezone.key))
    return calendar.to_ical()


@cache
def _timezone(key: str) -> Timezone:
    # Building a VTIMEZONE from the tz database is slow; the zone does not change.
    return Timezone.from_tzinfo(ZoneInfo(key))

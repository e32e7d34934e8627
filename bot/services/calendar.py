"""An .ics calendar file with every session of an event, in the local time zone.

Files are cached by their content: everyone who registers for the same event gets the
same bytes until a title, place or session changes. Building one costs about 10 ms
(most of it the VTIMEZONE block), which would otherwise be paid on every registration.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone
from icalendar import Event as CalendarEvent

from bot.services.events import EventView

UID_DOMAIN = "kopiena.bot"
CACHED_FILES = 256


class _Session(NamedTuple):
    id: int
    starts_at: datetime
    ends_at: datetime
    place: str | None


class _Content(NamedTuple):
    """Everything that ends up in the file (and nothing else, such as seat counts)."""

    title: str
    description: str
    place: str | None
    online_url: str | None
    sessions: tuple[_Session, ...]
    timezone: str


_files: OrderedDict[_Content, bytes] = OrderedDict()  # least recently used first


def event_calendar(event: EventView, timezone: ZoneInfo, now: datetime) -> bytes:
    content = _Content(
        event.title,
        event.description,
        event.place,
        event.online_url,
        tuple(_Session(s.id, s.starts_at, s.ends_at, s.place) for s in event.sessions),
        timezone.key,
    )
    cached = _files.get(content)
    if cached is None:
        # DTSTAMP is when this file was first built, which is what the standard asks for.
        cached = _files[content] = _render(content, now.replace(microsecond=0))
        if len(_files) > CACHED_FILES:
            _files.popitem(last=False)
    else:
        _files.move_to_end(content)
    return cached


def _render(content: _Content, now: datetime) -> bytes:
    timezone = ZoneInfo(content.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//Kopiena//Training events//LV")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", content.title)
    total = len(content.sessions)
    for number, session in enumerate(content.sessions, start=1):
        item = CalendarEvent()
        item.add("uid", f"session-{session.id}@{UID_DOMAIN}")
        item.add("dtstamp", now)
        item.add("dtstart", session.starts_at.astimezone(timezone))
        item.add("dtend", session.ends_at.astimezone(timezone))
        item.add("summary", content.title if total == 1 else f"{content.title} ({number}/{total})")
        location = session.place or content.place or content.online_url
        if location:
            item.add("location", location)
        if content.online_url:
            item.add("url", content.online_url)
        if content.description:
            item.add("description", content.description)
        calendar.add_component(item)
    calendar.add_component(_timezone(content.timezone))
    return calendar.to_ical()


@cache
def _timezone(key: str) -> Timezone:
    # Building a VTIMEZONE from the tz database is slow; the zone does not change.
    return Timezone.from_tzinfo(ZoneInfo(key))

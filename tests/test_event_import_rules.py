"""Re-importing an events file follows the chat's rules: the capacity cannot drop below
the people registered, moved sessions get their reminders planned again, and registrants
are told (through the outbox) of a freed seat, a moved session and a cancellation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.outbox import dispatch_due
from bot.sandbox import Sandbox
from bot.services import reminders
from bot.services.event_import import ImportError_, import_events
from storage.models import Delivery, Event, Registration
from storage.models import Session as EventSession
from tests.eventkit import START, db, register
from tests.helpers import EN, Clock, onboard

FILE = """
events:
  - key: supervizija-2030
    title: "Supervīzija sociālajiem darbiniekiem"
    description: "Grupas supervīzija."
    place: "Rīga"
    capacity: {capacity}
    status: {status}
    sessions:
      - start: 2030-01-20 10:00
        end: 2030-01-20 14:00
      - start: {second}
        end: {second_end}
"""


RIGA = ZoneInfo("Europe/Riga")
OLD, NEW = datetime(2030, 1, 22, 10, tzinfo=RIGA), datetime(2030, 1, 22, 12, tzinfo=RIGA)


def when(moment: datetime) -> str:
    return f"{EN.short_date(moment)}, {EN.time(moment)}"


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


async def load(
    sandbox: Sandbox,
    clock: Clock,
    tmp_path: Path,
    *,
    capacity: int = 2,
    status: str = "published",
    second: str = "2030-01-22 10:00",
) -> None:
    path = tmp_path / "events.yaml"
    day, hour = second.split()
    end = f"{day} {int(hour[:2]) + 4:02d}:00"
    path.write_text(
        FILE.format(capacity=capacity, status=status, second=second, second_end=end),
        encoding="utf-8",
    )
    assert sandbox.runtime is not None
    await import_events(sandbox.runtime.db, path, sandbox.settings.tz, now=clock())


async def state(sandbox: Sandbox) -> tuple[int, list[str], dict[str, int]]:
    async with db(sandbox)() as session:
        event = await session.scalar(select(Event))
        assert event is not None
        statuses = list(
            await session.scalars(select(Registration.status).order_by(Registration.seq))
        )
        reminder_rows = await session.execute(
            select(EventSession.starts_at, Delivery.status)
            .join(EventSession, EventSession.id == Delivery.ref_id)
            .where(Delivery.kind == reminders.KIND)
        )
        pending: dict[str, int] = {}
        for starts_at, status in reminder_rows:
            if status == "pending":
                pending[starts_at.isoformat()] = pending.get(starts_at.isoformat(), 0) + 1
        return event.capacity, statuses, pending


async def test_reimport_keeps_the_chats_rules_and_tells_registrants(
    sandbox: Sandbox, clock: Clock, tmp_path: Path
) -> None:
    await load(sandbox, clock, tmp_path)
    people = [await onboard(sandbox, 600 + i, name) for i, name in enumerate(NAMES)]
    async with db(sandbox)() as session:
        event_id = await session.scalar(select(Event.id))
    assert event_id is not None
    for person in people:
        await register(person, event_id)
    capacity, statuses, pending = await state(sandbox)
    assert statuses == ["confirmed", "confirmed", "waiting"]
    assert pending == {"2030-01-20T08:00:00+00:00": 4, "2030-01-22T08:00:00+00:00": 4}

    # Fewer seats than people registered: refused, nothing changes.
    with pytest.raises(ImportError_, match="capacity 1 is lower than the 2 people"):
        await load(sandbox, clock, tmp_path, capacity=1)
    assert (await state(sandbox))[:2] == (2, statuses)

    # One more seat and the second session two hours later.
    before = [len(person.replies_since(0).texts) for person in people]
    await load(sandbox, clock, tmp_path, capacity=3, second="2030-01-22 12:00")
    capacity, statuses, pending = await state(sandbox)
    assert (capacity, statuses) == (3, ["confirmed"] * 3)
    # Reminders: none left for the old time, everyone's for the new one (24 h and 1 h).
    assert pending == {"2030-01-20T08:00:00+00:00": 6, "2030-01-22T10:00:00+00:00": 6}
    await dispatch_due(sandbox.application)  # type: ignore[arg-type]
    told = [person.replies_since(n).texts for person, n in zip(people, before, strict=True)]
    for texts in told:
        moved = [t for t in texts if "schedule of" in t]
        assert len(moved) == 1
        assert f"{when(OLD)}: no longer held" in moved[0]
        assert f"{when(NEW)}: new session" in moved[0]
    assert [t for t in told[2] if "A seat has freed up" in t]  # Cilda got the new seat
    assert not [t for texts in told[:2] for t in texts if "A seat has freed up" in t]

    # Cancelled in the file: everyone is told once, and no reminder is left.
    await load(sandbox, clock, tmp_path, capacity=3, status="cancelled", second="2030-01-22 12:00")
    await dispatch_due(sandbox.application)  # type: ignore[arg-type]
    for person in people:
        cancelled = [t for t in person.replies_since(0).texts if "has been cancelled" in t]
        assert len(cancelled) == 1
    assert (await state(sandbox))[2] == {}
    await load(sandbox, clock, tmp_path, capacity=3, status="cancelled", second="2030-01-22 12:00")
    await dispatch_due(sandbox.application)  # type: ignore[arg-type]
    for person in people:  # importing the same file again tells nobody anything new
        cancelled = [t for t in person.replies_since(0).texts if "has been cancelled" in t]
        assert len(cancelled) == 1


NAMES = ["Anna Ābele", "Baiba Bērziņa", "Cilda Cīrule"]

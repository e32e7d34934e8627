"""Automatic reminders, end to end: planned when people register, sent at the right
instant to the right people, muted in /settings, changed by the organiser, and never
lost or doubled across a restart."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.outbox import dispatch_due
from bot.sandbox import Sandbox, SandboxUser
from storage.models import Delivery, User
from tests.eventkit import START, create_event, organiser, register
from tests.helpers import Clock, onboard

SESSION = START + timedelta(days=3, hours=2)  # 10:00 UTC, 12:00 in Riga (winter)


def reminders_of(user: SandboxUser) -> list[str]:
    return [t for t in user.replies_since(0).texts if t.startswith("⏰")]


async def statuses(sandbox: Sandbox) -> list[tuple[str, str]]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        rows = await session.execute(
            select(Delivery.dedupe_key, Delivery.status)
            .where(Delivery.kind == "reminder")
            .order_by(Delivery.id)
        )
        return [(k, s) for k, s in rows]


async def run(sandbox: Sandbox) -> int:
    assert sandbox.application is not None
    return await dispatch_due(sandbox.application)


async def an_event(sandbox: Sandbox, clock: Clock, *, capacity: int = 2, sessions: int = 1):  # type: ignore[no-untyped-def]
    clock.now = START
    olga = await organiser(sandbox)
    event_id, session_ids = await create_event(
        sandbox,
        501,
        [
            (SESSION + timedelta(days=i), SESSION + timedelta(days=i, hours=4))
            for i in range(sessions)
        ],
        title="Supervīzija & <prakse>",
        capacity=capacity,
    )
    return olga, event_id, session_ids


async def test_24_and_1_hour_reminders_reach_confirmed_people_at_their_instant(
    sandbox: Sandbox, clock: Clock
) -> None:
    _, event_id, _ = await an_event(sandbox, clock)
    anna, berta, cita, dace = [
        await onboard(sandbox, 1001 + i, f"{name} Kalniņa")
        for i, name in enumerate(["Anna", "Berta", "Cita", "Dace"])
    ]
    for person in (anna, berta, cita, dace):
        await register(person, event_id)  # Cita and Dace: waiting list
    await berta.send("/my")
    await berta.press("✖ Cancel")
    await berta.press("✖ Yes, cancel")  # Cita moves up and gets Berta's seat
    assert sandbox.runtime is not None
    async with sandbox.runtime.db.begin() as session:  # Cita reads Latvian
        await session.execute(update(User).where(User.telegram_id == 1003).values(language="lv"))

    clock.now = SESSION - timedelta(hours=24, seconds=1)
    assert await run(sandbox) == 0
    clock.now = SESSION - timedelta(hours=24)
    assert await run(sandbox) == 2
    [anna_first] = reminders_of(anna)
    assert "Supervīzija & <prakse>" in anna_first  # escaped on the way, shown as typed
    assert "12:00–16:00" in anna_first and "Rīga, Zaķusalas krastmala 1" in anna_first
    [cita_first] = reminders_of(cita)
    assert "Atgādinājums" in cita_first and "12.00–16.00" in cita_first
    calendar = anna.find_button("📆")[1]
    assert calendar == f"ev:ics:{event_id}"
    assert await run(sandbox) == 0  # nothing twice

    clock.now = SESSION - timedelta(hours=1, seconds=1)
    assert await run(sandbox) == 0
    clock.now = SESSION - timedelta(hours=1)
    assert await run(sandbox) == 2
    assert len(reminders_of(anna)) == len(reminders_of(cita)) == 2
    assert reminders_of(berta) == reminders_of(dace) == []  # cancelled, waiting list
    clock.now = SESSION + timedelta(hours=1)
    assert await run(sandbox) == 0
    # The calendar button under the reminder sends the .ics file.
    replies = await anna.press("📆")
    assert replies.last.file is not None and replies.last.file.filename.endswith(".ics")


async def test_muted_people_get_announcements_but_no_reminders(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga, event_id, _ = await an_event(sandbox, clock, capacity=5)
    anna, berta, cita = [await onboard(sandbox, 1001 + i, f"Persona {'ABC'[i]}") for i in range(3)]
    for person in (anna, berta, cita):
        await register(person, event_id)
    settings = await anna.send("/settings")
    assert "Supervīzija" in settings.last.text
    await anna.press("🔕 Turn off all reminders")
    await berta.send("/settings")
    await berta.press("🔕 Off: Supervīzija")
    assert "🔕" in berta.last_message()["text"]

    clock.now = SESSION - timedelta(hours=24)
    assert await run(sandbox) == 1
    assert reminders_of(anna) == reminders_of(berta) == []
    assert len(reminders_of(cita)) == 1
    await cita.press("🔕 No more reminders")  # the button under the reminder
    clock.now = SESSION - timedelta(hours=1)
    assert await run(sandbox) == 0
    assert len(reminders_of(cita)) == 1

    await olga.send("/remind")
    await olga.press("Supervīzija")
    await olga.send("The room has changed: 2nd floor.")
    await olga.press("✅ Registered")
    await olga.press("Now")
    await olga.press("✅ Send now")
    await run(sandbox)
    for person in (anna, berta, cita):
        assert any("2nd floor" in t for t in person.replies_since(0).texts)

    # Turned back on before the session: the reminder that is due comes after all.
    await berta.send("/settings")
    await berta.press("🔔 On: Supervīzija")
    assert await run(sandbox) == 1
    assert len(reminders_of(berta)) == 1 and reminders_of(anna) == []


async def test_a_reminder_missed_while_down_is_sent_at_start_or_expires(
    sandbox: Sandbox, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    _, event_id, _ = await an_event(sandbox, clock, sessions=2)
    anna = await onboard(sandbox, 1001, "Anna Bērziņa")
    await register(anna, event_id)
    assert len(await statuses(sandbox)) == 4  # 2 sessions x (24 h, 1 h)

    await sandbox.stop_application()
    # Down from before the first 24-hour reminder until 30 minutes before the session.
    clock.now = SESSION - timedelta(minutes=30)
    await sandbox.start_application()  # the start-up pass sends what is still due
    assert await run(sandbox) == 0
    [late] = reminders_of(anna)  # only the latest of the missed ones, not both
    assert "Session 1 of 2" in late
    await sandbox.stop_application()
    # Down again until the second session has begun: its reminders expire, logged.
    clock.now = SESSION + timedelta(days=1, minutes=5)
    with caplog.at_level(logging.INFO, logger="bot.outbox"):
        await sandbox.start_application()
        await run(sandbox)
    assert len(reminders_of(anna)) == 1
    assert [s for _, s in await statuses(sandbox)] == ["cancelled", "sent", "expired", "expired"]
    assert "expired unsent" in caplog.text


async def test_the_organiser_changes_the_times_and_cancels_one(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga, event_id, session_ids = await an_event(sandbox, clock, capacity=5)
    anna = await onboard(sandbox, 1001, "Anna Bērziņa")
    await register(anna, event_id)

    await olga.press_data(f"ea:{event_id}")
    screen = await olga.press("⏰ Reminders and announcements")
    assert "24 hours, 1 hour" in screen.last.text
    await olga.press("⏰ Reminder times")
    await olga.press("➕ 3 hours")
    offsets = await olga.press("✅ 24 hours")  # removes it
    assert "3 hours, 1 hour" in offsets.last.text
    assert sorted(k for k, s in await statuses(sandbox) if s == "pending") == [
        f"reminder:{session_ids[0]}:180:{(await anna_id(sandbox))}",
        f"reminder:{session_ids[0]}:60:{(await anna_id(sandbox))}",
    ]
    screen = await olga.press("◀ Back")
    assert "Still to go out" in screen.last.text
    await olga.press("✖")  # the first one: 3 hours before
    await olga.press("✖ Yes, cancel it")

    clock.now = SESSION - timedelta(hours=3)
    assert await run(sandbox) == 0
    clock.now = SESSION - timedelta(hours=1)
    assert await run(sandbox) == 1
    assert len(reminders_of(anna)) == 1

    # A participant's forged press changes nothing.
    replies = await anna.press_data(f"ro:{event_id}:a:30")
    assert replies.alert == "Sorry, you are not allowed to do that."
    replies = await anna.press_data(f"rxc:{session_ids[0]}:60")
    assert replies.alert is not None
    assert sorted(s for _, s in await statuses(sandbox)) == ["cancelled", "cancelled", "sent"]


async def anna_id(sandbox: Sandbox) -> int:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        found = await session.scalar(select(User.id).where(User.telegram_id == 1001))
        assert found is not None
        return found

"""Attendance: check-in codes during the session window, the wrong-code lockout, staff
marking people present or absent, and the hours a participant sees in /my."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.config import Settings
from bot.sandbox import Sandbox
from bot.services.attendance import CODE_ALPHABET
from storage.models import Attendance, CheckinAttempts, Event
from storage.models import Session as EventSession
from tests.eventkit import (
    NOT_ALLOWED,
    START,
    create_event,
    daily_sessions,
    db,
    organiser,
    register,
    sent,
    user_id,
)
from tests.helpers import ADMIN_ID, EN, Clock, onboard

# The course starts a week after START: 08:00 UTC is 10:00 in Riga; 4-hour sessions.
FIRST = START + timedelta(days=7)
COURSE = daily_sessions(25, FIRST)  # 25 sessions of 4 hours: a 100-hour course
TITLE = "Ģimenes asistentu kurss"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def bot(settings: Settings, clock: Clock) -> AsyncIterator[Sandbox]:
    async with Sandbox(settings, clock=clock) as running:
        yield running
        assert running.errors == [], f"handlers raised: {running.errors!r}"


async def attendance_rows(sandbox: Sandbox) -> list[tuple[int, int, bool, str]]:
    async with db(sandbox)() as session:
        rows = await session.execute(
            select(Attendance.session_id, Attendance.user_id, Attendance.present, Attendance.method)
        )
        return sorted(tuple(row) for row in rows)


def code_in(text: str) -> str:
    found = re.search(r"Check-in code: (\w+)", text)
    assert found, text
    return found.group(1)


async def test_checkin_right_wrong_expired_early_and_not_registered(
    bot: Sandbox, clock: Clock
) -> None:
    olga = await organiser(bot)
    event_id, sessions = await create_event(bot, 501, COURSE)
    anna = await onboard(bot, 601, "Anna Bērziņa")
    peteris = await onboard(bot, 602, "Pēteris Kalniņš")
    assert "You are registered" in (await register(anna, event_id)).texts[0]
    anna_id = await user_id(bot, 601)

    clock.set(FIRST - timedelta(minutes=10))
    await olga.send(f"/start event_{event_id}")
    await olga.press("⚙️ Manage")
    replies = await olga.press("Sessions and check-in")
    assert "from 30 minutes before a session starts until 30 minutes after" in replies.last.text
    assert f"1. {EN.short_date(FIRST)}, 10:00–14:00" in replies.last.text
    replies = await olga.press("▶ Check-in 1")
    text = replies.last.text
    code = code_in(text)
    assert len(code) == 4 and set(code) <= set(CODE_ALPHABET)
    assert f"Participants send /checkin {code} from 9:30 until 14:30" in text
    assert "30 minutes before the start until 30 minutes after the end" in text
    async with db(bot)() as session:
        first = await session.get(EventSession, sessions[0])
        assert first is not None and first.checkin_code == code and first.attendance_taken
    # Pressing again shows the same code.
    await olga.press("◀ Sessions")
    assert code_in((await olga.press("▶ Check-in 1")).last.text) == code

    replies = await anna.send("/checkin QQQQ")
    assert replies.texts == [
        "This check-in code is wrong. Please check it with the trainer and try again."
    ]
    replies = await anna.send(f"/checkin {code.lower()}")
    assert replies.texts == [
        f"✅ Checked in: {TITLE}, {EN.short_date(FIRST)}, 10:00–14:00.\n"
        "Attended so far: 4 h of 100 h."
    ]
    replies = await anna.send(f"/checkin {code}")
    assert replies.texts[0].startswith(f"You are already checked in for {TITLE}.")
    assert await attendance_rows(bot) == [(sessions[0], anna_id, True, "code")]

    replies = await peteris.send(f"/checkin {code}")
    assert replies.texts == [f"Only people registered for {TITLE} can check in."]
    replies = await anna.send("/checkin")  # without the code: asks for it
    assert replies.texts == ["Send the check-in code the trainer shows (four characters)."]
    await anna.send("/cancel")

    # Past the window: 30 minutes after the 14:00 end.
    closed = FIRST + timedelta(hours=4, minutes=30)
    clock.set(closed)
    replies = await peteris.send(f"/checkin {code}")
    assert replies.texts == [
        f"This check-in code has expired: check-in closed on {EN.at(closed).on_datetime(closed)}, "
        "30 minutes after the session ended."
    ]
    replies = await olga.press_data(f"ci:{sessions[0]}")
    assert (
        replies.alert is not None
        and f"closed on {EN.at(closed).on_datetime(closed)}" in replies.alert
    )
    assert sent(replies) == []

    # A code for tomorrow's session is not accepted yet.
    await olga.press_data(f"as:{event_id}")
    code2 = code_in((await olga.press("▶ Check-in 2")).last.text)
    replies = await anna.send(f"/checkin {code2}")
    opens = COURSE[1][0] - timedelta(minutes=30)
    assert replies.texts == [
        f"Check-in for this session opens on {EN.at(opens).on_datetime(opens)}, "
        "30 minutes before it starts."
    ]
    assert await attendance_rows(bot) == [(sessions[0], anna_id, True, "code")]

    replies = await anna.send("/my")
    assert "4 h of 100 h attended" in replies.last.text


async def test_five_wrong_codes_lock_checkin_for_a_minute(bot: Sandbox, clock: Clock) -> None:
    olga = await organiser(bot)
    event_id, _ = await create_event(bot, 501, COURSE)
    anna = await onboard(bot, 601, "Anna Bērziņa")
    bob = await onboard(bot, 603, "Bruno Ozols")
    await register(anna, event_id)
    await register(bob, event_id)
    clock.set(FIRST)
    await olga.press_data(f"as:{event_id}")
    code = code_in((await olga.press("▶ Check-in 1")).last.text)
    wrong = "This check-in code is wrong. Please check it with the trainer and try again."

    # A right code resets the count: 4 wrong, right, 4 wrong is not a lockout.
    for _ in range(4):
        assert (await anna.send("/checkin WRNG")).texts == [wrong]
    assert (await anna.send(f"/checkin {code}")).texts[0].startswith("✅ Checked in")
    for _ in range(4):
        assert (await anna.send("/checkin WRNG")).texts == [wrong]

    locked = "Too many wrong codes in a row. Please wait and try again in {} s."
    assert (await anna.send("/checkin WRONG CODE")).texts == [locked.format(60)]
    # While locked even the right code is refused, and nothing is counted or written.
    assert (await anna.send(f"/checkin {code}")).texts == [locked.format(60)]
    clock.advance(seconds=45)
    assert (await anna.send(f"/checkin {code}")).texts == [locked.format(15)]
    # Someone else is not affected.
    assert (await bob.send(f"/checkin {code}")).texts[0].startswith("✅ Checked in")

    clock.advance(seconds=15)
    replies = await anna.send(f"/checkin {code}")
    assert replies.texts[0].startswith(f"You are already checked in for {TITLE}.")
    async with db(bot)() as session:
        attempts = await session.get(CheckinAttempts, await user_id(bot, 601))
        assert attempts is not None and attempts.failures == 0
    # After the minute there are five tries again.
    for _ in range(4):
        assert (await anna.send("/checkin WRNG")).texts == [wrong]
    assert (await anna.send("/checkin WRNG")).texts == [locked.format(60)]


async def test_known_but_unusable_codes_count_towards_the_lockout(
    bot: Sandbox, clock: Clock
) -> None:
    olga = await organiser(bot)
    event_id, _ = await create_event(bot, 501, COURSE)
    anna = await onboard(bot, 601, "Anna Bērziņa")
    peteris = await onboard(bot, 602, "Pēteris Kalniņš")  # not registered
    await register(anna, event_id)
    clock.set(FIRST)
    await olga.press_data(f"as:{event_id}")
    code = code_in((await olga.press("▶ Check-in 1")).last.text)
    locked = "Too many wrong codes in a row. Please wait and try again in 60 s."

    # Someone not registered guessing between tries of a real, open code.
    for attempt in ("WRNG", code, "WRNG", code):
        assert (await peteris.send(f"/checkin {attempt}")).texts != [locked]
    assert (await peteris.send("/checkin WRNG")).texts == [locked]

    # A code that has expired, mixed into wrong guesses, does not reset the count either.
    clock.set(COURSE[0][1] + timedelta(minutes=31))
    expired = (await anna.send(f"/checkin {code}")).texts[0]
    assert expired.startswith("This check-in code has expired")
    for attempt in ("WRNG", code, "WRNG"):
        assert (await anna.send(f"/checkin {attempt}")).texts != [locked]
    assert (await anna.send("/checkin WRNG")).texts == [locked]
    assert (await anna.send(f"/checkin {code}")).texts == [locked]
    assert await attendance_rows(bot) == []


async def test_staff_mark_present_and_absent_and_forged_toggles_are_refused(
    bot: Sandbox, clock: Clock
) -> None:
    await organiser(bot)
    tom = await onboard(bot, 520, "Toms Treneris")  # a trainer of this event only
    await bot.user(ADMIN_ID, "Admin").send("/grant 520 trainer")
    event_id, sessions = await create_event(bot, 501, COURSE, trainers=[520])
    anna = await onboard(bot, 601, "Anna Bērziņa")
    await onboard(bot, 602, "Pēteris Kalniņš")  # not registered
    await register(anna, event_id)
    anna_id, peteris_id = await user_id(bot, 601), await user_id(bot, 602)
    s1 = sessions[0]

    await tom.send(f"/start event_{event_id}")
    await tom.press("⚙️ Manage")
    await tom.press("Sessions and check-in")
    replies = await tom.press("✔ Attendance 1")
    assert "Present: 0 of 1" in replies.last.text
    assert replies.last.button_labels[0] == "▫️ Anna Bērziņa"

    replies = await tom.press("▫️ Anna Bērziņa")
    assert replies.alert == "Marked present."
    assert "Present: 1 of 1" in replies.last.text
    assert replies.last.button_labels[0] == "✅ Anna Bērziņa"
    assert await attendance_rows(bot) == [(s1, anna_id, True, "staff")]

    replies = await tom.press("✅ Anna Bērziņa")
    assert replies.alert == "Marked absent."
    assert replies.last.button_labels[0] == "❌ Anna Bērziņa"
    assert await attendance_rows(bot) == [(s1, anna_id, False, "staff")]

    # A participant forging staff buttons: refused, nothing sent, nothing changed.
    for data in (f"at:{s1}:{anna_id}:1", f"am:{s1}:0", f"ci:{s1}", f"as:{event_id}"):
        replies = await anna.press_data(data)
        assert replies.alert == NOT_ALLOWED, data
        assert sent(replies) == [], data
    assert await attendance_rows(bot) == [(s1, anna_id, False, "staff")]
    async with db(bot)() as session:
        first = await session.get(EventSession, s1)
        assert first is not None and first.checkin_code is None

    # Staff marking someone who is not registered, or nobody at all: refused.
    for data in (f"at:{s1}:{peteris_id}:1", f"at:{s1}:999999:1"):
        replies = await tom.press_data(data)
        assert replies.alert == "This person is not registered for this event.", data
        assert sent(replies) == []
    replies = await tom.press_data(f"at:999999:{anna_id}:1")
    assert replies.alert == "This session does not exist."
    assert await attendance_rows(bot) == [(s1, anna_id, False, "staff")]

    # 16 of the 25 four-hour sessions: 64 of 100 hours in /my.
    for session_id in sessions[1:17]:
        await tom.press_data(f"at:{session_id}:{anna_id}:1")
    replies = await anna.send("/my")
    assert "64 h of 100 h attended" in replies.last.text
    replies = await tom.press_data(f"as:{event_id}")
    assert f"1. {EN.short_date(FIRST)}, 10:00–14:00 — present: 0 of 1\n" in replies.last.text
    assert f"2. {EN.short_date(COURSE[1][0])}, 10:00–14:00 — present: 1 of 1\n" in replies.last.text
    assert "\n11. " not in replies.last.text  # ten sessions a page
    await tom.press_where(f"as:{event_id}:1")
    replies = await tom.press_where(f"as:{event_id}:2")
    assert "▶" not in replies.last.button_labels
    assert replies.last.text.splitlines()[-1] == f"25. {EN.short_date(COURSE[24][0])}, 10:00–14:00"

    # No check-in for a cancelled event.
    async with db(bot).begin() as session:
        await session.execute(update(Event).where(Event.id == event_id).values(status="cancelled"))
    replies = await tom.press_data(f"ci:{sessions[20]}")
    assert replies.alert == "This event has been cancelled."
    await tom.press_data(f"at:{sessions[17]}:{anna_id}:1")
    assert "68 h of 100 h attended" in (await anna.send("/my")).last.text

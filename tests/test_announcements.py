"""/remind end to end: writing, previewing, scheduling, editing and cancelling an
announcement; it goes out once to the chosen audience, survives a restart in the middle,
and its sender gets a correct delivery report."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.fakeapi import Fault
from bot.outbox import dispatch_due, dispatcher
from bot.sandbox import Sandbox, SandboxUser
from storage.models import Announcement, Attendance, Delivery, User
from tests.eventkit import NOT_ALLOWED, START, create_event, organiser, register, seed_people
from tests.helpers import ADMIN_ID, Clock, onboard

SESSION = START + timedelta(days=3, hours=2)
STALE = "This button is no longer valid."


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        admin_ids=frozenset({ADMIN_ID}),
        broadcast_rate=150,
    )


async def setup(sandbox: Sandbox, clock: Clock, *, capacity: int = 2):  # type: ignore[no-untyped-def]
    clock.now = START
    olga = await organiser(sandbox)
    event_id, session_ids = await create_event(
        sandbox,
        501,
        [
            (SESSION, SESSION + timedelta(hours=4)),
            (SESSION + timedelta(days=1), SESSION + timedelta(days=1, hours=4)),
        ],
        title="Krīzes intervence",
        capacity=capacity,
    )
    return olga, event_id, session_ids


async def write(olga: SandboxUser, text: str, audience: str, when: str) -> None:
    await olga.send("/remind")
    await olga.press("Krīzes intervence")
    await olga.send(text)
    await olga.press(audience)
    await olga.press(when)


def got(user: SandboxUser, words: str) -> int:
    return sum(1 for t in user.replies_since(0).texts if words in t)


async def run(sandbox: Sandbox) -> int:
    assert sandbox.application is not None
    return await dispatch_due(sandbox.application)


async def test_scheduled_announcement_goes_out_once_to_its_audience(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga, event_id, _ = await setup(sandbox, clock)
    anna, berta, cita = [await onboard(sandbox, 1001 + i, f"Persona {'ABC'[i]}") for i in range(3)]
    for person in (anna, berta, cita):
        await register(person, event_id)  # Cita: waiting list

    await olga.send("/remind")
    await olga.press("Krīzes intervence")
    await olga.send("Bring your ID & <laptop>, please.")
    await olga.press("✅ Registered (2)")
    replies = await olga.press("In one hour")
    preview, summary = replies.messages[-2], replies.messages[-1]
    assert preview.text == "📣 Krīzes intervence\n\nBring your ID & <laptop>, please."
    assert "2 people" in summary.text and "✅ Schedule" in summary.button_labels
    summary_message, _ = olga.find_button("✅ Schedule")
    await olga.press("✅ Schedule")
    again = await olga.press_data("an:ok", summary_message)  # a double press: scheduled once
    assert again.alert == STALE

    assert await run(sandbox) == 0
    clock.advance(minutes=59)
    assert await run(sandbox) == 0
    clock.advance(minutes=1)
    assert await run(sandbox) == 3  # two participants and the report
    assert await run(sandbox) == 0
    assert got(anna, "Bring your ID & <laptop>") == got(berta, "Bring your ID") == 1
    assert got(cita, "Bring your ID") == 0
    [report] = [t for t in olga.replies_since(0).texts if "Delivery report" in t]
    assert "Sent: 2" in report and "Failed: 0" in report
    assert "Unreachable (blocked the bot): 0" in report


async def test_waiting_list_and_session_audiences(sandbox: Sandbox, clock: Clock) -> None:
    olga, event_id, session_ids = await setup(sandbox, clock, capacity=1)
    anna, berta = [await onboard(sandbox, 1001 + i, f"Persona {'ABC'[i]}") for i in range(2)]
    for person in (anna, berta):
        await register(person, event_id)  # Berta: waiting list
    await write(olga, "A seat may free up.", "⏳ Waiting list (1)", "Now")
    await olga.press("✅ Send now")
    await run(sandbox)
    assert got(berta, "A seat may free up") == 1 and got(anna, "A seat may free up") == 0

    assert sandbox.runtime is not None
    async with sandbox.runtime.db.begin() as session:
        anna_id = await session.scalar(select(User.id).where(User.telegram_id == 1001))
        session.add(
            Attendance(session_id=session_ids[0], user_id=anna_id, present=True, method="staff")
        )
    await write(olga, "Thank you for coming!", "🗓 Present on", "Now")
    await olga.press("✅ Send now")
    await run(sandbox)
    assert got(anna, "Thank you for coming") == 1 and got(berta, "Thank you for coming") == 0


async def test_staff_edit_and_cancel_before_it_goes_out(sandbox: Sandbox, clock: Clock) -> None:
    olga, event_id, _ = await setup(sandbox, clock, capacity=5)
    anna = await onboard(sandbox, 1001, "Anna Bērziņa")
    await register(anna, event_id)
    await write(olga, "First text", "✅ Registered", "Tomorrow at 9:00")
    await olga.press("✅ Schedule")
    await write(olga, "To be cancelled", "✅ Registered", "In one hour")
    await olga.press("✅ Schedule")

    await olga.press_data(f"rm:{event_id}")
    screen = olga.last_message()["text"]
    assert "First text" in screen and "To be cancelled" in screen
    await olga.press("📣", None)  # the soonest: "To be cancelled"
    await olga.press("❌ Cancel it")
    await olga.press("❌ Yes, cancel it")

    await olga.press_data(f"rm:{event_id}")
    await olga.press("📣 ")
    await olga.press("✏️ Change the text")
    replies = await olga.send("Second text")
    assert "Second text" in replies.texts[-2]
    await olga.press("✅ Save the changes")
    await olga.press_data(f"rm:{event_id}")
    await olga.press("📣 ")
    await olga.press("🕒 Change the time")
    await olga.press("📅 Another date and time")
    replies = await olga.send("31.12.1999 10:00")
    assert "past" in replies.last.text
    await olga.send("09.01.2030 15:30")  # Riga time: 13:30 UTC
    await olga.press("✅ Save the changes")

    clock.now = START + timedelta(days=2)  # past tomorrow 9:00 and the cancelled one
    assert await run(sandbox) == 0
    clock.now = START.replace(day=9, hour=13, minute=30)
    assert await run(sandbox) == 3  # to Anna, her 24-hour reminder, and the report to Olga
    assert got(anna, "Second text") == 1
    assert got(anna, "First text") == got(anna, "To be cancelled") == 0
    # Once it has gone out, it cannot be changed.
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        sent_id = await session.scalar(select(Announcement.id).where(Announcement.status == "sent"))
    replies = await olga.press_data(f"an:et:{sent_id}")
    assert replies.alert == STALE


async def test_the_text_may_have_4096_characters_but_no_more(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga, event_id, _ = await setup(sandbox, clock, capacity=5)
    anna = await onboard(sandbox, 1001, "Anna Bērziņa")
    await register(anna, event_id)
    await olga.send("/remind")
    await olga.press("Krīzes intervence")
    replies = await olga.send("x" * 4097)
    assert "4097 characters" in replies.last.text
    long = "y" * 4095 + "&"
    await olga.send(long)
    await olga.press("✅ Registered")
    replies = await olga.press("Now")
    assert replies.messages[-2].text == long  # no room for the heading: the text alone
    await olga.press("✅ Send now")
    await run(sandbox)
    assert got(anna, long) == 1


async def test_outsiders_and_forged_presses_schedule_nothing(
    sandbox: Sandbox, clock: Clock
) -> None:
    _, event_id, _ = await setup(sandbox, clock)
    anna = await onboard(sandbox, 1001, "Anna Bērziņa")
    await register(anna, event_id)
    replies = await anna.send("/remind")
    assert replies.last.text == NOT_ALLOWED
    for data in (f"an:e:{event_id}", f"rm:{event_id}", "an:v:1", "an:cc:1"):
        replies = await anna.press_data(data)
        assert replies.alert in (NOT_ALLOWED, STALE), data
    for data in ("an:ok", "an:a:confirmed", "an:w:now", "an:t"):
        assert (await anna.press_data(data)).alert == STALE, data
    # Someone else's trainer: not this event.
    admin = sandbox.user(ADMIN_ID, "Admin", language_code="en")
    await onboard(sandbox, 1002, "Tom Treneris")
    await admin.send("/grant 1002 trainer")
    tom = sandbox.user(1002, "Tom", language_code="en")
    assert "no trainings" in (await tom.send("/remind")).last.text
    assert (await tom.press_data(f"an:e:{event_id}")).alert == NOT_ALLOWED
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        assert await session.scalar(select(func.count()).select_from(Announcement)) == 0
        assert (
            await session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.kind != "reminder")
            )
            == 0
        )


async def broadcast_to(
    sandbox: Sandbox, clock: Clock, people: int
) -> tuple[SandboxUser, list[int]]:
    olga, event_id, _ = await setup(sandbox, clock, capacity=people)
    await seed_people(
        sandbox,
        event_id,
        [(f"Dalībnieks {i:03}", "riga", None, "confirmed") for i in range(people)],
    )
    await olga.send("/remind")
    await olga.press("Krīzes intervence")
    await olga.send("Broadcast to everyone")
    await olga.press(f"✅ Registered ({people})")
    await olga.press("Now")
    return olga, [700_000 + i for i in range(people)]


def delivered(sandbox: Sandbox, chats: list[int]) -> Counter[int]:
    wanted = set(chats)
    return Counter(
        c.chat_id
        for c in sandbox.api.calls_to("sendMessage")
        if c.answered == "ok" and c.chat_id in wanted and "Broadcast to everyone" in str(c.params)
    )


async def test_300_recipients_with_faults_are_served_once_and_reported(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga, chats = await broadcast_to(sandbox, clock, 300)
    assert sandbox.application is not None
    dispatcher(sandbox.application).backoff = 0.05
    dispatcher(sandbox.application).limiter.chat_interval = 0.2  # retries: not the point here
    blocked = chats[10:15]
    for chat in blocked:
        sandbox.api.block(chat)
    sandbox.api.inject(Fault.RETRY_AFTER, method="sendMessage", chat_id=chats[50], retry_after=1)
    for chat in chats[100:110]:
        sandbox.api.inject(Fault.SERVER_ERROR, chat_id=chat)
    for chat in chats[200:203]:
        sandbox.api.inject(Fault.TIMEOUT, chat_id=chat, delay=0.2)
    broken = chats[250]
    sandbox.api.inject(Fault.SERVER_ERROR, chat_id=broken, times=100)

    await olga.press("✅ Send now")
    await run(sandbox)
    for _ in range(3):  # the broken chat is tried again later, then given up
        clock.advance(minutes=5)
        await run(sandbox)

    counts = delivered(sandbox, chats)
    reachable = [c for c in chats if c not in blocked and c != broken]
    assert all(counts[c] == 1 for c in reachable)
    assert sum(counts.values()) == len(reachable) == 294
    reports = [t for t in olga.replies_since(0).texts if "Delivery report" in t]
    assert len(reports) == 1
    [report] = reports
    assert "Sent: 294" in report and "Failed: 1" in report
    assert "Unreachable (blocked the bot): 5" in report
    assert "Failed: Dalībnieks 250" in report
    assert "Unreachable: Dalībnieks 010, Dalībnieks 011, Dalībnieks 012" in report


async def test_a_new_application_finishes_a_broadcast_stopped_in_the_middle(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga, chats = await broadcast_to(sandbox, clock, 300)
    assert sandbox.application is not None
    await olga.press("✅ Send now")  # wakes the dispatcher in the background
    for _ in range(1000):  # until a third has gone out
        if sum(delivered(sandbox, chats).values()) >= 100:
            break
        await asyncio.sleep(0.01)
    await sandbox.stop_application()
    halfway = sum(delivered(sandbox, chats).values())
    assert 100 <= halfway < 300
    await sandbox.start_application()
    await run(sandbox)  # waits for the pass the start-up began

    counts = delivered(sandbox, chats)
    assert set(counts) == set(chats) and set(counts.values()) == {1}
    reports = [t for t in olga.replies_since(0).texts if "Delivery report" in t]
    assert len(reports) == 1 and "Sent: 300" in reports[0]

"""The update pipeline: stored before confirmed, one person's updates in order, different
people at once, duplicates ignored, poison updates parked."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Update
from telegram.ext import TypeHandler

from bot.config import Settings
from bot.pipeline import now, pipeline_of
from bot.sandbox import Sandbox, SandboxUser
from storage import inbox
from storage.models import InboundUpdate, Registration
from tests.helpers import (
    LANGUAGE_BUTTONS,
    Clock,
    make_event,
    make_organiser,
    members,
    stored_user,
)
from tests.survey_kit import FIRST, attach, course, tick


def card(user: SandboxUser, event: int) -> dict[str, Any]:
    """The event card as it sits on the user's phone, with its register button."""
    return {
        "message_id": 1,
        "date": 1700000000,
        "chat": {"id": user.id, "type": "private"},
        "from": {"id": 7000000001, "is_bot": True, "first_name": "Kopiena"},
        "text": "card",
        "reply_markup": {
            "inline_keyboard": [[{"text": "Register", "callback_data": f"ev:rc:{event}"}]]
        },
    }


async def test_one_persons_rapid_answers_keep_their_order_while_others_go_on(
    sandbox: Sandbox,
) -> None:
    anna = sandbox.user(301, "Anna", language_code="en")
    await anna.send("/start")
    await anna.press(LANGUAGE_BUTTONS["en"])
    await anna.press("✅")  # onboarding now asks for the full name, then the municipality
    held = asyncio.Event()
    release = asyncio.Event()

    async def hold_annas_name(update: Update, context: object) -> None:
        message = update.effective_message
        if message is not None and message.text == "Anna Bērziņa":
            held.set()
            await release.wait()

    assert sandbox.application is not None
    sandbox.application.add_handler(TypeHandler(Update, hold_annas_name), group=-5)

    # Anna types her name and her municipality before the bot answers either.
    annas = asyncio.create_task(
        sandbox.deliver([anna.text_update("Anna Bērziņa"), anna.text_update("Cēsis")])
    )
    await asyncio.wait_for(held.wait(), 10)
    # While her first answer is still being handled, someone else is served...
    ilze = sandbox.user(302, "Ilze", language_code="en")
    replies = await asyncio.wait_for(ilze.send("/start"), 10)
    assert replies.texts and replies.texts[0].startswith("Hello! I am Kopiena")
    # ...but Anna's second answer waits for her first.
    await asyncio.sleep(0.2)
    assert not annas.done()
    assert not any("Cēsis" in str(c.params) for c in sandbox.api.sent_to(anna.id))

    release.set()
    assert await asyncio.wait_for(annas, 10) == ["done", "done"]
    user = await stored_user(sandbox, anna.id)
    assert user is not None and user.full_name == "Anna Bērziņa"
    # "Cēsis" answered the municipality question, after the name: it was taken as Cēsu novads.
    assert user.municipality == "cesu-novads"


async def registration_rows(sandbox: Sandbox, event: int) -> list[Registration]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        return list(
            await session.scalars(select(Registration).where(Registration.event_id == event))
        )


async def test_a_rush_through_polling_fills_exactly_the_seats(sandbox: Sandbox) -> None:
    capacity, people = 30, 120
    await make_organiser(sandbox, 600, "Olga Organizatore")
    event = await make_event(sandbox, 600, capacity=capacity, days=1)
    users = await members(sandbox, 40_000, people)
    sandbox.api.lenient = True  # the cards were "sent" before this test began
    presses = [user.press_update(f"ev:rc:{event}", card(user, event)) for user in users]
    for press in presses:  # everyone presses within the same moment
        sandbox.api.put_update(press)
    queries = {press["callback_query"]["id"] for press in presses}

    assert sandbox.application is not None
    stop = asyncio.Event()
    polling = asyncio.create_task(pipeline_of(sandbox.application).poll(stop))

    def answered() -> Counter[str]:
        return Counter(
            str(c.params["callback_query_id"])
            for c in sandbox.api.calls_to("answerCallbackQuery")
            if c.answered == "ok" and c.params["callback_query_id"] in queries
        )

    try:
        for _ in range(600):
            if len(answered()) == people:
                break
            await asyncio.sleep(0.05)
    finally:
        polling.cancel()
    assert len(answered()) == people and set(answered().values()) == {1}

    rows = await registration_rows(sandbox, event)
    statuses = Counter(row.status for row in rows)
    assert statuses == {"confirmed": capacity, "waiting": people - capacity}
    assert len({row.user_id for row in rows}) == people
    # Everyone on the waiting list was told a different place: 1, 2, ... with no gaps.
    places = []
    for user in users:
        (text,) = [c.params["text"] for c in sandbox.api.sent_to(user.id) if "text" in c.params]
        if "waiting list" in text:
            places.append(int(re.search(r"number (\d+) on the waiting list", text).group(1)))
        else:
            assert text.startswith("✅ You are registered"), text
    assert sorted(places) == list(range(1, people - capacity + 1))


async def test_the_same_update_twice_registers_and_answers_once(sandbox: Sandbox) -> None:
    await make_organiser(sandbox, 600, "Olga Organizatore")
    event = await make_event(sandbox, 600, capacity=5, days=1)
    (maija,) = await members(sandbox, 41_000, 1)
    sandbox.api.lenient = True
    press = maija.press_update(f"ev:rc:{event}", card(maija, event))
    before = len(sandbox.api.calls)

    assert await sandbox.deliver([press, press]) == ["done"]  # twice in one batch
    after_first = len(sandbox.api.calls)
    assert await sandbox.deliver([press]) == []  # and again, after it was handled
    assert await sandbox.process(press) is None

    assert len(sandbox.api.calls) == after_first  # nothing more was sent
    replies = maija.replies_since(before)
    assert replies.alert is None and [r.method for r in replies].count("answerCallbackQuery") == 1
    assert sum(r.file is not None for r in replies) == 1  # one calendar file
    assert [row.status for row in await registration_rows(sandbox, event)] == ["confirmed"]
    assert sandbox.runtime is not None
    assert await inbox.status_of(sandbox.runtime.db, press["update_id"]) == "done"
    async with sandbox.runtime.db() as session:  # the handled update's content is gone
        stored = await session.get(InboundUpdate, press["update_id"])
        assert stored is not None and stored.payload is None and stored.lane is None


async def test_a_poison_update_is_parked_and_the_next_ones_are_handled(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    ruta = sandbox.user(303, "Rūta", language_code="en")
    poison = ruta.text_update("Slepens teksts")
    poison["message"]["chat"] = "not a chat"  # no handler can read this update
    after = ruta.text_update("/start")
    other = sandbox.user(304, "Ilze", language_code="en").text_update("/start")

    with caplog.at_level(logging.INFO):
        outcomes = await sandbox.deliver([poison, after, other])

    assert outcomes == ["parked", "done", "done"]
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        parked = await session.get(InboundUpdate, poison["update_id"])
        assert parked is not None and parked.status == "parked" and parked.error
        waiting = await session.scalar(
            select(func.count()).where(InboundUpdate.status == inbox.NEW)
        )
    assert waiting == 0
    for user_id in (303, 304):  # both answered after the poison gave up
        assert any(c.method == "sendMessage" for c in sandbox.api.sent_to(user_id))
    tries = [r for r in caplog.records if f"Update {poison['update_id']} " in r.getMessage()]
    assert len(tries) == sandbox.settings.update_attempts  # tried again, then parked
    assert "parked" in tries[-1].getMessage()
    logged = caplog.text
    assert "Slepens" not in logged and "Rūta" not in logged and "303" not in logged


async def test_updates_left_unhandled_are_handled_at_the_next_start(sandbox: Sandbox) -> None:
    """What was stored when the process died (never handled) is handled once on start."""
    assert sandbox.runtime is not None
    liga = sandbox.user(305, "Līga", language_code="en")
    first, second = liga.text_update("/start"), liga.text_update("/help")
    stored = inbox.Stored(first["update_id"], liga.id, json.dumps(first))
    await inbox.store(sandbox.runtime.db, [stored], now())
    await sandbox.stop_application()
    await sandbox.start_application()  # finds /start waiting and handles it
    await pipeline_of(sandbox.application).drain(within=10)  # type: ignore[arg-type]
    assert await sandbox.process(first) is None  # delivered again by Telegram: ignored
    assert await sandbox.process(second) == "done"
    texts = [c.params["text"] for c in sandbox.api.sent_to(liga.id) if "text" in c.params]
    assert sum(t.startswith("Hello! I am Kopiena") for t in texts) == 1


async def test_survey_answers_waiting_in_the_database_do_not_say_whose_they_are(
    sandbox: Sandbox, clock: Clock
) -> None:
    """A survey answer (a press, or text typed while a survey waits for it) is handled
    from memory: the row a crash would find holds no person, no answer and no token."""
    olga, event_id, _, people, _ = await course(sandbox)
    anna = people[0]
    await attach(olga, event_id, anonymous=True)
    clock.set(FIRST + timedelta(hours=4, minutes=15))
    await tick(sandbox)
    await anna.press("📝 Answer")
    await anna.press("4")
    await anna.press("Just right")
    message, five = anna.find_button("5")
    held, release = asyncio.Event(), asyncio.Event()

    async def hold_anna(update: Update, context: object) -> None:
        if update.effective_user is not None and update.effective_user.id == anna.id:
            held.set()
            await release.wait()

    assert sandbox.application is not None and sandbox.runtime is not None
    sandbox.application.add_handler(TypeHandler(Update, hold_anna), group=-5)
    updates = [anna.press_update(five, message), anna.text_update("Slepena atbilde")]
    handling = asyncio.create_task(sandbox.deliver(updates))
    await asyncio.wait_for(held.wait(), 10)
    async with sandbox.runtime.db() as session:
        waiting = list(
            await session.scalars(select(InboundUpdate).where(InboundUpdate.status == inbox.NEW))
        )
    assert {row.update_id for row in waiting} == {u["update_id"] for u in updates}
    for row in waiting:
        assert row.payload is not None
        assert "Slepena" not in row.payload and five not in row.payload
        assert str(anna.id) not in row.payload and "Anna" not in row.payload
    release.set()
    assert await asyncio.wait_for(handling, 10) == ["done", "done"]
    assert "Thank you" in anna.last_message()["text"]


@dataclass
class HeldRush:
    """Presses to one event, each held in its handler until `release` is set."""

    box: Sandbox
    event: int
    started: list[str]  # "press" or "message", in the order handling began
    release: asyncio.Event
    rush: asyncio.Task[list[str]]

    async def until_started(self, count: int) -> None:
        for _ in range(200):
            if len(self.started) == count:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # and no more than that


@asynccontextmanager
async def held_rush(
    settings: Settings, clock: Clock, *, slots: int, presses: int, first_id: int
) -> AsyncIterator[HeldRush]:
    """A bot with `slots` update slots and `presses` presses on their way to it."""
    async with Sandbox(
        settings.model_copy(update={"update_concurrency": slots}), clock=clock
    ) as box:
        await make_organiser(box, 600, "Olga Organizatore")
        event = await make_event(box, 600, capacity=presses, days=1)
        users = await members(box, first_id, presses)
        box.api.lenient = True
        started: list[str] = []
        release = asyncio.Event()

        async def hold_presses(update: Update, context: object) -> None:
            started.append("press" if update.callback_query is not None else "message")
            if update.callback_query is not None:
                await release.wait()

        assert box.application is not None
        box.application.add_handler(TypeHandler(Update, hold_presses), group=-5)
        updates = [user.press_update(f"ev:rc:{event}", card(user, event)) for user in users]
        rush = asyncio.create_task(box.deliver(updates))
        yield HeldRush(box, event, started, release, rush)


async def test_a_typed_message_gets_the_next_free_slot_before_waiting_presses(
    settings: Settings, clock: Clock
) -> None:
    """During a rush of presses, /start and FAQ questions do not queue behind them."""
    async with held_rush(settings, clock, slots=2, presses=6, first_id=41_000) as held:
        await held.until_started(2)  # both slots taken by presses, four presses waiting
        dace = held.box.user(41_900, "Dace", language_code="en")
        start = asyncio.create_task(dace.send("/start"))
        await asyncio.sleep(0.2)
        assert held.started == ["press", "press"]  # no free slot yet

        held.release.set()
        replies = await asyncio.wait_for(start, 10)
        assert replies.texts and replies.texts[0].startswith("Hello! I am Kopiena")
        assert await asyncio.wait_for(held.rush, 10) == ["done"] * 6
        # The first slot that came free went to Dace's message, not to the next press.
        assert held.started[:3] == ["press", "press", "message"]
        assert len(await registration_rows(held.box, held.event)) == 6
        assert held.box.errors == []


async def test_a_typed_message_starts_at_once_while_presses_fill_their_share(
    settings: Settings, clock: Clock
) -> None:
    """An eighth of the slots is kept for typed messages: with presses holding all the
    others and more presses waiting, /start is answered without waiting for any of them."""
    async with held_rush(settings, clock, slots=8, presses=10, first_id=42_000) as held:
        await held.until_started(7)
        assert held.started == ["press"] * 7  # seven of eight slots; three presses wait

        dace = held.box.user(42_900, "Dace", language_code="en")
        replies = await asyncio.wait_for(dace.send("/start"), 10)
        assert replies.texts and replies.texts[0].startswith("Hello! I am Kopiena")
        assert held.started == ["press"] * 7 + ["message"]  # no press was let go first

        held.release.set()
        assert await asyncio.wait_for(held.rush, 10) == ["done"] * 10
        assert len(await registration_rows(held.box, held.event)) == 10
        assert held.box.errors == []

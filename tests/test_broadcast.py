"""Broadcasts under Telegram's limits and faults: the limiter on a virtual clock, then the
dispatcher end to end against the fake Bot API (its recorded call times are the proof)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Coroutine, Iterable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.fakeapi import ApiCall, Fault
from bot.i18n import Translator
from bot.outbox import (
    BroadcastLimiter,
    Due,
    Outgoing,
    dispatch_due,
    dispatcher,
    enqueue,
    register_renderer,
)
from bot.runtime import Runtime
from bot.sandbox import Sandbox
from storage.models import Delivery, User
from tests.helpers import ADMIN_ID, Clock, members

RATE = 100


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        admin_ids=frozenset({ADMIN_ID}),
        broadcast_rate=RATE,
    )


class VirtualTime:
    """A clock and a sleep for the limiter: time jumps to the next sleeper's wake-up as
    soon as every task is waiting, so minutes pass in milliseconds."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), future))
        await future

    async def run(self, coroutines: Iterable[Coroutine[Any, Any, Any]]) -> None:
        tasks = [asyncio.create_task(c) for c in coroutines]
        while not all(task.done() for task in tasks):
            for _ in range(10):
                await asyncio.sleep(0)
            if self._sleepers:
                at, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, at)
                future.set_result(None)
        for task in tasks:
            task.result()


def busiest_second(times: list[float]) -> int:
    """The most events in any window of one second (half-open) that starts at an event."""
    times = sorted(times)
    best = end = 0
    for start in range(len(times)):
        while end < len(times) and times[end] < times[start] + 1.0:
            end += 1
        best = max(best, end - start)
    return best


async def test_no_second_holds_more_than_the_rate_not_even_after_idle() -> None:
    time = VirtualTime()
    limiter = BroadcastLimiter(30, clock=time.clock, sleep=time.sleep)
    started: list[float] = []

    async def send(chat: int) -> None:
        sent = await limiter.acquire(chat)
        assert sent is not None
        started.append(time.now)
        sent.done()

    await time.run(send(chat) for chat in range(200))
    assert len(started) == 200
    assert busiest_second(started) <= 30
    assert sum(1 for t in started if t < started[0] + 1) <= 30  # no burst at the start
    time.now += 3600  # an idle hour: still no burst
    first = len(started)
    await time.run(send(chat) for chat in range(1000, 1100))
    assert busiest_second(started[first:]) <= 30
    # Rate: 200 sends spread evenly, a little under 30 per second.
    assert 6.5 < started[199] - started[0] < 7.0


async def test_one_message_per_second_per_chat() -> None:
    time = VirtualTime()
    limiter = BroadcastLimiter(1000, clock=time.clock, sleep=time.sleep)
    started: list[float] = []

    async def send() -> None:
        sent = await limiter.acquire(42)
        assert sent is not None
        started.append(time.now)
        sent.done()

    await time.run(send() for _ in range(5))
    gaps = [b - a for a, b in itertools.pairwise(started)]
    assert all(gap >= 1.0 for gap in gaps)


async def test_a_pause_holds_every_send_until_it_has_passed() -> None:
    time = VirtualTime()
    limiter = BroadcastLimiter(30, clock=time.clock, sleep=time.sleep)
    started: list[float] = []
    paused_at: list[float] = []

    async def send(chat: int) -> None:
        sent = await limiter.acquire(chat)
        assert sent is not None
        started.append(time.now)
        sent.done()
        if chat == 10:  # this one met a 429 with retry_after=3
            limiter.pause(3)
            paused_at.append(time.now)

    await time.run(send(chat) for chat in range(60))
    [pause] = paused_at
    during = [t for t in started if pause < t < pause + 3]
    assert during == []  # other sends finishing in between did not end it
    after = [t for t in started if t >= pause + 3]
    assert len(after) == 60 - 11 and busiest_second(after) <= 30


async def test_late_wakers_and_slow_answers_never_crowd_a_second() -> None:
    """A busy machine: the loop stalls now and then, answers take up to 0.3 s. A send
    reaches Telegram somewhere between leaving and its answer; even if every earlier send
    arrived as late as that allows and every later one as early, no second holds more
    than the rate: send n + rate leaves at least a second after send n was answered."""
    time = VirtualTime()
    limiter = BroadcastLimiter(30, clock=time.clock, sleep=time.sleep)
    rng = random.Random(15)
    spans: list[tuple[float, float]] = []  # (left, answered)

    async def send(chat: int) -> None:
        sent = await limiter.acquire(chat)
        assert sent is not None
        left = time.now
        if rng.random() < 0.1:
            time.now += rng.uniform(0.05, 0.5)  # the whole process stalled
        await time.sleep(rng.uniform(0.001, 0.3))  # on the wire
        sent.done()
        spans.append((left, time.now))

    await time.run(send(chat) for chat in range(300))
    spans.sort()
    assert len(spans) == 300
    for n in range(len(spans) - 30):
        assert spans[n + 30][0] >= spans[n][1] + 1.0
    latest_arrivals = [answered for _, answered in spans]
    assert busiest_second(latest_arrivals) <= 30


async def render_note(runtime: Runtime, due: Due, tr: Translator) -> Outgoing:
    return Outgoing(f"Note {due.payload['n']}")


async def fill_outbox(sandbox: Sandbox, first_id: int, count: int) -> list[int]:
    """`count` people with one due message each; their Telegram ids."""
    assert sandbox.application is not None
    register_renderer(sandbox.application, "test-note", render_note)
    await members(sandbox, first_id, count)
    assert sandbox.runtime is not None
    async with sandbox.runtime.db.begin() as session:
        users = await session.execute(
            select(User.id, User.telegram_id).where(User.telegram_id >= first_id)
        )
        for n, (user_id, _) in enumerate(users.all()):
            await enqueue(
                session,
                user_id=user_id,
                kind="test-note",
                dedupe_key=f"note:{user_id}",
                due_at=sandbox.runtime.clock(),
                payload={"n": n},
            )
    return list(range(first_id, first_id + count))


def sends(sandbox: Sandbox) -> list[ApiCall]:
    return sandbox.api.calls_to("sendMessage")


async def test_a_429_stops_every_broadcast_send_for_its_retry_after(
    sandbox: Sandbox, clock: Clock
) -> None:
    chats = await fill_outbox(sandbox, 40_000, 40)
    assert sandbox.application is not None
    dispatcher(sandbox.application).limiter = BroadcastLimiter(20)  # sends 50 ms apart
    sandbox.api.inject(Fault.RETRY_AFTER, method="sendMessage", chat_id=chats[9], retry_after=3)

    assert await dispatch_due(sandbox.application) == 40

    calls = sends(sandbox)
    [limited] = [c for c in calls if c.answered == "429"]
    later = [c.at for c in calls if c.at > limited.at]
    assert min(later) - limited.at >= 3.0
    assert busiest_second([c.at for c in calls]) <= 20
    for chat in chats:
        assert len([c for c in calls if c.chat_id == chat and c.answered == "ok"]) == 1


async def test_no_second_on_the_wire_holds_more_than_the_configured_rate(
    sandbox: Sandbox,
) -> None:
    await fill_outbox(sandbox, 41_000, 250)
    assert sandbox.application is not None
    assert dispatcher(sandbox.application).limiter.rate == RATE
    assert await dispatch_due(sandbox.application) == 250
    times = [c.at for c in sends(sandbox)]
    assert len(times) == 250
    assert busiest_second(times) <= RATE


async def test_faults_are_retried_and_403_is_not(sandbox: Sandbox, clock: Clock) -> None:
    chats = await fill_outbox(sandbox, 42_000, 30)
    assert sandbox.application is not None and sandbox.runtime is not None
    dispatcher(sandbox.application).backoff = 0.01
    dispatcher(sandbox.application).limiter.chat_interval = 0.05  # not what this test is about
    sandbox.api.block(chats[0])
    sandbox.api.inject(Fault.SERVER_ERROR, chat_id=chats[1], times=2)
    sandbox.api.inject(Fault.TIMEOUT, chat_id=chats[2], delay=0.2)
    sandbox.api.inject(Fault.SERVER_ERROR, chat_id=chats[3], times=100)  # never recovers

    assert await dispatch_due(sandbox.application) == 28
    async with sandbox.runtime.db() as session:
        status = dict(
            (
                await session.execute(
                    select(User.telegram_id, Delivery.status).join(
                        User, User.id == Delivery.user_id
                    )
                )
            ).all()
        )
    assert status[chats[0]] == "unreachable"
    assert status[chats[1]] == status[chats[2]] == "sent"
    assert status[chats[3]] == "pending"  # tried 3 times; again later
    assert len([c for c in sends(sandbox) if c.chat_id == chats[0]]) == 1  # 403: not retried
    for _ in range(3):
        clock.advance(minutes=5)
        await dispatch_due(sandbox.application)
    async with sandbox.runtime.db() as session:
        row = await session.scalar(
            select(Delivery)
            .join(User, User.id == Delivery.user_id)
            .where(User.telegram_id == chats[3])
        )
    assert row is not None and row.status == "failed" and row.attempts == 3
    assert len([c for c in sends(sandbox) if c.chat_id == chats[3]]) == 9
    await asyncio.sleep(0)


async def test_the_next_due_row_sets_the_wake_up(sandbox: Sandbox, clock: Clock) -> None:
    await fill_outbox(sandbox, 43_000, 1)
    assert sandbox.application is not None and sandbox.runtime is not None
    async with sandbox.runtime.db.begin() as session:
        row = await session.scalar(select(Delivery))
        assert row is not None
        row.due_at = clock() + timedelta(minutes=5)
    job_queue = sandbox.application.job_queue
    assert job_queue is not None
    await dispatcher(sandbox.application).schedule_next()
    [job] = job_queue.get_jobs_by_name("dispatcher-next")
    [every_minute] = job_queue.get_jobs_by_name("dispatcher")
    assert job.job.misfire_grace_time is None and every_minute.job.misfire_grace_time is None
    assert job.next_t is not None

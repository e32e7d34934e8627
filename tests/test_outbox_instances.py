"""Two instances on one database (SQLite, or PostgreSQL on the PostgreSQL run): claims
are leases, one instance at a time sends (the lead), so everyone is served exactly once
and no second holds more than the configured rate across both; a second instance
starting mid-broadcast takes nothing the first still holds; the rows of an instance that
died are taken over once its lease has run out; when the sending instance stops, the
other finishes the broadcast."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.outbox import Lease, dispatch_due, dispatcher, recover, register_renderer, wake
from bot.outbox.queue import claim
from bot.runtime import Runtime
from bot.sandbox import Sandbox
from tests.helpers import ADMIN_ID, Clock, wait_for
from tests.test_broadcast import busiest_second, fill_outbox, render_note, sends

RATE = 40  # a claim takes 200 rows: 300 recipients need two claims at least
LEASE = 2  # seconds: the lead is renewed (or asked for) every half second


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        admin_ids=frozenset({ADMIN_ID}),
        broadcast_rate=RATE,
        outbox_lease_seconds=LEASE,
    )


def served(sandbox: Sandbox) -> Counter[int]:
    return Counter(c.chat_id for c in sends(sandbox) if c.answered == "ok" and c.chat_id)


def arrivals(sandbox: Sandbox) -> list[float]:
    """When each send reached the fake Bot API (both instances send to the same one)."""
    return [c.at for c in sends(sandbox)]


async def second_instance(first: Sandbox, settings: Settings, clock: Clock) -> Sandbox:
    """Another Application on the same database, sending to the same fake API (and, as
    every instance does, rendering the same kinds of delivery)."""
    assert first.api_root is not None
    other = Sandbox(settings, clock=clock, api_root=first.api_root)
    await other.start()
    assert other.application is not None
    register_renderer(other.application, "test-note", render_note)
    return other


async def test_two_instances_serve_everyone_once_within_one_rate(
    sandbox: Sandbox, settings: Settings, clock: Clock
) -> None:
    sandbox.api.limit_rate = RATE  # answers 429 as Telegram would over the rate
    other = await second_instance(sandbox, settings, clock)
    try:
        chats = await fill_outbox(sandbox, 50_000, 300)
        assert sandbox.application is not None and other.application is not None
        first_sent, other_sent = await asyncio.gather(
            dispatch_due(sandbox.application), dispatch_due(other.application)
        )
    finally:
        await other.stop()
    assert served(sandbox) == Counter({chat: 1 for chat in chats})
    assert sorted([first_sent, other_sent]) == [0, 300]  # one instance held the lead
    assert busiest_second(arrivals(sandbox)) <= RATE
    assert [c for c in sends(sandbox) if c.answered == "429"] == []


async def test_an_instance_starting_mid_broadcast_takes_nothing_held(
    sandbox: Sandbox, settings: Settings, clock: Clock
) -> None:
    chats = await fill_outbox(sandbox, 51_000, 300)
    assert sandbox.application is not None
    wake(sandbox.application)  # the first instance starts sending in the background
    await wait_for(lambda: len(served(sandbox)) >= RATE)
    # Its start-up recovers nothing (the first instance's claims are live leases) and its
    # passes send nothing while the first one leads.
    other = await second_instance(sandbox, settings, clock)
    try:
        assert other.application is not None
        assert await dispatch_due(other.application) == 0
        await dispatcher(sandbox.application).settle()
    finally:
        await other.stop()
    assert served(sandbox) == Counter({chat: 1 for chat in chats})
    assert busiest_second(arrivals(sandbox)) <= RATE


async def test_a_dead_instances_rows_are_taken_once_its_lease_runs_out(
    sandbox: Sandbox, clock: Clock
) -> None:
    chats = await fill_outbox(sandbox, 52_000, 12)
    assert sandbox.application is not None and sandbox.runtime is not None
    dead = Lease("elsewhere:4242:dead", 30)
    claimed = await claim(sandbox.runtime, dead, clock())  # then it was killed
    assert len(claimed) == 12
    assert await recover(sandbox.runtime) == 0  # a live lease: not taken at start-up
    assert await dispatch_due(sandbox.application) == 0
    assert sends(sandbox) == []
    # The wake-up is planned for the moment the lease runs out.
    assert await dispatcher(sandbox.application).next_due() == clock() + timedelta(seconds=30)

    clock.advance(seconds=31)
    assert await dispatch_due(sandbox.application) == 12
    assert served(sandbox) == Counter({chat: 1 for chat in chats})
    assert await claim(sandbox.runtime, dead, clock()) == []  # nothing left to take


async def test_claims_at_the_same_moment_take_different_rows(
    sandbox: Sandbox, settings: Settings, clock: Clock
) -> None:
    """Two engines (as two processes have) claim at once: on PostgreSQL the second
    claim skips the rows the first has locked (FOR UPDATE SKIP LOCKED)."""
    await fill_outbox(sandbox, 53_000, 150)
    runtimes = [Runtime.from_settings(settings, clock=clock) for _ in range(2)]
    try:
        first, second = await asyncio.gather(
            *(claim(runtime, Lease.new(30), clock(), 100) for runtime in runtimes)
        )
    finally:
        for runtime in runtimes:
            await runtime.close()
    first_ids, second_ids = {item.id for item in first}, {item.id for item in second}
    assert first_ids.isdisjoint(second_ids)
    if settings.database_url.startswith("postgresql"):
        # Both came back with rows, and between them every row is taken: how the 150
        # split depends on how the two scans interleave (100 and 50, or 96 and 54).
        assert len(first_ids | second_ids) == 150
        assert max(len(first_ids), len(second_ids)) <= 100  # each claim's limit
    else:  # SQLite's write lock orders them: the later one takes what is left, if anything
        assert len(first_ids | second_ids) in (100, 150)


async def test_when_the_sending_instance_stops_the_other_finishes(
    sandbox: Sandbox, settings: Settings, clock: Clock
) -> None:
    sandbox.api.limit_rate = RATE
    other = await second_instance(sandbox, settings, clock)
    try:
        chats = await fill_outbox(sandbox, 54_000, 300)
        assert sandbox.application is not None
        wake(sandbox.application)  # the first instance leads since it started first
        await wait_for(lambda: len(served(sandbox)) >= 100)
        await sandbox.stop_application()  # what is in flight finishes; the rest waits
        stopped_at = len(served(sandbox))
        assert stopped_at < 300
        # The other instance asks for the lead on its own beat, takes it and finishes.
        await wait_for(lambda: len(served(sandbox)) == 300)
        assert other.application is not None
        await dispatcher(other.application).settle()
    finally:
        await other.stop()
    assert served(sandbox) == Counter({chat: 1 for chat in chats})
    assert busiest_second(arrivals(sandbox)) <= RATE
    assert [c for c in sends(sandbox) if c.answered == "429"] == []

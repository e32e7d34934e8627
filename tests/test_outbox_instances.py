"""Two instances on one database: claims are leases, so everyone is served exactly once,
a second instance starting mid-broadcast takes nothing the first still holds, and the
rows of an instance that died are taken over once its lease has run out."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.dispatch import Lease, _claim, dispatch_due, dispatcher, recover, wake
from bot.sandbox import Sandbox
from tests.helpers import ADMIN_ID, Clock, wait_for
from tests.test_broadcast import fill_outbox, sends

RATE = 40  # a claim takes 200 rows: 300 recipients need two claims at least


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        admin_ids=frozenset({ADMIN_ID}),
        broadcast_rate=RATE,
    )


def served(sandbox: Sandbox) -> Counter[int]:
    return Counter(c.chat_id for c in sends(sandbox) if c.answered == "ok" and c.chat_id)


async def second_instance(first: Sandbox, settings: Settings, clock: Clock) -> Sandbox:
    """Another Application on the same database file, sending to the same fake API."""
    assert first.api_root is not None
    other = Sandbox(settings, clock=clock, api_root=first.api_root)
    await other.start()
    return other


async def test_two_instances_serve_everyone_exactly_once(
    sandbox: Sandbox, settings: Settings, clock: Clock
) -> None:
    other = await second_instance(sandbox, settings, clock)
    try:
        chats = await fill_outbox(sandbox, 50_000, 300)
        assert sandbox.application is not None and other.application is not None
        first_sent, other_sent = await asyncio.gather(
            dispatch_due(sandbox.application), dispatch_due(other.application)
        )
    finally:
        await other.stop()
    counts = served(sandbox)
    assert counts == Counter({chat: 1 for chat in chats})
    assert first_sent + other_sent == 300
    assert first_sent > 0 and other_sent > 0  # both took a share


async def test_an_instance_starting_mid_broadcast_takes_nothing_held(
    sandbox: Sandbox, settings: Settings, clock: Clock
) -> None:
    chats = await fill_outbox(sandbox, 51_000, 300)
    assert sandbox.application is not None
    wake(sandbox.application)  # the first instance starts sending in the background
    await wait_for(lambda: len(served(sandbox)) >= RATE)
    # Its start-up recovers nothing (the first instance's claims are live leases) and its
    # first pass sends only what nobody holds.
    other = await second_instance(sandbox, settings, clock)
    try:
        await dispatcher(sandbox.application).settle()
        assert other.application is not None
        await dispatch_due(other.application)
    finally:
        await other.stop()
    assert served(sandbox) == Counter({chat: 1 for chat in chats})


async def test_a_dead_instances_rows_are_taken_once_its_lease_runs_out(
    sandbox: Sandbox, clock: Clock
) -> None:
    chats = await fill_outbox(sandbox, 52_000, 12)
    assert sandbox.application is not None and sandbox.runtime is not None
    dead = Lease("elsewhere:4242:dead", 30)
    claimed = await _claim(sandbox.runtime, dead, clock())  # then it was killed
    assert len(claimed) == 12
    assert await recover(sandbox.runtime) == 0  # a live lease: not taken at start-up
    assert await dispatch_due(sandbox.application) == 0
    assert sends(sandbox) == []
    # The wake-up is planned for the moment the lease runs out.
    assert await dispatcher(sandbox.application).next_due() == clock() + timedelta(seconds=30)

    clock.advance(seconds=31)
    assert await dispatch_due(sandbox.application) == 12
    assert served(sandbox) == Counter({chat: 1 for chat in chats})
    assert await _claim(sandbox.runtime, dead, clock()) == []  # nothing left to take

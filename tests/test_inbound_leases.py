"""Stored updates are leased to the instance that stored them: a second instance on the
same database leaves what a live one is handling alone, and takes over, once, what a
dead one left once its lease has run out."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy import update as update_rows
from telegram import Update
from telegram.ext import TypeHandler

from bot.config import Settings
from bot.pipeline import MAX_RECOVERIES, Pipeline, now, pipeline_of
from bot.sandbox import Sandbox, SandboxUser
from storage import inbox
from storage.models import InboundUpdate

LEASE = 2  # seconds, the shortest OUTBOX_LEASE_SECONDS allows
GREETING = "Hello! I am Kopiena"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"


@pytest.fixture
async def instances(shared_url: str) -> AsyncIterator[tuple[Sandbox, Sandbox]]:
    """Two instances on one database, each with its own fake Bot API; the second is
    started by the test."""
    settings = Settings(_env_file=None, database_url=shared_url, outbox_lease_seconds=LEASE)
    first, second = Sandbox(settings), Sandbox(settings)
    await first.start()
    try:
        yield first, second
    finally:
        await second.stop()
        await first.stop()
    assert not first.errors and not second.errors


def hold_start(sandbox: Sandbox, person: int) -> tuple[asyncio.Event, asyncio.Event]:
    """Make `person`'s /start stay in its handlers until released: an update in flight."""
    held, release = asyncio.Event(), asyncio.Event()

    async def hold(update: Update, context: object) -> None:
        message = update.effective_message
        if message and message.text == "/start" and message.chat.id == person:
            held.set()
            await release.wait()

    assert sandbox.application is not None
    sandbox.application.add_handler(TypeHandler(Update, hold), group=-50)
    return held, release


def answers(user: SandboxUser, *sandboxes: Sandbox) -> list[str]:
    return [
        str(call.params["text"])
        for sandbox in sandboxes
        for call in sandbox.api.sent_to(user.id)
        if call.method == "sendMessage"
    ]


async def owners(sandbox: Sandbox, ids: list[int]) -> dict[int, tuple[str | None, str]]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        rows = await session.execute(
            select(InboundUpdate.update_id, InboundUpdate.owner, InboundUpdate.status).where(
                InboundUpdate.update_id.in_(ids)
            )
        )
        return {row.update_id: (row.owner, row.status) for row in rows}


async def wait_for(condition: Callable[[], bool], within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def in_flight(first: Sandbox) -> tuple[SandboxUser, list[dict[str, Any]], Any]:
    """Laura's /start is being handled by the first instance, her /help waits behind it
    in her lane: both stored, neither handled."""
    laura = first.user(401, "Laura", language_code="en")
    held, release = hold_start(first, laura.id)
    updates = [laura.text_update("/start"), laura.text_update("/help")]
    handling = asyncio.create_task(first.deliver(updates))
    await asyncio.wait_for(held.wait(), 10)
    return laura, updates, (handling, release)


def kill(pipeline: Pipeline) -> None:
    """What a crash does to the pipeline: it stops renewing and handling, gives up nothing."""
    assert pipeline._keeper is not None
    pipeline._keeper.cancel()
    for task in list(pipeline._tasks):
        task.cancel()


async def test_a_second_instance_leaves_updates_a_live_one_is_handling_alone(
    instances: tuple[Sandbox, Sandbox],
) -> None:
    first, second = instances
    laura, updates, (handling, release) = await in_flight(first)
    ids = [update["update_id"] for update in updates]
    await second.start()  # its start-up adoption runs now
    # Longer than the lease: the first renews its rows, the second keeps looking.
    await asyncio.sleep(LEASE * 2)
    assert second.application is not None
    assert pipeline_of(second.application).waiting == 0
    assert answers(laura, second) == []
    first_owner = pipeline_of(first.application).owner  # type: ignore[arg-type]
    assert await owners(first, ids) == {i: (first_owner, "new") for i in ids}

    release.set()
    assert await asyncio.wait_for(handling, 10) == ["done", "done"]
    await asyncio.sleep(LEASE)  # the second's periodic adoption finds nothing either
    texts = answers(laura, first, second)
    assert sum(text.startswith(GREETING) for text in texts) == 1
    assert answers(laura, second) == []
    assert {status for _, status in (await owners(first, ids)).values()} == {"done"}


async def test_what_a_dead_instance_stored_is_handled_once_by_the_other_after_its_lease(
    instances: tuple[Sandbox, Sandbox],
) -> None:
    first, second = instances
    await second.start()
    laura, updates, (handling, _) = await in_flight(first)
    ids = [update["update_id"] for update in updates]
    assert second.application is not None
    kill(pipeline_of(first.application))  # type: ignore[arg-type]
    with pytest.raises(asyncio.CancelledError):
        await handling

    # Once the dead instance's lease has run out, the second takes both, in order, once.
    second_owner = pipeline_of(second.application).owner
    await wait_for(lambda: len(answers(laura, second)) >= 2)
    await wait_for(lambda: pipeline_of(second.application).waiting == 0)  # type: ignore[arg-type]
    assert await owners(second, ids) == {i: (second_owner, "done") for i in ids}
    texts = answers(laura, first, second)
    assert sum(text.startswith(GREETING) for text in texts) == 1
    assert texts.index(next(t for t in texts if t.startswith(GREETING))) == 0  # /start first
    assert len(texts) == 2
    async with second.runtime.db() as session:  # type: ignore[union-attr]
        taken = await session.scalars(
            select(InboundUpdate.recoveries).where(InboundUpdate.update_id.in_(ids))
        )
        assert set(taken) == {1}


async def test_updates_a_cleanly_stopped_instance_left_are_taken_at_once(
    instances: tuple[Sandbox, Sandbox],
) -> None:
    first, second = instances
    await second.start()
    laura, updates, (handling, _) = await in_flight(first)
    assert first.application is not None
    pipeline = pipeline_of(first.application)
    assert not await pipeline.drain(within=0)  # a stop: the rest is left, its lease given up
    with pytest.raises(asyncio.CancelledError):
        await handling
    ids = [update["update_id"] for update in updates]
    assert first.runtime is not None
    async with first.runtime.db() as session:
        leases = await session.execute(
            select(InboundUpdate.lease_until, InboundUpdate.owner).where(
                InboundUpdate.update_id.in_(ids), InboundUpdate.status == inbox.NEW
            )
        )
        # Free for anyone now, unless the second's periodic pass already took them.
        second_owner = pipeline_of(second.application).owner  # type: ignore[arg-type]
        assert all(row.lease_until is None or row.owner == second_owner for row in leases)
    await wait_for(lambda: len(answers(laura, second)) >= 2)
    await wait_for(lambda: pipeline_of(second.application).waiting == 0)  # type: ignore[arg-type]
    texts = answers(laura, first, second)
    assert sum(text.startswith(GREETING) for text in texts) == 1 and len(texts) == 2
    assert await owners(second, ids) == {i: (second_owner, "done") for i in ids}


async def test_an_update_taken_over_at_every_start_is_parked_not_handled_again(
    sandbox: Sandbox,
) -> None:
    """An update that brings each instance down that takes it must not do so forever."""
    assert sandbox.runtime is not None and sandbox.application is not None
    vita = sandbox.user(402, "Vita", language_code="en")
    update = vita.text_update("/start")
    stored = inbox.Stored(update["update_id"], vita.id, json.dumps(update))
    await inbox.store(sandbox.runtime.db, [stored], now())  # no lease: free to take
    async with sandbox.runtime.db.begin() as session:  # already taken this many times
        await session.execute(
            update_rows(InboundUpdate)
            .where(InboundUpdate.update_id == update["update_id"])
            .values(recoveries=MAX_RECOVERIES)
        )
    assert await pipeline_of(sandbox.application).adopt() == 0
    assert await inbox.status_of(sandbox.runtime.db, update["update_id"]) == inbox.PARKED
    assert answers(vita, sandbox) == []

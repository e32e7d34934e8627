"""The outbox dispatcher: due rows are sent once; faults are recorded, not lost."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.fakeapi import Fault
from bot.i18n import Translator
from bot.outbox import Due, Outgoing, dispatch_due, dispatcher, enqueue, recover, register_renderer
from bot.outbox.sender import MAX_ATTEMPTS, TRIES
from bot.runtime import Runtime
from bot.sandbox import Sandbox
from storage.models import Delivery
from tests.helpers import Clock, members, person


async def render_hello(runtime: Runtime, due: Due, tr: Translator) -> Outgoing:
    return Outgoing(f"Hello {due.payload['n']}", [[("Open", "noop")]])


async def deliveries(sandbox: Sandbox) -> list[Delivery]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.id)))


async def test_due_rows_are_sent_once_and_faults_recorded(sandbox: Sandbox, clock: Clock) -> None:
    register_renderer(sandbox.application, "test-hello", render_hello)
    people = await members(sandbox, 30_000, 4)
    ids = [(await person(sandbox, u.id)).id for u in people]
    assert sandbox.runtime is not None and sandbox.application is not None
    async with sandbox.runtime.db.begin() as session:
        for n, user_id in enumerate(ids):
            for _ in range(2):  # enqueued twice: kept once
                await enqueue(
                    session,
                    user_id=user_id,
                    kind="test-hello",
                    payload={"n": n},
                    dedupe_key=f"test:{user_id}",
                    due_at=clock() + timedelta(hours=1),
                )
    sandbox.api.block(30_001)
    sandbox.api.inject(Fault.SERVER_ERROR, chat_id=30_002)

    dispatcher(sandbox.application).backoff = 0.01
    assert await dispatch_due(sandbox.application) == 0  # nothing due yet
    clock.advance(hours=1)
    # The 500 is retried after a short backoff (and a second, for that chat's limit).
    assert await dispatch_due(sandbox.application) == 3
    assert [d.status for d in await deliveries(sandbox)] == [
        "sent",
        "unreachable",
        "sent",
        "sent",
    ]
    assert people[0].replies_since(0).texts == ["Hello 0"]
    assert people[2].replies_since(0).texts == ["Hello 2"]
    assert await dispatch_due(sandbox.application) == 0


async def test_a_message_that_keeps_failing_is_tried_later_then_failed(
    sandbox: Sandbox, clock: Clock
) -> None:
    register_renderer(sandbox.application, "test-hello", render_hello)
    people = await members(sandbox, 32_000, 1)
    user_id = (await person(sandbox, people[0].id)).id
    assert sandbox.runtime is not None and sandbox.application is not None
    dispatcher(sandbox.application).limiter.chat_interval = 0  # no 1-s wait between tries
    dispatcher(sandbox.application).backoff = 0.01
    async with sandbox.runtime.db.begin() as session:
        await enqueue(
            session,
            user_id=user_id,
            kind="test-hello",
            payload={"n": 7},
            dedupe_key="k",
            due_at=clock(),
        )
    sandbox.api.inject(Fault.SERVER_ERROR, chat_id=32_000, times=TRIES * MAX_ATTEMPTS)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await dispatch_due(sandbox.application) == 0
        [row] = await deliveries(sandbox)
        assert row.attempts == attempt
        assert row.status == ("failed" if attempt == MAX_ATTEMPTS else "pending")
        assert await dispatch_due(sandbox.application) == 0  # not before its backoff
        clock.advance(minutes=10)
    assert len(sandbox.api.calls_to("sendMessage")) == TRIES * MAX_ATTEMPTS
    assert people[0].replies_since(0).texts == []


async def test_rows_in_flight_at_a_crash_go_back_to_the_queue(sandbox: Sandbox) -> None:
    people = await members(sandbox, 31_000, 1)
    user_id = (await person(sandbox, people[0].id)).id
    assert sandbox.runtime is not None
    async with sandbox.runtime.db.begin() as session:
        await enqueue(
            session,
            user_id=user_id,
            kind="test-hello",
            payload={"n": 1},
            dedupe_key="crash",
            due_at=sandbox.runtime.clock(),
        )
        row = await session.scalar(select(Delivery))
        assert row is not None
        row.status = "sending"
    assert await recover(sandbox.runtime) == 1
    assert [d.status for d in await deliveries(sandbox)] == ["pending"]

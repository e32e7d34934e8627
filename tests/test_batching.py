"""Registrations that arrive together are decided together (storage/batching.py):
fewer write transactions, the same rules, and one bad request fails only its caller."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sandbox import Sandbox
from bot.services.event_admin import cancel_event
from bot.services.registration import Closed, Outcome, cancel, register
from bot.services.users import Profile, identify
from storage.batching import GroupCommit
from storage.db import create_engine, create_sessionmaker
from storage.models import Registration
from tests.helpers import make_event, make_organiser, members, person


async def rows(sandbox: Sandbox, event_id: int) -> list[Registration]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        return list(
            await session.scalars(
                select(Registration)
                .where(Registration.event_id == event_id)
                .order_by(Registration.seq)
            )
        )


def count_commits(sandbox: Sandbox) -> list[int]:
    assert sandbox.runtime is not None
    commits = [0]

    def counted(_connection: object) -> None:
        commits[0] += 1

    event.listen(sandbox.runtime.engine.sync_engine, "commit", counted)
    return commits


def count_user_queries(sandbox: Sandbox) -> list[int]:
    assert sandbox.runtime is not None
    queries = [0]

    def counted(*args: object) -> None:
        statement = args[2]
        if isinstance(statement, str) and statement.lstrip().startswith("SELECT users."):
            queries[0] += 1

    event.listen(sandbox.runtime.engine.sync_engine, "before_cursor_execute", counted)
    return queries


async def test_presses_together_share_transactions_and_keep_every_rule(
    sandbox: Sandbox,
) -> None:
    await make_organiser(sandbox, 700, "Olga Organizatore")
    organiser = await person(sandbox, 700)
    open_event = await make_event(sandbox, 700, capacity=5, municipality_limit=2)
    cancelled = await make_event(sandbox, 700, title="Atcelts", capacity=5)
    await cancel_event(sandbox.runtime.db, organiser, cancelled)  # type: ignore[union-attr]
    people = [await person(sandbox, user.id) for user in await members(sandbox, 30_000, 40)]
    assert sandbox.runtime is not None
    db, now = sandbox.runtime.db, sandbox.runtime.clock()
    commits = count_commits(sandbox)

    presses = [register(db, p, open_event, now) for p in people]
    presses.append(register(db, people[0], open_event, now))  # the same person, twice
    presses += [register(db, p, cancelled, now) for p in people[:10]]
    results = await asyncio.gather(*presses, return_exceptions=True)

    assert commits[0] < 10  # 51 presses, a handful of transactions
    outcomes = results[:41]
    assert all(isinstance(o, Outcome) for o in outcomes)
    refused = results[41:]
    assert all(isinstance(r, Closed) for r in refused)

    stored = await rows(sandbox, open_event)
    assert len(stored) == 40 and len({r.user_id for r in stored}) == 40
    confirmed = [r for r in stored if r.status == "confirmed"]
    assert len(confirmed) == 5
    by_municipality: dict[str | None, int] = {}
    for r in confirmed:
        by_municipality[r.municipality] = by_municipality.get(r.municipality, 0) + 1
    assert max(by_municipality.values()) <= 2
    positions = sorted(o.position for o in outcomes[:40] if o.position is not None)  # type: ignore[union-attr]
    assert positions == list(range(1, 36))
    assert outcomes[40].already and outcomes[40].registration_id == outcomes[0].registration_id  # type: ignore[union-attr]
    assert await rows(sandbox, cancelled) == []


async def test_a_request_that_breaks_the_batch_fails_alone(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    await make_organiser(sandbox, 710, "Olga Organizatore")
    event_id = await make_event(sandbox, 710, capacity=3)
    people = [await person(sandbox, user.id) for user in await members(sandbox, 31_000, 10)]
    ghost = replace(people[0], id=999_999, telegram_id=1)  # no such user: the insert fails
    assert sandbox.runtime is not None
    db, now = sandbox.runtime.db, sandbox.runtime.clock()

    presses = [register(db, p, event_id, now) for p in people[:5]]
    presses.append(register(db, ghost, event_id, now))
    presses += [register(db, p, event_id, now) for p in people[5:]]
    results = await asyncio.gather(*presses, return_exceptions=True)

    assert isinstance(results[5], IntegrityError)
    assert all(isinstance(r, Outcome) for i, r in enumerate(results) if i != 5)
    stored = await rows(sandbox, event_id)
    assert [r.user_id for r in stored] == [p.id for p in people]  # in arrival order
    assert [r.status for r in stored] == ["confirmed"] * 3 + ["waiting"] * 7
    assert "running each on its own" in caplog.text
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Registration)) == 10


async def test_senders_who_write_together_are_looked_up_together(sandbox: Sandbox) -> None:
    known = await members(sandbox, 32_000, 60)
    assert sandbox.runtime is not None
    settings = sandbox.settings
    queries = count_user_queries(sandbox)
    profiles = [Profile(user.id, None, "en") for user in known]
    profiles.append(Profile(32_999, None, "lv"))  # someone new among them
    found = await asyncio.gather(
        *(
            identify(sandbox.runtime.db, p, settings.default_language, settings.admin_ids)
            for p in profiles
        )
    )

    assert [p.telegram_id for p in found] == [p.telegram_id for p in profiles]
    assert [p.full_name for p in found[:60]] == [f"Dalībnieks {i + 1}" for i in range(60)]
    assert len({p.id for p in found}) == 61
    assert found[60].full_name is None and found[60].language == "lv"
    assert 0 < queries[0] < 10  # 61 people, not 61 lookups


async def test_registering_again_after_cancelling_goes_to_the_back(sandbox: Sandbox) -> None:
    await make_organiser(sandbox, 720, "Olga Organizatore")
    event_id = await make_event(sandbox, 720, capacity=2)
    first, second, third, fourth = [
        await person(sandbox, user.id) for user in await members(sandbox, 33_000, 4)
    ]
    assert sandbox.runtime is not None
    db, now = sandbox.runtime.db, sandbox.runtime.clock()
    earlier = [await register(db, p, event_id, now) for p in (first, second, third)]
    result = await cancel(db, first, earlier[0].registration_id, now)
    assert [p.recipient.name for p in result.promoted] == [third.full_name]

    again, newcomer = await asyncio.gather(
        register(db, first, event_id, now), register(db, fourth, event_id, now)
    )

    assert again.registration_id == earlier[0].registration_id  # the same row, reused
    assert (again.status, again.position, again.already) == ("waiting", 1, False)
    assert (newcomer.status, newcomer.position) == ("waiting", 2)
    assert (again.event.confirmed, again.event.waiting, newcomer.event.waiting) == (2, 1, 2)
    stored = await rows(sandbox, event_id)
    assert [(r.user_id, r.status) for r in stored] == [
        (second.id, "confirmed"),
        (third.id, "confirmed"),
        (first.id, "waiting"),
        (fourth.id, "waiting"),
    ]


async def test_a_bad_request_fails_alone_and_a_failing_database_fails_all_at_once(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    db = create_sessionmaker(engine)
    batches: list[list[int]] = []

    async def apply(session: AsyncSession, numbers: Sequence[int]) -> list[int | Exception]:
        batch = list(numbers)
        batches.append(batch)
        if 13 in batch:  # one request breaks its batch: it alone fails on the rerun
            raise ValueError("thirteen")
        if -1 in batch:  # the database fails: nobody is served one by one
            raise OperationalError("BEGIN", {}, Exception("database is locked"))
        await session.execute(text("SELECT 1"))
        return [n * 2 for n in batch]

    desk: GroupCommit[int, int] = GroupCommit(apply)
    try:
        results = await asyncio.gather(
            *(desk.submit(db, n) for n in (1, 13, 3)), return_exceptions=True
        )
        assert results[0] == 2 and results[2] == 6 and isinstance(results[1], ValueError)
        assert batches == [[1, 13, 3], [1], [13], [3]]

        batches.clear()
        results = await asyncio.gather(
            *(desk.submit(db, n) for n in (5, -1, 7)), return_exceptions=True
        )
        assert all(isinstance(r, OperationalError) for r in results)
        assert batches == [[5, -1, 7]]
    finally:
        await engine.dispose()


@pytest.mark.sqlite_only(reason="the in-process writer queue exists only for SQLite's one writer")
async def test_storing_polled_updates_goes_before_other_waiting_writers(sandbox: Sandbox) -> None:
    """Every update waits for the intake's short write; a queue of slower writers (a
    batch of registrations) must not hold it up."""
    from storage import inbox
    from storage.inbox import Stored

    assert sandbox.runtime is not None
    db = sandbox.runtime.db
    order: list[str] = []
    holding, release = asyncio.Event(), asyncio.Event()

    async def writer(name: str) -> None:
        async with db.begin() as session:
            order.append(name)
            if name == "first":
                holding.set()
                await release.wait()
            await session.execute(text("SELECT 1"))

    async def intake() -> None:
        await inbox.store(db, [Stored(987_654, 1, '{"update_id": 987654}')], datetime.now(UTC))
        order.append("intake")

    first = asyncio.create_task(writer("first"))
    await asyncio.wait_for(holding.wait(), 10)
    waiting = [asyncio.create_task(writer(f"writer {n}")) for n in range(3)]
    await asyncio.sleep(0.05)  # the three writers queue before the intake
    stored = asyncio.create_task(intake())
    await asyncio.sleep(0.05)
    release.set()
    await asyncio.wait_for(asyncio.gather(first, stored, *waiting), 10)
    assert order == ["first", "intake", "writer 0", "writer 1", "writer 2"]
    assert await inbox.status_of(db, 987_654) == inbox.NEW


async def test_requests_that_queue_while_the_write_lock_is_held_go_in_one_batch(
    database_url: str,
) -> None:
    """The first request must not be taken alone while it waits for the lock: everything
    that queues during the wait joins it in one transaction."""
    engine = create_engine(database_url)
    db = create_sessionmaker(engine)
    batches: list[list[int]] = []

    async def apply(session: AsyncSession, numbers: Sequence[int]) -> list[int | Exception]:
        batches.append(list(numbers))
        await session.execute(text("SELECT 1"))
        return list(numbers)

    desk: GroupCommit[int, int] = GroupCommit(apply)
    holding, release = asyncio.Event(), asyncio.Event()

    async def other_writer() -> None:
        async with db.begin() as session:  # on PostgreSQL the desk does not wait for it
            await session.execute(text("SELECT 1"))
            holding.set()
            await release.wait()

    try:
        held = asyncio.create_task(other_writer())
        await asyncio.wait_for(holding.wait(), 10)
        first = asyncio.create_task(desk.submit(db, 1))
        await asyncio.sleep(0.05)  # the desk is waiting for the lock with request 1
        later = [asyncio.create_task(desk.submit(db, n)) for n in (2, 3, 4)]
        await asyncio.sleep(0.05)
        release.set()
        assert await asyncio.wait_for(asyncio.gather(first, *later), 10) == [1, 2, 3, 4]
        await held
        if database_url.startswith("sqlite"):
            assert batches == [[1, 2, 3, 4]]
        else:  # no in-process writer queue: the first went at once
            assert [n for batch in batches for n in batch] == [1, 2, 3, 4]
    finally:
        await engine.dispose()

"""Several bot processes on one database keep the same promises as one: every seat
decision and every counter is settled by the database, not by one process's memory.

Each "instance" here is an engine and session factory of its own (its own connections,
its own in-process queues), as a second `kopiena run` would have. Every test runs on a
SQLite file and on PostgreSQL (the `postgres_url` server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.sandbox import Sandbox
from bot.services import registration
from bot.services.attendance import MAX_WRONG_CODES, CheckinRefused, LockedOut, check_in
from bot.services.events import RegStatus
from bot.services.registration import Outcome, cancel, register, register_alone
from bot.services.users import Person
from storage.db import Database, create_engine, create_sessionmaker
from storage.models import CheckinAttempts, Registration, User
from tests.helpers import ADMIN_ID, Clock, make_event, make_organiser, members, person

INSTANCES = 4
SEATS = 20
PEOPLE = 120


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"


@pytest.fixture
async def first(shared_url: str) -> AsyncIterator[Sandbox]:
    settings = Settings(_env_file=None, database_url=shared_url, admin_ids=frozenset({ADMIN_ID}))
    async with Sandbox(settings, clock=Clock()) as running:
        yield running
        assert running.errors == []


@pytest.fixture
async def instances(shared_url: str, first: Sandbox) -> AsyncIterator[list[Database]]:
    """INSTANCES more processes' worth of engines on the same database."""
    engines = [create_engine(shared_url) for _ in range(INSTANCES)]
    yield [create_sessionmaker(engine) for engine in engines]
    for engine in engines:
        await engine.dispose()


async def registrations(sandbox: Sandbox, event_id: int) -> list[Registration]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        return list(
            await session.scalars(
                select(Registration)
                .where(Registration.event_id == event_id)
                .order_by(Registration.seq)
            )
        )


async def rush(first: Sandbox, instances: list[Database], seats: int) -> tuple[int, list[Outcome]]:
    """PEOPLE presses for one event, spread over the instances, all at once; half of
    them batched (`register`), half each in a transaction of its own."""
    await make_organiser(first, 600, "Olga Organizatore")
    event = await make_event(first, 600, capacity=seats, days=1)
    people = [await person(first, user.id) for user in await members(first, 20_000, PEOPLE)]
    assert first.runtime is not None
    now = first.runtime.clock()
    presses = [
        (register if n % 2 else register_alone)(instances[n % INSTANCES], someone, event, now)
        for n, someone in enumerate(people)
    ]
    return event, list(await asyncio.gather(*presses))


async def test_instances_registering_at_once_confirm_exactly_the_seats(
    first: Sandbox, instances: list[Database]
) -> None:
    event, outcomes = await rush(first, instances, SEATS)

    rows = await registrations(first, event)
    assert len(rows) == PEOPLE
    assert sum(r.status == RegStatus.CONFIRMED for r in rows) == SEATS
    waiting = [r for r in rows if r.status == RegStatus.WAITING]
    assert len(waiting) == PEOPLE - SEATS
    # One queue: every place handed out once, and the people told places 1, 2, 3, ...
    assert len({r.seq for r in rows}) == PEOPLE
    told = sorted(o.position for o in outcomes if o.status == RegStatus.WAITING)
    assert told == list(range(1, PEOPLE - SEATS + 1))
    assert sum(o.status == RegStatus.CONFIRMED for o in outcomes) == SEATS


async def test_control_without_the_event_lock_postgres_oversells(
    shared_url: str, first: Sandbox, instances: list[Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same rush with `lock_seats` turned off: on PostgreSQL instances then count the
    same free seats at once. (SQLite's write lock still holds the whole file.)"""
    if shared_url.startswith("sqlite"):
        pytest.skip("SQLite serialises every write transaction; nothing to show")

    async def no_lock(*_: object) -> None:
        return None

    monkeypatch.setattr(registration, "lock_seats", no_lock)
    event, _ = await rush(first, instances, SEATS)
    rows = await registrations(first, event)
    confirmed = sum(r.status == RegStatus.CONFIRMED for r in rows)
    assert confirmed > SEATS or len({r.seq for r in rows}) < len(rows)


async def test_cancellations_on_several_instances_promote_each_waiting_person_once(
    first: Sandbox, instances: list[Database]
) -> None:
    event, outcomes = await rush(first, instances, SEATS)
    confirmed = [o for o in outcomes if o.status == RegStatus.CONFIRMED]
    leaving = confirmed[:10]
    rows = {r.id: r for r in await registrations(first, event)}
    assert first.runtime is not None
    now = first.runtime.clock()
    leavers = [await person_of(first, rows[o.registration_id].user_id) for o in leaving]
    cancellations = await asyncio.gather(
        *(
            cancel(instances[n % INSTANCES], leaver, o.registration_id, now)
            for n, (leaver, o) in enumerate(zip(leavers, leaving, strict=True))
        )
    )
    after = await registrations(first, event)
    assert sum(r.status == RegStatus.CONFIRMED for r in after) == SEATS
    promoted = [p for c in cancellations for p in c.promoted]
    assert len(promoted) == len(leaving)
    # The ten at the front of the queue, each told once.
    front = [r for r in rows.values() if r.status == RegStatus.WAITING]
    front.sort(key=lambda r: r.seq)
    assert sorted(p.recipient.telegram_id or 0 for p in promoted) == sorted(
        await telegram_ids(first, [r.user_id for r in front[: len(leaving)]])
    )


async def person_of(sandbox: Sandbox, user_id: int) -> Person:
    return await person(sandbox, (await telegram_ids(sandbox, [user_id]))[0])


async def telegram_ids(sandbox: Sandbox, user_ids: list[int]) -> list[int]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        rows = await session.execute(select(User.id, User.telegram_id).where(User.id.in_(user_ids)))
        found = {user_id: telegram_id for user_id, telegram_id in rows}
    return [found[i] or 0 for i in user_ids]


async def test_wrong_codes_sent_at_once_from_several_instances_all_count(
    first: Sandbox, instances: list[Database]
) -> None:
    [guesser] = await members(first, 30_000, 1)
    someone = await person(first, guesser.id)
    assert first.runtime is not None
    now = first.runtime.clock()

    async def guess(db: Database) -> Exception:
        try:
            await check_in(db, someone, "XXXX", now)
        except CheckinRefused as refused:
            return refused
        raise AssertionError("a made-up code was accepted")

    refusals = await asyncio.gather(*(guess(db) for db in instances[: MAX_WRONG_CODES - 1]))
    assert not any(isinstance(r, LockedOut) for r in refusals)
    async with first.runtime.db() as session:
        attempts = await session.get(CheckinAttempts, someone.id)
        assert attempts is not None and attempts.failures == MAX_WRONG_CODES - 1
    assert isinstance(await guess(instances[-1]), LockedOut)

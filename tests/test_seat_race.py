"""The seat guard, shown both ways: with SQLite's write lock taken up front no seat is
oversold; with the driver's default deferred transactions the same code oversells.

Each press runs in a transaction of its own here (`register_alone`), as presses from
other processes sharing the file would; `register` batches presses that arrive together
into such transactions (tests/test_batching.py)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.sandbox import Sandbox
from bot.services.registration import register_alone
from storage.db import create_engine, create_sessionmaker
from storage.models import Registration
from tests.helpers import make_event, make_organiser, members, person


async def confirmed_after_rush(sandbox: Sandbox, settings: Settings, *, guarded: bool) -> int:
    await make_organiser(sandbox, 600, "Olga Organizatore")
    event = await make_event(sandbox, 600, capacity=20, days=1)
    people = await members(sandbox, 20_000, 150)
    persons = [await person(sandbox, user.id) for user in people]
    engine = create_engine(settings.database_url, guarded=guarded)
    db = create_sessionmaker(engine, guarded=guarded)
    assert sandbox.runtime is not None
    now = sandbox.runtime.clock()
    try:
        results = await asyncio.gather(
            *(register_alone(db, p, event, now) for p in persons), return_exceptions=True
        )
        async with db() as session:
            confirmed = await session.scalar(
                select(func.count()).where(
                    Registration.event_id == event, Registration.status == "confirmed"
                )
            )
    finally:
        await engine.dispose()
    if guarded:
        assert [r for r in results if isinstance(r, BaseException)] == []
    return confirmed or 0


async def test_guarded_transactions_never_oversell(sandbox: Sandbox, settings: Settings) -> None:
    assert await confirmed_after_rush(sandbox, settings, guarded=True) == 20


@pytest.mark.sqlite_only(
    reason="shows the sqlite3 driver's deferred BEGIN; the PostgreSQL control without the "
    "event lock is in tests/test_shared_database.py"
)
async def test_control_without_the_guard_the_same_code_oversells(
    sandbox: Sandbox, settings: Settings
) -> None:
    assert await confirmed_after_rush(sandbox, settings, guarded=False) > 20

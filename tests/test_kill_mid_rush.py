"""`kill -9` in the middle of a registration rush through `kopiena run`: after a restart
every press is handled exactly once (one registration row, one answer to the press) and
no seat is oversold."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from bot.fakeapi import FakeBotApi
from bot.runtime import Runtime
from storage.migrate import upgrade
from storage.models import Event, InboundUpdate, Registration, User
from storage.models import Session as EventSession
from tests.helpers import start_bot, wait_for
from tests.test_config import GOOD_TOKEN

PEOPLE = 200
SEATS = 50
FIRST_ID = 50_000


async def prepare(database_url: str, people: int = PEOPLE, seats: int = SEATS) -> int:
    """`people` onboarded users and a published event with `seats` seats."""
    await asyncio.to_thread(upgrade, database_url)
    runtime = Runtime.from_settings(Settings(_env_file=None, database_url=database_url))
    now = datetime.now(UTC)
    try:
        async with runtime.db.begin() as session:
            event = Event(title="Kurss", capacity=seats, status="published")
            session.add(event)
            await session.flush()
            start = now + timedelta(days=10)
            session.add(
                EventSession(event_id=event.id, starts_at=start, ends_at=start + timedelta(hours=4))
            )
            session.add_all(
                User(
                    telegram_id=FIRST_ID + n,
                    full_name=f"P{n}",
                    language="en",
                    municipality="riga",
                    consented_at=now,
                    onboarded_at=now,
                )
                for n in range(people)
            )
            return event.id
    finally:
        await runtime.close()


def press(n: int, event: int) -> dict[str, Any]:
    user_id = FIRST_ID + n
    person = {"id": user_id, "is_bot": False, "first_name": f"P{n}", "language_code": "en"}
    card = {
        "message_id": 1,
        "date": 1700000000,
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": 7000000001, "is_bot": True, "first_name": "Kopiena"},
        "text": "card",
    }
    query = {"id": f"rush-{n}", "from": person, "chat_instance": "c", "data": f"ev:rc:{event}"}
    return {"update_id": 1000 + n, "callback_query": {**query, "message": card}}


async def test_a_rush_killed_midway_is_finished_once_by_the_next_start(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'rush.db'}"
    event = await prepare(database_url)
    # Each call takes 30 ms, as real Telegram's do, and few run at once: the rush lasts
    # seconds, so the kill lands in its middle.
    api = FakeBotApi(lenient=True, latency=0.03)
    root = await api.start()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
        "TELEGRAM_API_BASE_URL": root,
        "DATABASE_URL": database_url,
        "UPDATE_CONCURRENCY": "4",
        "OUTBOX_LEASE_SECONDS": "2",  # the killed process's updates are taken after that
        "LOG_LEVEL": "WARNING",
    }

    def answers() -> Counter[str]:
        return Counter(
            str(c.params["callback_query_id"])
            for c in api.calls_to("answerCallbackQuery")
            if c.answered == "ok"
        )

    first = await start_bot(tmp_path, env)
    try:
        await wait_for(lambda: len(api.commands) == 4)  # started
        for n in range(PEOPLE):
            api.put_update(press(n, event))
        await wait_for(lambda: len(answers()) >= PEOPLE // 4)
        first.send_signal(signal.SIGKILL)
        _, first_log = await first.communicate()
        assert len(answers()) < PEOPLE  # the kill came in the middle of the rush

        second = await start_bot(tmp_path, env)
        try:
            await wait_for(lambda: len(answers()) == PEOPLE)
            second.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(second.communicate(), timeout=30)
        finally:
            if second.returncode is None:
                second.kill()
    finally:
        if first.returncode is None:
            first.kill()
        await api.stop()
    assert second.returncode == 0, stderr.decode()

    # Every press answered exactly once. Telegram takes one answer per press, so a press
    # handled again shows as a refused answer: only presses whose handling was under
    # way at the kill (at most UPDATE_CONCURRENCY of them) may be handled again.
    assert set(answers()) == {f"rush-{n}" for n in range(PEOPLE)}
    assert set(answers().values()) == {1}
    refused = [c for c in api.calls_to("answerCallbackQuery") if c.answered != "ok"]
    assert len(refused) <= int(env["UPDATE_CONCURRENCY"]), (
        first_log.decode() + stderr.decode(),
        [c.params["callback_query_id"] for c in refused],
    )

    runtime = Runtime.from_settings(Settings(_env_file=None, database_url=database_url))
    try:
        async with runtime.db() as session:
            rows = list(
                await session.scalars(select(Registration).where(Registration.event_id == event))
            )
            statuses = set(await session.scalars(select(InboundUpdate.status)))
    finally:
        await runtime.close()
    assert len(rows) == PEOPLE and len({row.user_id for row in rows}) == PEOPLE
    assert Counter(row.status for row in rows) == {"confirmed": SEATS, "waiting": PEOPLE - SEATS}
    assert statuses == {"done"}, stderr.decode()  # nothing left waiting, nothing parked

    # Each person was told their outcome; nobody got a second calendar file, and the
    # places on the waiting list run 1, 2, ... without a gap or a repeat.
    places = []
    for n in range(PEOPLE):
        chat = FIRST_ID + n
        texts = [str(c.params["text"]) for c in api.sent_to(chat) if "text" in c.params]
        assert texts, f"person {n} was told nothing"
        assert sum(c.method == "sendDocument" for c in api.sent_to(chat)) <= 1
        outcome = texts[-1]
        found = re.search(r"(?:number|place on the waiting list:) (\d+)", outcome)
        if found:
            places.append(int(found.group(1)))
        else:
            assert "registered for" in outcome, outcome
    assert sorted(places) == list(range(1, PEOPLE - SEATS + 1))

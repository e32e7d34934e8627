"""Two `kopiena run` processes on one PostgreSQL database share a registration rush: each
gets half of the presses (as two instances behind one load balancer would), and the
seats stay exact, the waiting list has one order, and everyone is answered once."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.fakeapi import FakeBotApi
from bot.runtime import Runtime
from storage.models import Registration
from tests.helpers import start_bot, wait_for
from tests.test_config import GOOD_TOKEN
from tests.test_kill_mid_rush import FIRST_ID, PEOPLE, SEATS, prepare, press

pytestmark = pytest.mark.postgres


async def test_two_processes_share_a_rush_and_confirm_exactly_the_seats(
    tmp_path: Path, postgres_url: str
) -> None:
    event = await prepare(postgres_url)
    apis = [FakeBotApi(lenient=True, latency=0.01) for _ in range(2)]
    processes = []
    try:
        for number, api in enumerate(apis):
            folder = tmp_path / f"instance-{number}"
            folder.mkdir()
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
                "TELEGRAM_API_BASE_URL": await api.start(),
                "DATABASE_URL": postgres_url,
                "LOG_LEVEL": "WARNING",
            }
            processes.append(await start_bot(folder, env))
        for api in apis:
            # Polling: the instance has started, and its start-up recovery (which takes
            # every stored update not yet handled) is behind it.
            await wait_for(lambda api=api: api.polls > 0)
        for n in range(PEOPLE):
            apis[n % 2].put_update(press(n, event))

        def answered() -> set[str]:
            return {
                str(c.params["callback_query_id"])
                for api in apis
                for c in api.calls_to("answerCallbackQuery")
                if c.answered == "ok"
            }

        await wait_for(lambda: len(answered()) == PEOPLE)
        logs = []
        for process in processes:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
            logs.append(stderr.decode())
            assert process.returncode == 0, stderr.decode()
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
        for api in apis:
            await api.stop()

    # Each press handled once, by the instance that received it.
    answers = Counter(
        (number, str(c.params["callback_query_id"]))
        for number, api in enumerate(apis)
        for c in api.calls_to("answerCallbackQuery")
        if c.answered == "ok"
    )
    assert answers == {(n % 2, f"rush-{n}"): 1 for n in range(PEOPLE)}

    runtime = Runtime.from_settings(Settings(_env_file=None, database_url=postgres_url))
    try:
        async with runtime.db() as session:
            rows = list(
                await session.scalars(select(Registration).where(Registration.event_id == event))
            )
    finally:
        await runtime.close()
    assert len(rows) == PEOPLE
    assert Counter(row.status for row in rows) == {"confirmed": SEATS, "waiting": PEOPLE - SEATS}

    # Everyone told their outcome by the instance that got their press; the places on the
    # waiting list run 1, 2, ... over both instances, without a gap or a repeat.
    places = []
    for n in range(PEOPLE):
        api = apis[n % 2]
        texts = [str(c.params["text"]) for c in api.sent_to(FIRST_ID + n) if "text" in c.params]
        assert texts, f"person {n} was told nothing: {logs}"
        found = re.search(r"(?:number|place on the waiting list:) (\d+)", texts[0])
        if found:
            places.append(int(found.group(1)))
        else:
            assert "registered for" in texts[0], texts[0]
    assert sorted(places) == list(range(1, PEOPLE - SEATS + 1))

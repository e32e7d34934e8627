"""Two real `kopiena run` processes in webhook mode on one PostgreSQL database, behind
the fake Bot API acting as Telegram and a load balancer: a registration rush split over
both, an announcement to 1,000 people, and one instance killed with SIGKILL in the middle
of it."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.config import Settings
from bot.fakeapi import FakeBotApi
from bot.outbox import workers_for
from bot.runtime import Runtime
from storage.migrate import upgrade
from storage.models import Announcement, Delivery, Event, Registration, User
from storage.models import Session as EventSession
from tests.helpers import start_bot, wait_for
from tests.test_config import GOOD_TOKEN
from tests.test_kill_mid_rush import FIRST_ID, press
from tests.test_webhook import free_port

PRESSES = 500
SEATS = 50
AUDIENCE = 1_000
AUDIENCE_FIRST = 300_000
RATE = 60  # BROADCAST_RATE: messages per second over all instances
SECRET = "two-instances-secret"


async def prepare(database_url: str) -> tuple[int, int]:
    """The rush's event (SEATS seats, PRESSES people), and an announcement being sent to
    the AUDIENCE confirmed participants of another event. Returns both ids."""
    await asyncio.to_thread(upgrade, database_url)
    runtime = Runtime.from_settings(Settings(_env_file=None, database_url=database_url))
    now = datetime.now(UTC)
    start = now + timedelta(days=10)
    try:
        async with runtime.db.begin() as session:
            rush = Event(title="Kurss", capacity=SEATS, status="published")
            announced = Event(title="Konference", capacity=AUDIENCE, status="published")
            session.add_all([rush, announced])
            await session.flush()
            for event in (rush, announced):
                session.add(
                    EventSession(
                        event_id=event.id, starts_at=start, ends_at=start + timedelta(hours=4)
                    )
                )
            people = [
                User(
                    telegram_id=telegram_id,
                    full_name="P",
                    language="en",
                    municipality="riga",
                    consented_at=now,
                    onboarded_at=now,
                )
                for telegram_id in [
                    *(FIRST_ID + n for n in range(PRESSES)),
                    *(AUDIENCE_FIRST + n for n in range(AUDIENCE)),
                ]
            ]
            session.add_all(people)
            await session.flush()
            audience = people[PRESSES:]
            session.add_all(
                Registration(event_id=announced.id, user_id=u.id, status="confirmed", seq=n + 1)
                for n, u in enumerate(audience)
            )
            announcement = Announcement(
                event_id=announced.id,
                text="Telpa mainīta: 204. kabinets.",
                audience="confirmed",
                due_at=now,
                status="sending",
            )
            session.add(announcement)
            await session.flush()
            session.add_all(
                Delivery(
                    dedupe_key=f"announcement:{announcement.id}:user:{u.id}",
                    user_id=u.id,
                    kind="announcement",
                    ref_id=announcement.id,
                    due_at=now,
                    status="pending",
                )
                for u in audience
            )
            return rush.id, announcement.id
    finally:
        await runtime.close()


def busiest_second(moments: list[float]) -> int:
    moments = sorted(moments)
    most = start = 0
    for end, moment in enumerate(moments):
        while moment - moments[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_two_instances_share_seats_broadcast_and_a_crash(
    postgres_url: str, tmp_path: Path
) -> None:
    rush_event, _ = await prepare(postgres_url)
    api = FakeBotApi(lenient=True, latency=0.01)
    await api.start()
    ports = [free_port(), free_port()]
    api.balance([f"http://127.0.0.1:{port}/telegram" for port in ports])
    common = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
        "TELEGRAM_API_BASE_URL": api.root,
        "DATABASE_URL": postgres_url,
        "WEBHOOK_URL": "https://bot.example.lv/telegram",  # the load balancer's address
        "WEBHOOK_SECRET": SECRET,
        "BROADCAST_RATE": str(RATE),
        "OUTBOX_LEASE_SECONDS": "5",
        "LOG_LEVEL": "WARNING",
    }
    envs = [{**common, "WEBHOOK_PORT": str(port)} for port in ports]
    audience = {AUDIENCE_FIRST + n for n in range(AUDIENCE)}

    def broadcast() -> list[float]:
        return [
            c.at
            for c in api.calls_to("sendMessage")
            if c.answered == "ok" and c.chat_id in audience
        ]

    def served() -> set[int | None]:
        return {c.chat_id for c in api.calls_to("sendMessage") if c.answered == "ok"} & audience

    def answers() -> Counter[str]:
        return Counter(
            str(c.params["callback_query_id"])
            for c in api.calls_to("answerCallbackQuery")
            if c.answered == "ok"
        )

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = await start_bot(tmp_path / "a", envs[0])
    second = await start_bot(tmp_path / "b", envs[1])
    restarted = None
    try:
        await wait_for(lambda: len(api.calls_to("setWebhook")) == 2, limit=180)
        for n in range(PRESSES):
            api.put_update(press(n, rush_event))
        # Both instances send the announcement; one dies with about a third of it out.
        await wait_for(lambda: len(broadcast()) >= AUDIENCE // 3, limit=180)
        first.send_signal(signal.SIGKILL)
        _, first_log = await first.communicate()
        assert len(served()) < AUDIENCE  # the kill came in the middle of the broadcast
        # The other takes over its claims once their lease has run out, and finishes.
        await wait_for(lambda: served() == audience, limit=180)
        # Updates the killed instance had stored and not handled: the other takes them
        # over once their lease has run out, without waiting for a restart.
        await wait_for(lambda: len(answers()) == PRESSES, limit=180)
        # The restarted instance finds nothing left to handle again.
        restarted = await start_bot(tmp_path / "a", envs[0])
        await wait_for(lambda: len(api.calls_to("setWebhook")) == 3, limit=180)
        for process in (second, restarted):
            process.send_signal(signal.SIGTERM)
        logs = [await asyncio.wait_for(p.communicate(), 60) for p in (second, restarted)]
    finally:
        for process in (first, second, restarted):
            if process is not None and process.returncode is None:
                process.kill()
        await api.stop()
    stderr = first_log.decode() + "".join(err.decode() for _, err in logs)
    assert second.returncode == 0 and restarted.returncode == 0, stderr

    # The load balancer really split the updates over both instances.
    targets = Counter(target for _, target in api.webhook_delivered)
    assert len(targets) == 2 and min(targets.values()) >= PRESSES // 10, targets

    # Seats: exactly SEATS confirmed, the rest waiting, each press answered once.
    runtime = Runtime.from_settings(Settings(_env_file=None, database_url=postgres_url))
    try:
        async with runtime.db() as session:
            rows = list(
                await session.scalars(
                    select(Registration).where(Registration.event_id == rush_event)
                )
            )
    finally:
        await runtime.close()
    assert Counter(row.status for row in rows) == {
        "confirmed": SEATS,
        "waiting": PRESSES - SEATS,
    }, stderr
    assert set(answers()) == {f"rush-{n}" for n in range(PRESSES)}
    assert set(answers().values()) == {1}

    # The announcement: everyone served; only what was in flight at the kill repeats.
    per_person = Counter(
        c.chat_id
        for c in api.calls_to("sendMessage")
        if c.answered == "ok" and c.chat_id in audience
    )
    assert set(per_person) == audience
    repeated = sum(count - 1 for count in per_person.values())
    assert repeated <= workers_for(RATE), (repeated, stderr)
    # One rate over all instances: no one-second window holds more than RATE sends.
    assert busiest_second(broadcast()) <= RATE, busiest_second(broadcast())

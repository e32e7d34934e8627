"""`kill -9` in the middle of a broadcast: a new `kopiena run` on the same database
finishes it, or, with two instances running, the one that was not sending takes over.
Everyone is served; only messages in flight at the kill may repeat; no second holds more
than the configured rate across both instances."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.config import Settings
from bot.fakeapi import ApiCall, FakeBotApi
from bot.outbox import workers_for
from bot.runtime import Runtime
from storage.migrate import upgrade
from storage.models import Announcement, Event, OutboxLeader, Registration, User, UserRole
from storage.models import Session as EventSession
from tests.helpers import start_bot, wait_for
from tests.test_broadcast import busiest_second
from tests.test_config import GOOD_TOKEN

PEOPLE = 120
RATE = 20  # messages per second: the broadcast takes about six seconds
TEXT = "Rīt nodarbība sāksies stundu vēlāk."


async def prepare(database_url: str) -> None:
    """An event with PEOPLE confirmed participants and an announcement due now."""
    await asyncio.to_thread(upgrade, database_url)
    runtime = Runtime.from_settings(Settings(_env_file=None, database_url=database_url))
    now = datetime.now(UTC)
    try:
        async with runtime.db.begin() as session:
            sender = User(telegram_id=1, full_name="Olga", language="lv", onboarded_at=now)
            session.add(sender)
            await session.flush()
            # The sender is the event's organiser: announcements go out only from staff.
            session.add(UserRole(user_id=sender.id, role="organiser"))
            event = Event(
                title="Kurss", capacity=PEOPLE, status="published", organiser_id=sender.id
            )
            session.add(event)
            await session.flush()
            start = now + timedelta(days=2)
            session.add(
                EventSession(event_id=event.id, starts_at=start, ends_at=start + timedelta(hours=4))
            )
            for n in range(PEOPLE):
                user = User(
                    telegram_id=1000 + n, full_name=f"P{n}", language="lv", onboarded_at=now
                )
                session.add(user)
                await session.flush()
                session.add(
                    Registration(event_id=event.id, user_id=user.id, status="confirmed", seq=n + 1)
                )
            session.add(
                Announcement(
                    event_id=event.id,
                    sender_id=sender.id,
                    text=TEXT,
                    audience="confirmed",
                    due_at=now - timedelta(minutes=1),
                )
            )
    finally:
        await runtime.close()


async def test_a_killed_broadcast_is_finished_by_the_next_start(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'kill.db'}"
    await prepare(database_url)
    api = FakeBotApi()
    root = await api.start()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
        "TELEGRAM_API_BASE_URL": root,
        "DATABASE_URL": database_url,
        "BROADCAST_RATE": str(RATE),
        "OUTBOX_LEASE_SECONDS": "3",  # the killed process's claims are taken after that
        "LOG_LEVEL": "WARNING",
    }

    def served() -> Counter[int]:
        return Counter(
            c.chat_id
            for c in api.calls_to("sendMessage")
            if c.answered == "ok" and TEXT in str(c.params.get("text")) and c.chat_id != 1
        )

    first = await start_bot(tmp_path, env)
    try:
        await wait_for(lambda: len(served()) >= PEOPLE // 3)
        first.send_signal(signal.SIGKILL)  # no chance to record anything more
        await first.wait()
        at_kill = len(served())
        assert at_kill < PEOPLE

        second = await start_bot(tmp_path, env)
        try:
            await wait_for(lambda: len(served()) == PEOPLE)
            await wait_for(  # the sender's delivery report
                lambda: any(c.chat_id == 1 for c in api.calls_to("sendMessage"))
            )
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), timeout=30)
        finally:
            if second.returncode is None:
                second.kill()
    finally:
        if first.returncode is None:
            first.kill()
        await api.stop()

    counts = served()
    assert set(counts) == {1000 + n for n in range(PEOPLE)}  # everyone, once at least
    repeated = sum(n - 1 for n in counts.values())
    # Only what was in flight at the kill (sent, result not yet written) may repeat: a
    # worker writes each result before it takes the next row, so one send per worker.
    assert repeated <= workers_for(RATE), counts


async def sending_pid(database_url: str) -> int | None:
    """The process that holds the outbox lead (its owner is host:pid:token)."""
    runtime = Runtime.from_settings(Settings(_env_file=None, database_url=database_url))
    try:
        async with runtime.db() as session:
            owner = await session.scalar(select(OutboxLeader.owner))
    finally:
        await runtime.close()
    return None if owner is None else int(owner.split(":")[1])


async def test_two_instances_one_killed_mid_broadcast_the_other_finishes(
    tmp_path: Path, database_url: str
) -> None:
    await prepare(database_url)
    api = FakeBotApi(limit_rate=RATE)  # answers 429 over the rate, as Telegram does
    root = await api.start()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
        "TELEGRAM_API_BASE_URL": root,
        "DATABASE_URL": database_url,
        "BROADCAST_RATE": str(RATE),
        "OUTBOX_LEASE_SECONDS": "3",
        "LOG_LEVEL": "WARNING",
    }

    def served() -> Counter[int]:
        return Counter(
            c.chat_id
            for c in api.calls_to("sendMessage")
            if c.answered == "ok" and TEXT in str(c.params.get("text")) and c.chat_id != 1
        )

    bots = [await start_bot(tmp_path, env) for _ in range(2)]
    try:
        await wait_for(lambda: len(served()) >= PEOPLE // 3)
        pid = await sending_pid(database_url)
        [leader] = [bot for bot in bots if bot.pid == pid]
        [other] = [bot for bot in bots if bot is not leader]
        leader.send_signal(signal.SIGKILL)
        await leader.wait()
        assert len(served()) < PEOPLE

        await wait_for(lambda: len(served()) == PEOPLE)
        await wait_for(lambda: any(c.chat_id == 1 for c in api.calls_to("sendMessage")))
        assert await sending_pid(database_url) == other.pid
        other.send_signal(signal.SIGTERM)
        await asyncio.wait_for(other.wait(), timeout=30)
    finally:
        for bot in bots:
            if bot.returncode is None:
                bot.kill()
        await api.stop()

    counts = served()
    assert set(counts) == {1000 + n for n in range(PEOPLE)}
    assert sum(n - 1 for n in counts.values()) <= workers_for(RATE), counts
    sends = [c for c in api.calls if c.method.startswith("send")]
    assert busiest_second([c.at for c in sends]) <= RATE
    assert [c for c in sends if c.answered == "429"] == []


def write_lock_free(path: Path) -> bool:
    connection = sqlite3.connect(path, timeout=0.2)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.rollback()
        return True
    except sqlite3.OperationalError:  # "database is locked"
        return False
    finally:
        connection.close()


async def freeze_outside_a_write(bot: asyncio.subprocess.Process, path: Path) -> None:
    """SIGSTOP `bot` at a moment it holds no SQLite write lock (frozen inside a write
    transaction, it would keep every other process from writing until it wakes)."""
    for _ in range(50):
        bot.send_signal(signal.SIGSTOP)
        if await asyncio.to_thread(write_lock_free, path):
            return
        bot.send_signal(signal.SIGCONT)
        await asyncio.sleep(0.05)
    raise AssertionError("the process never let go of the write lock")


async def test_a_frozen_instance_that_wakes_after_losing_the_lead_sends_nothing_more(
    tmp_path: Path,
) -> None:
    """The sending instance freezes (SIGSTOP: a paused VM, a stuck machine) longer than
    its lease; the other takes the lead and finishes. Woken, the frozen one sends at most
    what it had let go before freezing, and puts nothing back in the queue that the other
    has sent. Each instance talks to its own fake API (both on one clock), so every send
    is known by its sender. (It is frozen outside a write transaction: on SQLite one
    frozen inside one holds the write lock, and nobody can write until it wakes.)"""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'frozen.db'}"
    await prepare(database_url)
    apis = [FakeBotApi(), FakeBotApi()]
    roots = [await api.start() for api in apis]
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
        "DATABASE_URL": database_url,
        "BROADCAST_RATE": str(RATE),
        "OUTBOX_LEASE_SECONDS": "3",
        "LOG_LEVEL": "WARNING",
    }

    def sends(api: FakeBotApi) -> list[ApiCall]:
        return [
            c
            for c in api.calls_to("sendMessage")
            if c.answered == "ok" and TEXT in str(c.params.get("text"))
        ]

    def served() -> Counter[int]:
        return Counter(c.chat_id for api in apis for c in sends(api))

    bots = [await start_bot(tmp_path, {**env, "TELEGRAM_API_BASE_URL": root}) for root in roots]
    try:
        await wait_for(lambda: len(served()) >= PEOPLE // 4)
        pid = await sending_pid(database_url)
        [frozen] = [n for n, bot in enumerate(bots) if bot.pid == pid]
        await freeze_outside_a_write(bots[frozen], tmp_path / "frozen.db")
        await asyncio.sleep(0.2)  # what was on the wire has arrived
        before = len(sends(apis[frozen]))
        await wait_for(lambda: len(served()) >= PEOPLE)  # the other takes over and finishes
        bots[frozen].send_signal(signal.SIGCONT)
        await asyncio.sleep(4)  # time to do harm, if it would
        for bot in bots:
            bot.send_signal(signal.SIGTERM)
        await asyncio.gather(*(asyncio.wait_for(bot.wait(), timeout=30) for bot in bots))
    finally:
        for bot in bots:
            if bot.returncode is None:
                bot.send_signal(signal.SIGCONT)
                bot.kill()
        for api in apis:
            await api.stop()

    woken = sends(apis[frozen])[before:]
    assert len(woken) <= workers_for(RATE)  # only sends it had already let go
    counts = served()
    assert set(counts) == {1000 + n for n in range(PEOPLE)}
    assert sum(n - 1 for n in counts.values()) <= workers_for(RATE), counts
    # Up to the freeze and after the hand-over, one rate for both.
    others = sends(apis[1 - frozen]) + sends(apis[frozen])[:before]
    assert busiest_second([c.at for c in others]) <= RATE

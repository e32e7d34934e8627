"""Broadcast throughput through the real dispatcher.

An announcement to N registrants goes out the way it does in production: the
dispatcher's hook turns it into N deliveries, workers render and send them through the
broadcast limiter over HTTP to the fake Bot API on 127.0.0.1 (in its own process, as
Telegram would be), and results are written to a SQLite file in WAL mode.

(a) The limit at Telegram's 30 messages per second, 600 recipients, against a fake API
    that answers 429 as Telegram does (more than 30 sends in any second, or two to one
    chat within a second): the achieved rate and the number of 429s.
(b) The limit lifted, 5,000 recipients, the fake API counting only: the bot's own
    ceiling and the peak memory of the bot's process.
(c) With `--instances N`: N `kopiena run` processes on one database (a SQLite file, or a
    fresh database on the PostgreSQL server named by `--postgres`), an announcement to
    600 due as they start, the fake API answering 429 over 30 per second: the combined
    rate of all instances together, the 429s, and how many messages went out twice.

    python bench/broadcast.py            # (a) and (b)
    python bench/broadcast.py --only b --people-b 5000
    python bench/broadcast.py --instances 2 [--postgres postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select

from bot.config import Settings
from bot.outbox import dispatch_due
from bot.runtime import Runtime
from bot.sandbox import Sandbox
from storage.migrate import upgrade
from storage.models import Announcement, Delivery, Event, Registration, User, UserRole
from storage.models import Session as EventSession
from tests.helpers import make_event, members

BENCH_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawX"


async def start_api_process(*args: str) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.fakeapi", *args, stdout=asyncio.subprocess.PIPE, cwd=ROOT
    )
    assert process.stdout is not None
    root = (await process.stdout.readline()).decode().strip()
    return process, root


def api_stats(root: str) -> dict:  # type: ignore[type-arg]
    with urllib.request.urlopen(f"{root}/stats") as answer:
        return json.load(answer)


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def scenario(name: str, people: int, rate: float, api_args: list[str]) -> None:
    process, root = await start_api_process(*api_args)
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(
                _env_file=None,
                database_url=f"sqlite+aiosqlite:///{folder}/bench.db",
                admin_ids=frozenset({9001}),
                broadcast_rate=rate,
            )
            async with Sandbox(settings, api_root=root) as sandbox:
                await run(sandbox, name, people, rate, root)
    finally:
        process.terminate()
        await process.wait()


async def run(sandbox: Sandbox, name: str, people: int, rate: float, root: str) -> None:
    runtime = sandbox.runtime
    assert runtime is not None and sandbox.application is not None
    await members(sandbox, 500, 1)
    async with runtime.db.begin() as session:
        organiser = await session.scalar(select(User.id).where(User.telegram_id == 500))
        session.add(UserRole(user_id=organiser, role="organiser"))
    event = await make_event(sandbox, 500, capacity=people, days=1)
    await members(sandbox, 100_000, people)
    async with runtime.db.begin() as session:
        ids = list(await session.scalars(select(User.id).where(User.telegram_id >= 100_000)))
        session.add_all(
            Registration(event_id=event, user_id=i, status="confirmed", seq=n)
            for n, i in enumerate(ids, start=1)
        )
        session.add(
            Announcement(
                event_id=event,
                sender_id=organiser,
                text="Bench: <b>the room has changed</b>, see you at 10:00.",
                audience="confirmed",
                due_at=runtime.clock(),
                status="scheduled",
            )
        )
    rss_before = max_rss_mb()
    before = api_stats(root)
    started = time.perf_counter()
    sent = await dispatch_due(sandbox.application)
    elapsed = time.perf_counter() - started
    after = api_stats(root)
    async with runtime.db() as session:
        statuses = dict(
            (
                await session.execute(
                    select(Delivery.status, func.count())
                    .where(Delivery.kind == "announcement")
                    .group_by(Delivery.status)
                )
            ).all()
        )
    delivered = after["sent"] - before["sent"]
    span = (after["last"] or 0) - (after["first"] or 0)
    on_wire = (delivered - 1) / span if span > 0 else float("nan")
    limit = "lifted" if rate <= 0 else f"{rate:g}/s"
    print(f"({name}) limit {limit}, {people} recipients")
    print(f"  sent: {sent} (+1 report), deliveries by status: {statuses}")
    print(f"  achieved rate: {people / elapsed:.1f} msg/s end to end ({elapsed:.2f} s)")
    print(f"  rate on the wire (first to last arrival at the API): {on_wire:.1f} msg/s")
    print(f"  429 answers from the API: {after['limited'] - before['limited']}")
    print(
        f"  peak memory (max RSS) of the bot's process: {max_rss_mb():.0f} MB "
        f"(before the broadcast: {rss_before:.0f} MB)"
    )


@asynccontextmanager
async def fresh_database(folder: str, postgres: str | None) -> AsyncIterator[str]:
    """A SQLite file in `folder`, or a new database on the PostgreSQL server (dropped
    afterwards)."""
    if postgres is None:
        yield f"sqlite+aiosqlite:///{folder}/bench.db"
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(postgres)
    name = f"kopiena_bench_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        connection = await asyncpg.connect(admin)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


async def seed_announcement(database_url: str, people: int) -> None:
    """An event with `people` confirmed participants and an announcement due now."""
    await asyncio.to_thread(upgrade, database_url)
    runtime = Runtime.from_settings(Settings(_env_file=None, database_url=database_url))
    now = datetime.now(UTC)
    try:
        async with runtime.db.begin() as session:
            sender = User(telegram_id=500, full_name="Olga", language="lv", onboarded_at=now)
            session.add(sender)
            await session.flush()
            session.add(UserRole(user_id=sender.id, role="organiser"))
            event = Event(
                title="Kurss", capacity=people, status="published", organiser_id=sender.id
            )
            session.add(event)
            await session.flush()
            start = now + timedelta(days=2)
            session.add(
                EventSession(event_id=event.id, starts_at=start, ends_at=start + timedelta(hours=4))
            )
            users = [
                User(telegram_id=100_000 + n, full_name=f"P{n}", language="lv", onboarded_at=now)
                for n in range(people)
            ]
            session.add_all(users)
            await session.flush()
            session.add_all(
                Registration(event_id=event.id, user_id=user.id, status="confirmed", seq=n)
                for n, user in enumerate(users, start=1)
            )
            session.add(
                Announcement(
                    event_id=event.id,
                    sender_id=sender.id,
                    text="Bench: <b>the room has changed</b>, see you at 10:00.",
                    audience="confirmed",
                    due_at=now,
                )
            )
    finally:
        await runtime.close()


async def delivery_statuses(database_url: str) -> dict[str, int]:
    runtime = Runtime.from_settings(Settings(_env_file=None, database_url=database_url))
    try:
        async with runtime.db() as session:
            rows = await session.execute(
                select(Delivery.status, func.count())
                .where(Delivery.kind == "announcement")
                .group_by(Delivery.status)
            )
            return {str(status): count for status, count in rows.all()}
    finally:
        await runtime.close()


async def instances_scenario(
    instances: int, people: int, rate: int, postgres: str | None, limit: float
) -> None:
    process, root = await start_api_process("--limit-rate", str(rate), "--count-only")
    bots: list[asyncio.subprocess.Process] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            async with fresh_database(folder, postgres) as database_url:
                await seed_announcement(database_url, people)
                env = {
                    **os.environ,
                    "TELEGRAM_BOT_TOKEN": BENCH_TOKEN,
                    "TELEGRAM_API_BASE_URL": root,
                    "DATABASE_URL": database_url,
                    "BROADCAST_RATE": str(rate),
                    "LOG_LEVEL": "WARNING",
                }
                before = api_stats(root)
                started = time.perf_counter()
                for _ in range(instances):
                    bots.append(
                        await asyncio.create_subprocess_exec(
                            sys.executable,
                            "-m",
                            "bot",
                            "run",
                            cwd=folder,
                            env=env,
                            stdout=asyncio.subprocess.DEVNULL,
                        )
                    )
                deadline = started + limit
                while api_stats(root)["sent"] - before["sent"] < people + 1:  # + the report
                    if time.perf_counter() > deadline:
                        print(f"  gave up after {limit:.0f} s")
                        break
                    await asyncio.sleep(0.2)
                elapsed = time.perf_counter() - started
                for bot in bots:
                    bot.send_signal(signal.SIGTERM)
                await asyncio.gather(*(bot.wait() for bot in bots))
                after = api_stats(root)
                statuses = await delivery_statuses(database_url)
    finally:
        for bot in bots:
            if bot.returncode is None:
                bot.kill()
        process.terminate()
        await process.wait()
    delivered = after["sent"] - before["sent"]
    span = (after["last"] or 0) - (after["first"] or 0)
    on_wire = (delivered - 1) / span if span > 0 else float("nan")
    database = "PostgreSQL" if postgres else "SQLite"
    print(f"(c) {instances} kopiena run processes on one {database} database, limit {rate}/s")
    print(f"  recipients: {people}, deliveries by status: {statuses}")
    print(f"  combined rate on the wire (first to last arrival): {on_wire:.1f} msg/s")
    print(f"  from the processes' start to the last message: {elapsed:.1f} s")
    print(f"  429 answers from the API: {after['limited'] - before['limited']}")
    print(f"  messages sent more than once: {max(0, delivered - people - 1)}")


async def main_async(args: argparse.Namespace) -> None:
    if args.instances:
        await instances_scenario(args.instances, args.people_c, 30, args.postgres, args.limit)
        return
    if args.only in (None, "a"):
        await scenario("a", args.people_a, 30, ["--limit-rate", "30"])
    if args.only in (None, "b"):
        await scenario("b", args.people_b, 0, ["--count-only"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["a", "b"])
    parser.add_argument("--people-a", type=int, default=600)
    parser.add_argument("--people-b", type=int, default=5000)
    parser.add_argument("--instances", type=int, help="(c): this many kopiena run processes")
    parser.add_argument("--people-c", type=int, default=600)
    parser.add_argument("--postgres", help="(c) on a fresh database on this PostgreSQL server")
    parser.add_argument("--limit", type=float, default=180.0, help="(c): give up after S s")
    args = parser.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()

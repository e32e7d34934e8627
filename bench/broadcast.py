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

    python bench/broadcast.py            # both
    python bench/broadcast.py --only b --people 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select

from bot.config import Settings
from bot.outbox import dispatch_due
from bot.sandbox import Sandbox
from storage.models import Announcement, Delivery, Registration, User, UserRole
from tests.helpers import make_event, members


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


async def main_async(only: str | None, people_a: int, people_b: int) -> None:
    if only in (None, "a"):
        await scenario("a", people_a, 30, ["--limit-rate", "30"])
    if only in (None, "b"):
        await scenario("b", people_b, 0, ["--count-only"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["a", "b"])
    parser.add_argument("--people-a", type=int, default=600)
    parser.add_argument("--people-b", type=int, default=5000)
    args = parser.parse_args()
    asyncio.run(main_async(args.only, args.people_a, args.people_b))


if __name__ == "__main__":
    main()

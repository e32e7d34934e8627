"""Registration throughput through the full stack.

N people press "register" at the same moment for one event. Each press goes through the
real Application (handlers, services, SQLite file in WAL mode) and its answers travel
over HTTP to the fake Bot API on 127.0.0.1. Prints registrations per second, latency
percentiles, errors, and checks that no seat was oversold.

    python bench/registration.py --people 1000 --capacity 200
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bot.config import Settings
from bot.sandbox import Sandbox
from storage.models import Registration
from tests.helpers import make_event, make_organiser, members


async def bench(people: int, capacity: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite+aiosqlite:///{folder}/bench.db",
            admin_ids=frozenset({9001}),
        )
        async with Sandbox(settings) as sandbox:
            await make_organiser(sandbox, 500, "Olga Organizatore")
            event = await make_event(sandbox, 500, capacity=capacity, days=3)
            users = await members(sandbox, 100_000, people)
            for user in users:
                await user.send(f"/start event_{event}")

            latencies: list[float] = []

            async def press(user) -> None:  # type: ignore[no-untyped-def]
                started = time.perf_counter()
                await user.press_data(f"ev:rc:{event}")
                latencies.append(time.perf_counter() - started)

            started = time.perf_counter()
            results = await asyncio.gather(*(press(u) for u in users), return_exceptions=True)
            elapsed = time.perf_counter() - started

            failures = [r for r in results if isinstance(r, BaseException)] + sandbox.errors
            assert sandbox.runtime is not None
            async with sandbox.runtime.db() as session:
                rows = await session.execute(
                    select(Registration.status, func.count())
                    .where(Registration.event_id == event)
                    .group_by(Registration.status)
                )
                by_status = dict(rows.all())
                distinct = await session.scalar(
                    select(func.count(func.distinct(Registration.user_id))).where(
                        Registration.event_id == event
                    )
                )
            latencies.sort()
            confirmed = by_status.get("confirmed", 0)
            print(f"people: {people}, seats: {capacity}")
            print(f"registrations per second: {people / elapsed:.0f} ({elapsed:.2f} s in all)")
            print(
                f"latency p50: {statistics.median(latencies) * 1000:.1f} ms, "
                f"p99: {latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f} ms"
            )
            print(f"errors: {len(failures)}")
            print(
                f"confirmed: {confirmed}, waiting: {by_status.get('waiting', 0)}, "
                f"distinct people: {distinct}, oversold: {max(0, confirmed - capacity)}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(bench(args.people, args.capacity))


if __name__ == "__main__":
    main()

"""Registration throughput of the Application in this process, without polling.

Measures the service alone: no `kopiena run` process and no getUpdates. For the path
users take (long polling, the bot in its own process) see bench/mixed_load.py --mode rush.

N people press "register" at the same moment for one event. Each press is stored and
handled by the update pipeline and the real Application (handlers, services, SQLite file
in WAL mode) in this process, and its answers (the
confirmation, the .ics file, the button answer) travel over HTTP to the fake Bot API on
127.0.0.1, which runs in its own process as Telegram would. Prints registrations per second, latency
percentiles, errors, and checks that no seat was oversold.

    python bench/registration.py --people 1000 --capacity 200
    python bench/registration.py --people 1000 --capacity 200 --rate 200

By default every press is sent at the same instant, so latency includes waiting behind
the whole burst; `--rate` spreads the presses evenly (presses per second) to show the
latency one person sees at that load.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select

from bot.config import Settings
from bot.sandbox import Sandbox
from storage.models import Registration, User, UserRole
from tests.helpers import make_event, members


def card_message(user_id: int, event_id: int) -> dict:  # type: ignore[type-arg]
    """The event card as the user's phone holds it (the remote fake API keeps no chats)."""
    return {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": 7000000001, "is_bot": True, "first_name": "Kopiena"},
        "text": "card",
        "reply_markup": {
            "inline_keyboard": [[{"text": "Register", "callback_data": f"ev:r:{event_id}"}]]
        },
    }


async def start_api_process() -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.fakeapi",
        "--lenient",
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    root = (await process.stdout.readline()).decode().strip()
    return process, root


async def bench(people: int, capacity: int, rate: float) -> None:
    api_process, api_root = await start_api_process()
    try:
        await run(people, capacity, rate, api_root)
    finally:
        api_process.terminate()
        await api_process.wait()


async def run(people: int, capacity: int, rate: float, api_root: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite+aiosqlite:///{folder}/bench.db",
            admin_ids=frozenset({9001}),
        )
        async with Sandbox(settings, api_root=api_root) as sandbox:
            await members(sandbox, 500, 1)
            assert sandbox.runtime is not None
            async with sandbox.runtime.db.begin() as session:
                user_id = await session.scalar(select(User.id).where(User.telegram_id == 500))
                session.add(UserRole(user_id=user_id, role="organiser"))
            event = await make_event(sandbox, 500, capacity=capacity, days=3)
            users = await members(sandbox, 100_000, people)

            latencies: list[float] = []

            async def press(user, delay: float) -> None:  # type: ignore[no-untyped-def]
                await asyncio.sleep(delay)
                started = time.perf_counter()
                await user.press_data(f"ev:rc:{event}", card_message(user.id, event))
                latencies.append(time.perf_counter() - started)

            started = time.perf_counter()
            gap = 1 / rate if rate else 0.0
            results = await asyncio.gather(
                *(press(u, i * gap) for i, u in enumerate(users)), return_exceptions=True
            )
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
            arrival = f"{rate:g} presses per second" if rate else "all at once"
            print(
                "Measures the service alone: the Application in this process, no polling "
                "(bench/mixed_load.py --mode rush measures kopiena run)."
            )
            print(f"people: {people}, seats: {capacity}, presses: {arrival}")
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
    parser.add_argument("--rate", type=float, default=0, help="presses per second (0: all at once)")
    args = parser.parse_args()
    asyncio.run(bench(args.people, args.capacity, args.rate))


if __name__ == "__main__":
    main()

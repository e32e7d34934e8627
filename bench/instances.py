"""Registration rush on PostgreSQL through webhooks, with one and with two `kopiena run`.

Each run makes a fresh PostgreSQL database (on the server named by --server or
KOPIENA_TEST_POSTGRES_URL), seeds one event with --seats seats and --presses onboarded
people, starts the fake Bot API in its own process and N `kopiena run` processes in
webhook mode behind it (the fake API posts updates to the instances in turn, as a load
balancer would), offers every press at once, and measures from the first update offered
to the last press answered. Prints presses/s and seats oversold per run, then the
min/median/max of the runs for each instance count.

    python bench/instances.py --presses 1000 --seats 200 --runs 3 --latency-ms 50
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.mixed_load import TOKEN, FakeApi
from bot.config import Settings
from bot.runtime import Runtime
from storage.models import Registration
from tests.test_kill_mid_rush import prepare, press

DEFAULT_CONCURRENCY = Settings.model_fields["update_concurrency"].default

SECRET = "bench-instances-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def fresh_database(server: str) -> tuple[str, str]:
    url = make_url(server)
    name = f"kopiena_bench_{uuid.uuid4().hex[:10]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url.set(database=name).render_as_string(hide_password=False), admin


async def drop_database(admin: str, database_url: str) -> None:
    name = make_url(database_url).database
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def confirmed(database_url: str, event_id: int) -> int:
    runtime = Runtime.from_settings(Settings(_env_file=None, database_url=database_url))
    try:
        async with runtime.db() as session:
            return int(
                await session.scalar(
                    select(func.count()).where(
                        Registration.event_id == event_id, Registration.status == "confirmed"
                    )
                )
                or 0
            )
    finally:
        await runtime.close()


async def start_instance(
    api: FakeApi, database_url: str, port: int, args: argparse.Namespace, folder: Path
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.root,
        "DATABASE_URL": database_url,
        "WEBHOOK_URL": "https://bot.example.lv/telegram",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_PORT": str(port),
        "UPDATE_CONCURRENCY": str(args.concurrency),
        "LOG_LEVEL": "WARNING",
    }
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "kopiena.log"), "ab") as log:  # noqa: ASYNC230
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=folder, env=env, stdout=log, stderr=log
        )


async def one_run(args: argparse.Namespace, instances: int) -> tuple[float, int]:
    database_url, admin = await fresh_database(args.server)
    processes: list[asyncio.subprocess.Process] = []
    try:
        event_id = await prepare(database_url, args.presses, args.seats)
        async with FakeApi(args.latency_ms) as api:
            ports = [free_port() for _ in range(instances)]
            assert api.http is not None
            async with api.http.post(
                f"{api.root}/balance",
                json={"targets": [f"http://127.0.0.1:{port}/telegram" for port in ports]},
            ) as answer:
                answer.raise_for_status()
            with tempfile.TemporaryDirectory() as folder:
                for n, port in enumerate(ports):
                    processes.append(
                        await start_instance(api, database_url, port, args, Path(folder) / str(n))
                    )
                deadline = time.monotonic() + args.limit
                while True:
                    async with api.http.get(f"{api.root}/webhook") as answer:
                        if (await answer.json())["sets"] >= instances:
                            break
                    assert time.monotonic() < deadline, "the instances did not start"
                    await asyncio.sleep(0.1)
                presses = [press(n, event_id) for n in range(args.presses)]
                began = time.monotonic()
                await api.put(presses)
                while True:
                    answered = (await api.answers())["press_answers"]
                    if sum(1 for tally in answered.values() if tally[0]) >= args.presses:
                        break
                    assert time.monotonic() < began + args.limit, "presses left unanswered"
                    await asyncio.sleep(0.05)
                elapsed = time.monotonic() - began
                for process in processes:
                    process.send_signal(signal.SIGTERM)
                for process in processes:
                    await asyncio.wait_for(process.wait(), 60)
        oversold = max(0, await confirmed(database_url, event_id) - args.seats)
        return args.presses / elapsed, oversold
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
        await drop_database(admin, database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=50, help="fake API time per call")
    parser.add_argument(
        "--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="UPDATE_CONCURRENCY"
    )
    parser.add_argument("--instances", default="1,2", help="instance counts to compare")
    parser.add_argument("--limit", type=float, default=300, help="give up after (seconds)")
    parser.add_argument(
        "--server",
        default=os.environ.get("KOPIENA_TEST_POSTGRES_URL"),
        help="an SQLAlchemy URL of the PostgreSQL server (default: KOPIENA_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args()
    if not args.server:
        parser.error("give --server or set KOPIENA_TEST_POSTGRES_URL")
    print(
        f"registration rush on PostgreSQL through webhooks: {args.presses} presses, "
        f"{args.seats} seats, fake API latency {args.latency_ms:g} ms, "
        f"UPDATE_CONCURRENCY {args.concurrency}, {os.cpu_count()} CPU(s)"
    )
    summary: dict[int, list[float]] = {}
    for instances in (int(part) for part in args.instances.split(",")):
        rates = []
        for run in range(1, args.runs + 1):
            rate, oversold = asyncio.run(one_run(args, instances))
            rates.append(rate)
            print(
                f"  {instances} instance(s), run {run}: {rate:.0f} presses/s, {oversold} oversold"
            )
        summary[instances] = rates
    for instances, rates in summary.items():
        print(
            f"{instances} instance(s): presses/s min {min(rates):.0f} / "
            f"median {statistics.median(rates):.0f} / max {max(rates):.0f}"
        )
    if 1 in summary and len(summary) > 1:
        for instances, rates in summary.items():
            if instances != 1:
                ratio = statistics.median(rates) / statistics.median(summary[1])
                print(f"{instances} instances / 1 instance (medians): {ratio:.2f}x")


if __name__ == "__main__":
    main()

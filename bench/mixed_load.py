"""Mixed load through the path users take: the real `kopiena run` process, long polling a
fake Bot API that runs in its own process on 127.0.0.1, on a SQLite file with onboarded
users, published events and 2,000 FAQ entries.

    python bench/mixed_load.py                          # 1,000 updates in one burst
    python bench/mixed_load.py --rate 100 --latency-ms 50
    python bench/mixed_load.py --mode rush --latency-ms 50   # 1,000 presses, 200 seats
    python bench/mixed_load.py --mode kill --latency-ms 50   # 300 presses, kill -9, restart

Mixed: start, events, card, register, my, FAQ question (typed text), "Did this help?"
vote, help (`--only card,faq` offers just those kinds, to see what each costs); one
update per person, offered at `--rate` per second or all at once. Prints
updates per second, p50/p99 from the moment an update is available at the fake API to
the bot's first call answering it, per kind; errors; seats oversold; the bot's peak RSS.
Then a bare python-telegram-bot echo bot (bench/echo_bot.py, same concurrency unless
`--echo-concurrency` says otherwise) takes the same workload, and Kopiena's throughput is
printed as a share of that floor.

Rush: 1,000 register presses for 200 seats at once (or at `--rate` per second), with 100
/start and 100 FAQ questions from other people among them; then the echo bot takes the
same updates, and the presses per second are printed as a share of the echo bot's. Kill:
300 presses for 50 seats; the bot is killed with SIGKILL in the middle, started again,
and the bench counts presses lost, seats oversold and presses handled twice.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp
import yaml
from sqlalchemy import func, insert, select

from bench.faq_search import generated
from bot.config import Settings
from bot.services import faq_editor
from bot.services.faq_io import parse
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.models import Event, FaqEntry, Registration, User
from storage.models import Session as EventSession

DEFAULT_CONCURRENCY = Settings.model_fields["update_concurrency"].default

TOKEN = "123456789:SANDBOX-token-for-the-fake-bot-api-0000"
FIRST_USER = 100_000
FAQ_ENTRIES = 2000
EVENTS = 20
MIX = {  # kind -> share of the updates
    "start": 15,
    "events": 15,
    "card": 15,
    "register": 15,
    "my": 10,
    "faq": 15,
    "vote": 5,
    "help": 10,
}


# -- the database ------------------------------------------------------------------------


async def seed(database_url: str, users: int, capacity: int, events: int) -> dict[str, Any]:
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    db = create_sessionmaker(engine)
    now = datetime.now(UTC)
    try:
        async with db.begin() as session:
            await session.execute(
                insert(User),
                [
                    {
                        "telegram_id": FIRST_USER + n,
                        "language": ("lv", "en", "ru")[n % 3],
                        "telegram_language": "lv",
                        "full_name": f"Dalībniece {n}",
                        "municipality": "cesu-novads",
                        "consented_at": now,
                        "onboarded_at": now,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(users)
                ],
            )
            ids = []
            for n in range(events):
                event = Event(title=f"Mācības {n + 1}", capacity=capacity, status="published")
                session.add(event)
                await session.flush()
                start = (now + timedelta(days=20 + n)).replace(hour=7, minute=0, second=0)
                session.add(
                    EventSession(
                        event_id=event.id, starts_at=start, ends_at=start + timedelta(hours=7)
                    )
                )
                ids.append(event.id)
        examples = parse((ROOT / "examples" / "faq.yaml").read_text(encoding="utf-8"))
        await faq_editor.import_entries(db, examples)
        await faq_editor.import_entries(db, generated(FAQ_ENTRIES - len(examples)))
        async with db() as session:
            faq_ids = list(await session.scalars(select(FaqEntry.id)))
    finally:
        await engine.dispose()
    return {"events": ids, "faq": faq_ids}


async def seat_check(database_url: str, capacity: int) -> tuple[int, int, int, int]:
    """(oversold, confirmed, waiting, people with more than one row per event)"""
    engine = create_engine(database_url)
    db = create_sessionmaker(engine)
    try:
        async with db() as session:
            rows = (
                await session.execute(
                    select(Registration.event_id, Registration.status, func.count()).group_by(
                        Registration.event_id, Registration.status
                    )
                )
            ).all()
            doubled = await session.scalar(
                select(func.count()).select_from(
                    select(Registration.event_id, Registration.user_id)
                    .group_by(Registration.event_id, Registration.user_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
    finally:
        await engine.dispose()
    confirmed = Counter({e: n for e, s, n in rows if s == "confirmed"})
    waiting = sum(n for _, s, n in rows if s == "waiting")
    oversold = sum(max(0, n - capacity) for n in confirmed.values())
    return oversold, sum(confirmed.values()), waiting, doubled or 0


# -- the workload --------------------------------------------------------------------------


class Ids:
    def __init__(self) -> None:
        self.next = 1

    def __call__(self) -> int:
        self.next += 1
        return self.next


def person(user_id: int, language: str = "lv") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Dalībniece", "language_code": language}


def text(ids: Ids, user_id: int, words: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": 10,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private"},
        "from": person(user_id),
        "text": words,
    }
    if words.startswith("/"):
        length = len(words.split()[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": ids(), "message": message}


def press(ids: Ids, user_id: int, data: str) -> dict[str, Any]:
    update_id = ids()
    card = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": 7000000001, "is_bot": True, "first_name": "Kopiena"},
        "text": "…",
    }
    query = {"id": f"q{update_id}", "from": person(user_id), "chat_instance": "c", "data": data}
    return {"update_id": update_id, "callback_query": {**query, "message": card}}


def questions() -> list[str]:
    loaded = yaml.safe_load((ROOT / "bench" / "faq_queries.yaml").read_text(encoding="utf-8"))
    return [item["query"] for item in loaded["queries"]]


def mixed(
    ids: Ids,
    count: int,
    first: int,
    seeded: dict[str, Any],
    rng: random.Random,
    only: list[str] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    mix = {kind: share for kind, share in MIX.items() if not only or kind in only}
    kinds = rng.choices(list(mix), weights=list(mix.values()), k=count)
    typed = questions()
    work = []
    for n, kind in enumerate(kinds):
        user = FIRST_USER + first + n
        event = rng.choice(seeded["events"])
        commands = {"start": "/start", "events": "/events", "my": "/my", "help": "/help"}
        if kind in commands:
            update = text(ids, user, commands[kind])
        elif kind == "faq":
            update = text(ids, user, rng.choice(typed))
        elif kind == "card":
            update = press(ids, user, f"ev:{event}")
        elif kind == "register":
            update = press(ids, user, f"ev:rc:{event}")
        else:
            update = press(ids, user, f"faq:h:{rng.choice(seeded['faq'])}:1")
        work.append((kind, update))
    return work


# -- processes -----------------------------------------------------------------------------


class FakeApi:
    def __init__(self, latency_ms: float) -> None:
        self.latency_ms = latency_ms
        self.process: asyncio.subprocess.Process | None = None
        self.root = ""
        self.http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> FakeApi:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.fakeapi",
            "--lenient",
            "--count-only",
            "--latency-ms",
            str(self.latency_ms),
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        assert self.process.stdout is not None
        self.root = (await self.process.stdout.readline()).decode().strip()
        assert self.root.startswith("http://127.0.0.1:"), self.root
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.http is not None:
            await self.http.close()
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()

    async def put(self, updates: list[dict[str, Any]]) -> None:
        assert self.http is not None
        async with self.http.post(f"{self.root}/updates", json=updates) as response:
            response.raise_for_status()

    async def answers(self) -> dict[str, Any]:
        assert self.http is not None
        async with self.http.get(f"{self.root}/answers") as response:
            return await response.json()

    async def reset(self) -> None:
        assert self.http is not None
        async with self.http.post(f"{self.root}/reset") as response:
            response.raise_for_status()


async def start_kopiena(
    api: FakeApi, database_url: str, concurrency: int, folder: str, *, lease: int | None = None
) -> asyncio.subprocess.Process:
    """`lease`: OUTBOX_LEASE_SECONDS, when not the default (a killed process's stored
    updates are taken over once it has run out)."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.root,
        "DATABASE_URL": database_url,
        "UPDATE_CONCURRENCY": str(concurrency),
        "LOG_LEVEL": "WARNING",
        "ADMIN_IDS": "9001",
    }
    if lease is not None:
        env["OUTBOX_LEASE_SECONDS"] = str(lease)
    with (Path(folder) / "kopiena.log").open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=folder, env=env, stdout=log, stderr=log
        )


async def start_echo(api: FakeApi, concurrency: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "echo_bot.py"),
        api.root,
        str(concurrency),
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def polling(api: FakeApi, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while (await api.answers())["polls"] == 0:
        assert time.monotonic() < deadline, "the bot did not start polling"
        await asyncio.sleep(0.05)


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used (all its threads): less noisy than wall time on a
    shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


# -- offering and measuring ------------------------------------------------------------------


async def offer(
    api: FakeApi, work: list[tuple[str, dict[str, Any]]], rate: float, limit: float
) -> tuple[float, dict[str, Any]]:
    """Put the updates (at `rate` per second, or at once) and wait until each has an
    answer or `limit` seconds pass. Returns (seconds from first offer to last answer,
    the fake API's answers)."""
    updates = [update for _, update in work]
    started = time.monotonic()
    if rate <= 0:
        for at in range(0, len(updates), 500):
            await api.put(updates[at : at + 500])
    else:
        sent = 0
        while sent < len(updates):
            due = min(len(updates), int((time.monotonic() - started) * rate) + 1)
            if due > sent:
                await api.put(updates[sent:due])
                sent = due
            await asyncio.sleep(0.005)
    deadline = started + limit
    while True:
        answers = await api.answers()
        if len(answers["answer_seconds"]) >= len(work) or time.monotonic() > deadline:
            return time.monotonic() - started, answers
        await asyncio.sleep(0.02)


def user_of(update: dict[str, Any]) -> int:
    content = update.get("message") or update.get("callback_query") or {}
    return int(content["from"]["id"])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def latency_table(work: list[tuple[str, dict[str, Any]]], answers: dict[str, Any]) -> list[str]:
    seconds = answers["answer_seconds"]
    by_kind: dict[str, list[float]] = {}
    for kind, update in work:
        value = seconds.get(str(user_of(update)))
        if value is not None:
            by_kind.setdefault(kind, []).append(value * 1000)
    lines = []
    everything = [v for values in by_kind.values() for v in values]
    for kind, values in [*sorted(by_kind.items()), ("all", everything)]:
        lines.append(
            f"  {kind:9} n={len(values):5}  p50 {statistics.median(values):7.1f} ms  "
            f"p99 {percentile(values, 0.99):7.1f} ms"
        )
    return lines


def error_lines(folder: str) -> int:
    path = Path(folder) / "kopiena.log"
    if not path.exists():
        return 0
    return sum(" ERROR " in line or "Traceback" in line for line in path.read_text().splitlines())


def show_errors(folder: str, most: int = 5) -> None:
    """Print what was logged as an error (the message, and each traceback's exception
    line), so a figure with errors comes with their cause."""
    path = Path(folder) / "kopiena.log"
    if not path.exists():
        return
    found, in_traceback = [], False
    for line in path.read_text().splitlines():
        if " ERROR " in line:
            found.append(line)
        elif line.startswith("Traceback"):
            in_traceback = True
        elif in_traceback and line and not line[0].isspace():
            found.append(f"    {line}")
            in_traceback = False
    for line in found[:most]:
        print(f"    {line[:300]}")


# -- modes ---------------------------------------------------------------------------------


async def run_mixed(args: argparse.Namespace, folder: str) -> None:
    database_url = f"sqlite+aiosqlite:///{folder}/bench.db"
    seeded = await seed(database_url, args.users, args.capacity, EVENTS)
    rng = random.Random(7)
    ids = Ids()
    count = min(args.updates, args.users)
    arrival = f"{args.rate:g}/s" if args.rate > 0 else "one burst"
    print(
        f"mixed load: {count} updates ({arrival}), {args.users} users, {EVENTS} events, "
        f"{len(seeded['faq'])} FAQ entries, API latency {args.latency_ms:g} ms, "
        f"UPDATE_CONCURRENCY {args.concurrency}"
    )
    async with FakeApi(args.latency_ms) as api:
        bot = await start_kopiena(api, database_url, args.concurrency, folder)
        try:
            await polling(api)
            await asyncio.sleep(1.0)  # start-up work (menus, planners) out of the way
            work = mixed(ids, count, 0, seeded, rng, args.only)
            cpu = cpu_seconds(bot.pid)
            elapsed, answers = await offer(api, work, args.rate, args.limit)
            cpu = cpu_seconds(bot.pid) - cpu
            rss = peak_rss_mb(bot.pid)
        finally:
            await stop(bot)
        answered = len(answers["answer_seconds"])
        refused = sum(tally[1] for tally in answers["press_answers"].values())
        oversold, confirmed, waiting, doubled = await seat_check(database_url, args.capacity)
        kopiena_rate = answered / elapsed
        print(f"kopiena: {kopiena_rate:.0f} updates/s ({answered}/{count} answered", end="")
        print(f" in {elapsed:.2f} s); CPU {cpu / count * 1000:.1f} ms per update")
        print("\n".join(latency_table(work, answers)))
        print(
            f"  errors: {error_lines(folder)} logged, {count - answered} unanswered, "
            f"{refused} refused calls; seats oversold: {oversold} "
            f"(confirmed {confirmed}, waiting {waiting}, doubled {doubled}); "
            f"peak RSS {rss:.0f} MB"
        )
        show_errors(folder)
        if args.no_echo:
            return
        await api.reset()
        echo = await start_echo(api, args.echo_concurrency)
        try:
            await polling(api)
            work = mixed(ids, count, 0, seeded, rng, args.only)
            echo_cpu = cpu_seconds(echo.pid)
            elapsed, answers = await offer(api, work, args.rate, args.limit)
            echo_cpu = cpu_seconds(echo.pid) - echo_cpu
        finally:
            await stop(echo)
        echo_rate = len(answers["answer_seconds"]) / elapsed
        print(
            f"bare PTB echo bot (concurrency {args.echo_concurrency}): {echo_rate:.0f} updates/s; "
            f"CPU {echo_cpu / count * 1000:.1f} ms per update"
        )
        print("\n".join(latency_table(work, answers)[-1:]))
        print(f"kopiena / echo throughput ratio: {kopiena_rate / echo_rate:.2f}", end="")
        print(f" (by CPU per update: {echo_cpu / cpu:.2f})")


async def run_rush(args: argparse.Namespace, folder: str) -> None:
    presses, seats, others = args.presses, args.seats, 100
    database_url = f"sqlite+aiosqlite:///{folder}/bench.db"
    seeded = await seed(database_url, presses + 2 * others, seats, 1)
    event = seeded["events"][0]
    ids = Ids()
    rng = random.Random(11)
    typed = questions()
    work = [("register", press(ids, FIRST_USER + n, f"ev:rc:{event}")) for n in range(presses)]
    side = [("start", text(ids, FIRST_USER + presses + n, "/start")) for n in range(others)]
    side += [
        ("faq", text(ids, FIRST_USER + presses + others + n, rng.choice(typed)))
        for n in range(others)
    ]
    for item in side:  # spread through the rush
        work.insert(rng.randrange(len(work)), item)
    for _, update in work:  # Telegram numbers updates in the order they come
        update["update_id"] = ids()
    arrival = f"at {args.rate:g}/s" if args.rate > 0 else "at once"
    print(
        f"registration rush: {presses} presses for {seats} seats {arrival}, with {others} "
        f"/start and {others} FAQ questions among them; API latency {args.latency_ms:g} ms, "
        f"UPDATE_CONCURRENCY {args.concurrency}"
    )
    async with FakeApi(args.latency_ms) as api:
        bot = await start_kopiena(api, database_url, args.concurrency, folder)
        try:
            await polling(api)
            await asyncio.sleep(1.0)
            cpu = cpu_seconds(bot.pid)
            elapsed, answers = await offer(api, work, args.rate, args.limit)
            cpu = cpu_seconds(bot.pid) - cpu
            rss = peak_rss_mb(bot.pid)
        finally:
            await stop(bot)
    seconds = answers["answer_seconds"]
    press_times = [
        seconds[str(user_of(u))] for k, u in work if k == "register" and str(user_of(u)) in seconds
    ]
    refused = sum(tally[1] for tally in answers["press_answers"].values())
    oversold, confirmed, waiting, doubled = await seat_check(database_url, seats)
    print(
        f"presses answered: {len(press_times)}/{presses}; {len(press_times) / elapsed:.0f} "
        f"presses/s (all {len(work)} updates answered {elapsed:.2f} s after the first offer); "
        f"CPU {cpu / len(work) * 1000:.1f} ms per update"
    )
    print("\n".join(latency_table(work, answers)))
    print(
        f"  errors: {error_lines(folder)} logged, {len(work) - len(seconds)} unanswered, "
        f"{refused} refused calls; confirmed {confirmed}, waiting {waiting}, "
        f"oversold {oversold}, doubled {doubled}; peak RSS {rss:.0f} MB"
    )
    show_errors(folder)
    if args.no_echo:
        return
    async with FakeApi(args.latency_ms) as api:
        echo = await start_echo(api, args.echo_concurrency)
        try:
            await polling(api)
            echo_elapsed, answers = await offer(api, work, args.rate, args.limit)
        finally:
            await stop(echo)
    echo_seconds = answers["answer_seconds"]
    echo_presses = sum(str(user_of(u)) in echo_seconds for k, u in work if k == "register")
    print(
        f"bare PTB echo bot: {echo_presses / echo_elapsed:.0f} presses/s (answers each press, "
        f"echoes each message)"
    )
    print("\n".join(latency_table(work, answers)[-1:]))
    print(
        "kopiena / echo presses/s ratio: "
        f"{len(press_times) / elapsed / (echo_presses / echo_elapsed):.2f}"
    )


async def run_kill(args: argparse.Namespace, folder: str) -> None:
    presses, seats = args.presses, args.seats
    database_url = f"sqlite+aiosqlite:///{folder}/bench.db"
    seeded = await seed(database_url, presses, seats, 1)
    event = seeded["events"][0]
    ids = Ids()
    work = [("register", press(ids, FIRST_USER + n, f"ev:rc:{event}")) for n in range(presses)]
    print(
        f"kill -9 mid-rush: {presses} presses for {seats} seats, API latency "
        f"{args.latency_ms:g} ms, UPDATE_CONCURRENCY {args.concurrency}"
    )
    async with FakeApi(args.latency_ms) as api:
        bot = await start_kopiena(api, database_url, args.concurrency, folder, lease=2)
        try:
            await polling(api)
            await asyncio.sleep(1.0)
            await api.put([update for _, update in work])
            deadline = time.monotonic() + args.limit
            while len((await api.answers())["answer_seconds"]) < presses // 3:
                assert time.monotonic() < deadline, "the rush did not start"
                await asyncio.sleep(0.005)
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            at_kill = len((await api.answers())["answer_seconds"])
            bot = await start_kopiena(api, database_url, args.concurrency, folder, lease=2)
            while len((await api.answers())["answer_seconds"]) < presses:
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # anything handled twice would show by now
            answers = await api.answers()
        finally:
            await stop(bot)
    tallies = answers["press_answers"]
    queries = [u["callback_query"]["id"] for _, u in work]
    lost_answers = sum(tallies.get(q, [0, 0])[0] == 0 for q in queries)
    twice = sum(tallies.get(q, [0, 0])[1] > 0 for q in queries)
    twice_files = sum(n > 1 for n in answers["documents"].values())
    oversold, confirmed, waiting, doubled = await seat_check(database_url, seats)
    lost_rows = presses - confirmed - waiting
    print(f"killed with {at_kill}/{presses} presses answered; restarted")
    print(
        f"lost: {lost_answers} presses unanswered, {lost_rows} without a registration; "
        f"oversold: {oversold}; handled twice: {twice} presses answered again (refused by "
        f"the API), {twice_files} calendar files sent twice, {doubled} doubled rows; "
        f"errors logged: {error_lines(folder)}"
    )
    show_errors(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("mixed", "rush", "kill"), default="mixed")
    parser.add_argument("--users", type=int, default=1000, help="onboarded users (mixed)")
    parser.add_argument("--updates", type=int, default=1000, help="updates offered (mixed)")
    parser.add_argument("--rate", type=float, default=0, help="updates per second; 0: a burst")
    parser.add_argument("--latency-ms", type=float, default=0, help="fake API time per call")
    parser.add_argument(
        "--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="UPDATE_CONCURRENCY"
    )
    parser.add_argument(
        "--echo-concurrency",
        type=int,
        default=0,
        help="the echo bot's concurrent updates (default: the same as --concurrency)",
    )
    parser.add_argument("--capacity", type=int, default=100, help="seats per event (mixed)")
    parser.add_argument("--presses", type=int, default=0, help="rush: 1000, kill: 300")
    parser.add_argument("--seats", type=int, default=0, help="rush: 200, kill: 50")
    parser.add_argument("--limit", type=float, default=120, help="give up after (seconds)")
    parser.add_argument("--no-echo", action="store_true", help="skip the echo-bot floor")
    parser.add_argument("--keep", type=Path, help="keep the database and the bot's log here")
    parser.add_argument(
        "--only",
        type=lambda text: text.split(","),
        help=f"mixed: offer only these kinds (comma-separated: {', '.join(MIX)})",
    )
    args = parser.parse_args()
    args.echo_concurrency = args.echo_concurrency or args.concurrency
    if args.only and not set(args.only) <= set(MIX):
        parser.error(f"--only takes kinds from: {', '.join(MIX)}")
    if args.mode == "rush":
        args.presses, args.seats = args.presses or 1000, args.seats or 200
    if args.mode == "kill":
        args.presses, args.seats = args.presses or 300, args.seats or 50
    run = {"mixed": run_mixed, "rush": run_rush, "kill": run_kill}[args.mode]
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        asyncio.run(asyncio.wait_for(run(args, str(args.keep.resolve())), args.limit * 3 + 120))
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(asyncio.wait_for(run(args, folder), args.limit * 3 + 120))


if __name__ == "__main__":
    main()

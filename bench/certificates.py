"""Certificates at scale: issue 1,000 and draw each one's PDF.

This bench calls the certificate service and the PDF renderer directly (no Telegram,
no update pipeline, no outbox sending): it measures the work the dispatcher does per
certificate.

Fills a temporary SQLite file (migrated like production) with a 4-session course and
`--people` participants marked present everywhere, then times:

- `certificates.settle`: deciding who meets the rule and writing every certificate and
  its outbox row, in one transaction (shown per certificate);
- drawing each certificate's PDF in Latvian, as the dispatcher does before sending it
  (load the certificate, render): time and size per certificate. Targets: < 50 ms and
  < 100 KB each.

    python bench/certificates.py [--people 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select

from bot.i18n import Translator
from bot.pdf import certificate_pdf
from bot.services import certificates
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.models import Attendance, Certificate, Event, Registration, User
from storage.models import Session as EventSession

FIRST = datetime(2030, 1, 8, 8, tzinfo=UTC)
NAMES = ["Anna Ābele", "Ģirts Ļoļa", "Žanna Čakste", "Дмитрий Щукин", "Kārlis Ņikitins"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def fill(db, people: int) -> None:  # type: ignore[no-untyped-def]
    now = FIRST - timedelta(days=30)
    async with db.begin() as session:
        organiser = User(telegram_id=1, full_name="Olga Organizatore", onboarded_at=now)
        session.add(organiser)
        await session.flush()
        event = Event(
            title="Ģimenes asistentu kurss",
            place="Rīga, Zaķusalas krastmala 1",
            organiser_id=organiser.id,
            capacity=people,
            status="published",
            programme="Profesionāla sociālā darba attīstība",
        )
        session.add(event)
        await session.flush()
        rows = [
            EventSession(
                event_id=event.id,
                starts_at=FIRST + timedelta(days=d),
                ends_at=FIRST + timedelta(days=d, hours=4),
            )
            for d in range(4)
        ]
        session.add_all(rows)
        await session.flush()
        users = [
            {
                "telegram_id": 1000 + i,
                "full_name": f"{NAMES[i % len(NAMES)]} {i}",
                "language": "lv",
                "onboarded_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(people)
        ]
        await session.execute(insert(User), users)
        ids = list(await session.scalars(select(User.id).where(User.telegram_id >= 1000)))
        await session.execute(
            insert(Registration),
            [
                {
                    "event_id": event.id,
                    "user_id": user_id,
                    "status": "confirmed",
                    "seq": n,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, user_id in enumerate(ids)
            ],
        )
        await session.execute(
            insert(Attendance),
            [
                {"session_id": row.id, "user_id": user_id, "present": True, "method": "staff"}
                for row in rows
                for user_id in ids
            ],
        )


async def main(people: int) -> None:
    print("Calls the certificate service and the PDF renderer directly (no bot, no pipeline).")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        db = create_sessionmaker(engine)
        await fill(db, people)

        started = time.perf_counter()
        issued = await certificates.settle(db, FIRST + timedelta(days=4))
        settle = time.perf_counter() - started
        print(f"settle: {issued} certificates in {settle:.2f} s ({ms(settle / issued)} each)")

        async with db() as session:
            ids = list(await session.scalars(select(Certificate.id)))
        tr = Translator("lv", ZoneInfo("Europe/Riga"))
        times, cpu, sizes = [], [], []
        for certificate_id in ids:
            started, used = time.perf_counter(), time.process_time()
            view = await certificates.for_delivery(db, certificate_id)
            assert view is not None
            content = certificate_pdf(view, tr, issuer="Kopiena", bot_username="kopiena_bot")
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
            sizes.append(len(content))
        await engine.dispose()
    print(
        f"PDF per certificate (load + draw): min {ms(min(times))}, "
        f"median {ms(statistics.median(times))}, max {ms(max(times))}"
        f"  (the first includes loading the font: {ms(times[0])})"
    )
    print(
        f"PDF per certificate, CPU time of this process: median {ms(statistics.median(cpu))}"
        "  (wall time includes waiting for a core on a shared machine)"
    )
    kb = [size / 1024 for size in sizes]
    print(
        f"PDF size: min {min(kb):.1f} KB, median {statistics.median(kb):.1f} KB, "
        f"max {max(kb):.1f} KB  (target < 100 KB)"
    )
    total = settle / len(ids) + statistics.median(times)
    print(f"per certificate in all (settle share + median PDF): {ms(total)}  (target < 50 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    asyncio.run(main(parser.parse_args().people))

"""Helpers for the survey tests: an event with participants, a survey attached through
the staff screen, the planner and the dispatcher run at a moment the test chooses."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import func, select

from bot.outbox import dispatch_due
from bot.sandbox import Replies, Sandbox, SandboxUser
from bot.survey_jobs import plan_surveys
from storage.models import Delivery
from tests.eventkit import START, create_event, db, organiser, seed_people

FIRST = START + timedelta(days=1)  # sessions 08:00-12:00 UTC (10:00-14:00 in Riga)
NAMES = ["Anna Ābele", "Baiba Bērziņa", "Cilda Cīrule", "Dace Dārziņa", "Elza Egle"]
FIRST_ID = 700_000


GAP = timedelta(days=3)  # between sessions: longer than the nudge's 24 hours


async def course(
    sandbox: Sandbox, sessions: int = 2
) -> tuple[SandboxUser, int, list[int], list[SandboxUser], list[int]]:
    """Olga's event with sessions three days apart and five confirmed participants."""
    olga = await organiser(sandbox)
    times = [(FIRST + GAP * i, FIRST + GAP * i + timedelta(hours=4)) for i in range(sessions)]
    event_id, session_ids = await create_event(sandbox, 501, times)
    ids = await seed_people(
        sandbox,
        event_id,
        [(name, "cesu-novads", "Sociālais dienests", "confirmed") for name in NAMES],
        first_telegram_id=FIRST_ID,
    )
    people = [
        sandbox.user(FIRST_ID + i, name.split()[0], language_code="en")
        for i, name in enumerate(NAMES)
    ]
    return olga, event_id, session_ids, people, ids


async def attach(
    olga: SandboxUser, event_id: int, *, mode: str = "After each session", anonymous: bool
) -> Replies:
    await olga.press_data(f"ea:{event_id}")
    await olga.press("📝 Survey")
    await olga.press("➕ Add a survey")
    await olga.press("Standard")
    await olga.press(mode)
    return await olga.press("🕶 Anonymous" if anonymous else "👤 Named")


async def tick(sandbox: Sandbox) -> int:
    """What the every-minute jobs do: plan surveys, then send what is due."""
    assert sandbox.application is not None
    await plan_surveys(sandbox.application)
    return await dispatch_due(sandbox.application)


async def delivery_count(sandbox: Sandbox, kind: str) -> int:
    async with db(sandbox)() as session:
        return (
            await session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.kind == kind)
            )
            or 0
        )


def csv_table(replies: Replies) -> list[list[str]]:
    document = replies.last.file
    assert document is not None
    return list(csv.reader(io.StringIO(document.content.decode("utf-8-sig"))))

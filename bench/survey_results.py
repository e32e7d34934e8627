"""Survey results at scale: 10,000 responses over 50 sessions.

Fills a temporary SQLite file (migrated like production) directly with rows: a course of
50 sessions, 220 participants sent each session's survey and 200 answering it (the
default template: two ratings, a choice, an optional text), then times:

- the figures /results shows (response rate, means, distributions, choice counts, the
  written answers and each rating's trend across the 50 sessions), target < 300 ms;
- the chart PNG with the 50-session trend, target < 1 s (the first, cold run includes
  importing matplotlib and is shown apart);
- for information, the CSV and XLSX exports of all 10,000 responses.

Prints medians of several runs.

    python bench/survey_results.py [--responses 10000] [--sessions 50] [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
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
from bot.screens.survey_results import chart_parts, export_table, results_text
from bot.services import survey_results, surveys
from bot.services.events import view
from bot.services.survey_chart import render
from bot.services.survey_templates import ensure_default_template, load_questions
from bot.services.users import Person, Role
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.models import (
    Delivery,
    Event,
    EventSurvey,
    Registration,
    SurveyAnswer,
    SurveyParticipant,
    SurveyResponse,
    User,
)
from storage.models import Session as EventSession

COMMENTS = [
    "Vairāk praktisku piemēru, lūdzu.",
    "Pārāk daudz teorijas pēcpusdienā.",
    "More time for group work & case studies.",
    "Хотелось бы больше разборов реальных случаев.",
    "Viss bija lieliski!",
]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def fill(db, responses: int, sessions: int) -> tuple[int, Person]:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    per_session = responses // sessions
    people = per_session + per_session // 10
    now = datetime(2030, 1, 1, tzinfo=UTC)
    template_id = await ensure_default_template(db)
    async with db.begin() as session:
        questions = await load_questions(session, template_id)
        organiser = User(telegram_id=1, full_name="Olga", consented_at=now, onboarded_at=now)
        session.add(organiser)
        await session.flush()
        event = Event(title="Ģimenes asistentu kurss", capacity=people, status="published")
        event.organiser_id = organiser.id
        session.add(event)
        await session.flush()
        await session.execute(
            insert(User),
            [
                {"telegram_id": 1000 + i, "full_name": f"Dalībniece {i}", "municipality": "riga"}
                for i in range(people)
            ],
        )
        user_ids = list(await session.scalars(select(User.id).where(User.telegram_id >= 1000)))
        await session.execute(
            insert(Registration),
            [
                {"event_id": event.id, "user_id": u, "status": "confirmed", "seq": n}
                for n, u in enumerate(user_ids)
            ],
        )
        starts = [now + timedelta(days=2 * i, hours=8) for i in range(sessions)]
        await session.execute(
            insert(EventSession),
            [
                {"event_id": event.id, "starts_at": s, "ends_at": s + timedelta(hours=4)}
                for s in starts
            ],
        )
        session_ids = list(
            await session.scalars(
                select(EventSession.id)
                .where(EventSession.event_id == event.id)
                .order_by(EventSession.starts_at)
            )
        )
        survey = EventSurvey(
            event_id=event.id, template_id=template_id, mode="after_each_session", anonymous=True
        )
        session.add(survey)
        await session.flush()
        deliveries, participants, rows, answers = [], [], [], []
        for number, session_id in enumerate(session_ids):
            drift = number / sessions  # ratings improve over the course
            for n, user_id in enumerate(user_ids):
                deliveries.append(
                    {
                        "dedupe_key": surveys.survey_key(survey.id, session_id, user_id),
                        "user_id": user_id,
                        "kind": surveys.SURVEY_KIND,
                        "ref_id": survey.id,
                        "payload": {"session": session_id},
                        "due_at": now,
                        "status": "sent",
                        "attempts": 1,
                    }
                )
                if n >= per_session:
                    continue
                token = surveys.new_response_id()
                participants.append(
                    {"survey_id": survey.id, "session_id": session_id, "user_id": user_id}
                )
                complete = rng.random() < 0.9
                rows.append(
                    {
                        "id": token,
                        "survey_id": survey.id,
                        "session_id": session_id,
                        "complete": complete,
                    }
                )
                for question in questions[: len(questions) if complete else 2]:
                    value, text = None, None
                    if question.kind == "rating":
                        value = min(5, max(1, round(rng.gauss(3.2 + drift, 1))))
                    elif question.kind == "choice":
                        value = rng.choices([0, 1, 2], [2, 6, 2])[0]
                    elif rng.random() < 0.3:
                        text = rng.choice(COMMENTS)
                    answers.append(
                        {
                            "response_id": token,
                            "question_id": question.id,
                            "value": value,
                            "text": text,
                        }
                    )
        for table, data in (
            (Delivery, deliveries),
            (SurveyParticipant, participants),
            (SurveyResponse, rows),
            (SurveyAnswer, answers),
        ):
            for start in range(0, len(data), 5000):
                await session.execute(insert(table), data[start : start + 5000])
        actor = Person(
            organiser.id,
            1,
            "lv",
            True,
            "Olga",
            None,
            None,
            None,
            True,
            frozenset({Role.ADMIN}),
            None,
        )
        print(
            f"filled: {len(rows):,} responses over {sessions} sessions, {len(answers):,} "
            f"answers, {len(deliveries):,} deliveries"
        )
        return survey.id, actor


async def main(responses: int, sessions: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        db = create_sessionmaker(engine)
        started = time.perf_counter()
        survey_id, actor = await fill(db, responses, sessions)
        print(f"fill time: {time.perf_counter() - started:.1f} s")
        tr = Translator("lv", ZoneInfo("Europe/Riga"))

        async def figures(session_id: int | None) -> survey_results.Results:
            async with db() as session:
                survey, event = await surveys.load_survey(session, survey_id)
                covered = tuple(surveys.targets(survey, await view(session, event.id)))
                scope = next((t for t in covered if t.session.id == session_id), None)
                return await survey_results.compute(session, survey, event, covered, scope, 3)

        timings: dict[str, list[float]] = {"all": [], "one": [], "text": []}
        for _ in range(runs):
            t0 = time.perf_counter()
            result = await figures(None)
            timings["all"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await figures(result.targets[len(result.targets) // 2].session.id)
            timings["one"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            text = results_text(tr, result, 3)
            timings["text"].append(time.perf_counter() - t0)
        full = await survey_results.results(db, actor, survey_id, None, 3)
        assert full.respondents == responses, full.respondents
        print(
            f"figures, all {sessions} sessions + trend (median of {runs}): "
            f"{ms(statistics.median(timings['all']))}   target < 300 ms"
        )
        print(f"figures, one session (median of {runs}): {ms(statistics.median(timings['one']))}")
        print(
            f"chat text ({len(text):,} chars, median of {runs}): "
            f"{ms(statistics.median(timings['text']))}"
        )
        print(
            f"  response rate {full.respondents}/{full.recipients}, "
            f"quality mean {full.questions[0].mean or 0:.2f}"
        )

        bars, trend = chart_parts(tr, full)
        t0 = time.perf_counter()
        png = render("Ģimenes asistentu kurss · visas nodarbības", bars, trend)
        cold = time.perf_counter() - t0
        chart_runs = []
        for _ in range(max(3, runs // 2)):
            t0 = time.perf_counter()
            png = render("Ģimenes asistentu kurss · visas nodarbības", bars, trend)
            chart_runs.append(time.perf_counter() - t0)
        print(
            f"chart PNG with {sessions}-session trend ({len(png) // 1024} KiB): "
            f"median {ms(statistics.median(chart_runs))} of {len(chart_runs)}, "
            f"cold first run {ms(cold)} (imports matplotlib)   target < 1 s"
        )

        from bot.services.exports import csv_bytes, xlsx_bytes

        t0 = time.perf_counter()
        data = await survey_results.export_data(db, actor, survey_id, None, 3)
        table = export_table(tr, data)
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        csv_size = len(csv_bytes(table))
        csv_time = time.perf_counter() - t0
        t0 = time.perf_counter()
        xlsx_size = len(xlsx_bytes(table))
        xlsx_time = time.perf_counter() - t0
        print(
            f"export of {len(data.rows):,} rows: load {ms(load)}, CSV {ms(csv_time)} "
            f"({csv_size // 1024} KiB), XLSX {ms(xlsx_time)} ({xlsx_size // 1024} KiB)"
        )
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.responses, args.sessions, args.runs))

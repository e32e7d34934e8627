"""The 0-10 question (NPS style), end to end: an organiser builds a template with it in the
chat, people answer with eleven buttons in two rows, and the results, the chart and the
CSV and Excel exports show the answers, the mean and the NPS, for a named survey and for
an anonymous one (shown after the close only)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.sandbox import Sandbox, SandboxUser
from bot.screens.survey_results import chart_parts
from bot.services import survey_results
from bot.services.users import Profile, Role, identify
from storage.models import EventSurvey, SurveyAnswer
from tests.eventkit import START, db
from tests.helpers import EN, Clock
from tests.survey_kit import FIRST, NAMES, course, csv_table, tick

END = FIRST + timedelta(hours=4)
QUESTION = "How likely are you to recommend this training to a colleague?"
GIVEN = [10, 9, 7, 3, 10]  # Anna, Baiba, Cilda, Dace, Elza
# Promoters (9-10): 3 of 5 = 60%, detractors (0-6): 1 of 5 = 20%, NPS +40; mean 7.8.


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


async def build_template(olga: SandboxUser) -> None:
    await olga.send("/templates")
    await olga.press("➕ New template")
    await olga.send("Ieteikšana")
    await olga.press("➕ Scale 0–10")
    await olga.send(QUESTION)
    replies = await olga.press("Required")
    assert replies.last.text.splitlines()[2:] == [f"1. {QUESTION} (scale 0–10, required)"]


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
async def test_a_0_to_10_question_is_asked_answered_summarised_charted_and_exported(
    sandbox: Sandbox, clock: Clock, anonymous: bool
) -> None:
    olga, event_id, _sessions, people, _ids = await course(sandbox, sessions=1)
    await build_template(olga)
    await olga.press_data(f"ea:{event_id}")
    await olga.press("📝 Survey")
    await olga.press("➕ Add a survey")
    await olga.press("Ieteikšana")
    await olga.press("After each session")
    replies = await olga.press("🕶 Anonymous" if anonymous else "👤 Named")
    assert "Ieteikšana" in replies.last.text
    clock.set(END + timedelta(minutes=15))
    await tick(sandbox)

    for person, value in zip(people, GIVEN, strict=True):
        replies = await person.press("📝 Answer")
        shown = replies.last
        assert QUESTION in shown.text and "0 = lowest, 10 = highest" in shown.text
        assert [[b["text"] for b in row] for row in shown.buttons] == [
            ["0", "1", "2", "3", "4", "5"],
            ["6", "7", "8", "9", "10"],
        ]
        data = next(b["callback_data"] for row in shown.buttons for b in row if b["text"] == "10")
        forged = data.rsplit(":", 1)[0] + ":11"
        assert (await person.press_data(forged)).alert == (
            "That is not one of this question's answers."
        )
        replies = await person.press(str(value))
        assert "Thank you" in replies.last.text
    replies = await people[2].press("✏️ Change my answers")
    assert "Your answer: 7/10" in replies.last.text and "7 ✓" in replies.last.button_labels
    await people[2].press("7")

    if anonymous:
        async with db(sandbox)() as session:  # sealed until the close
            assert list(await session.scalars(select(SurveyAnswer))) == []
        clock.set(END + timedelta(days=7, minutes=16))
        await tick(sandbox)

    await olga.send("/results")
    replies = await olga.press("Ģimenes")
    text = replies.last.text
    assert "Responses: 5 of 5 (100%)" in text
    assert "Mean 7.8 of 10 (5 answers)" in text
    assert "NPS +40 (promoters, 9–10: 60%; detractors, 0–6: 20%)" in text
    assert "0: 0 · 1: 0 · 2: 0 · 3: 1 · 4: 0 · 5: 0 · 6: 0 · 7: 1 · 8: 0 · 9: 1 · 10: 2" in text

    replies = await olga.press("📈 Chart")
    assert replies.last.method == "sendPhoto"
    assert replies.last.file is not None and replies.last.file.content[:4] == b"\x89PNG"
    async with db(sandbox)() as session:
        survey_id = await session.scalar(select(EventSurvey.id))
    assert survey_id is not None
    assert sandbox.runtime is not None
    runtime = sandbox.runtime
    organiser = await identify(runtime.db, Profile(olga.id, None, "en"), "en", frozenset())
    assert organiser.can(Role.ORGANISER)
    found = await survey_results.results(runtime.db, organiser, survey_id, None, 3)
    (bars,), trend = chart_parts(EN, found)
    assert trend is None
    assert list(bars.labels) == [str(v) for v in range(11)]
    assert list(bars.counts) == [0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 2]
    assert bars.note == "NPS +40 · 5 answers"

    rows = csv_table(await olga.press("📄 CSV"))
    assert rows[0][-1] == f"1. {QUESTION}"
    if anonymous:
        assert rows[0] == ["Session", "Date", "Complete", f"1. {QUESTION}"]
        assert sorted(int(r[-1]) for r in rows[1:]) == sorted(GIVEN)
        assert not any(name.split()[0] in ",".join(r) for r in rows for name in NAMES)
    else:
        assert {r[2]: int(r[-1]) for r in rows[1:]} == dict(zip(NAMES, GIVEN, strict=True))

    replies = await olga.press("📊 Excel")
    document = replies.last.file
    assert document is not None and document.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(document.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert sorted(v[-1] for v in values) == sorted(GIVEN)  # numbers, not text
    assert sandbox.errors == []

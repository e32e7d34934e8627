"""Feedback surveys end to end: a session ends, the survey reaches those present at the
right time, people answer (one stops half way, one changes answers), one nudge goes to
those who did not answer, and the results, chart and exports match the answers."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.sandbox import Sandbox
from storage.models import SurveyParticipant, SurveyResponse
from tests.eventkit import START, db
from tests.helpers import EN, Clock
from tests.survey_kit import FIRST, GAP, attach, course, csv_table, delivery_count, tick

END_1 = FIRST + timedelta(hours=4)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


async def test_named_survey_from_session_end_to_results(sandbox: Sandbox, clock: Clock) -> None:
    olga, event_id, sessions, people, ids = await course(sandbox)
    anna, baiba, cilda, dace, elza = people
    replies = await attach(olga, event_id, anonymous=False)
    assert "Standard: quality, volume, practical use" in replies.last.text
    assert "after each session, named; sent 15 min after the end" in replies.last.text

    # Session 1: Anna, Baiba, Cilda and Elza present, Dace absent.
    for user_id, present in zip(ids, (1, 1, 1, 0, 1), strict=True):
        await olga.press_data(f"at:{sessions[0]}:{user_id}:{present}")

    clock.set(END_1 + timedelta(minutes=14))
    assert await tick(sandbox) == 0
    assert await delivery_count(sandbox, "survey") == 0
    clock.set(END_1 + timedelta(minutes=15))
    before = len(sandbox.api.calls)
    assert await tick(sandbox) == 4
    assert await tick(sandbox) == 0  # planning again adds nobody
    assert await delivery_count(sandbox, "survey") == 4
    for person in (anna, baiba, cilda, elza):
        (invitation,) = person.replies_since(before).texts
        assert (
            f"(session 1, {EN.short_date(FIRST)})" in invitation
            and "4 short questions" in invitation
        )
    assert dace.replies_since(before).texts == []

    # Anna answers everything, the last question in her own words.
    replies = await anna.press("📝 Answer")
    assert "Question 1 of 4" in replies.last.text
    assert replies.last.button_labels == ["1", "2", "3", "4", "5"]
    await anna.press("4")
    replies = await anna.press("Just right")
    assert "Question 3 of 4" in replies.last.text
    replies = await anna.press("5")
    assert "What would you improve?" in replies.last.text
    replies = await anna.send("More <b>case</b> examples & role play")
    assert "Thank you" in replies.last.text

    # Baiba answers the first question and stops.
    await baiba.press("📝 Answer")
    await baiba.press("2")

    # Cilda answers, skips the text, then goes back and changes her answers.
    await cilda.press("📝 Answer")
    await cilda.press("3")
    await cilda.press("Too little")
    replies = await cilda.press("◀ Back")
    assert "Question 2 of 4" in replies.last.text and "Your answer: Too little" in replies.last.text
    await cilda.press("Too much")
    await cilda.press("4")
    replies = await cilda.press("⏭ Skip")
    assert "Thank you" in replies.last.text
    replies = await cilda.press("✏️ Change my answers")
    assert "Question 1 of 4" in replies.last.text and "Your answer: 3/5" in replies.last.text
    await cilda.press("5")
    replies = await cilda.press("➡ Next")
    assert "Question 3 of 4" in replies.last.text
    async with db(sandbox)() as session:
        responses = list(await session.scalars(select(SurveyResponse)))
    assert len(responses) == 3  # one response each, edits included
    assert sorted(r.complete for r in responses) == [False, True, True]

    # A day later one nudge goes to Elza, who has not answered, and to nobody else.
    clock.advance(hours=24)
    before = len(sandbox.api.calls)
    assert await tick(sandbox) == 1
    assert "reminder" in elza.replies_since(before).texts[0]
    for person in (anna, baiba, cilda, dace):
        assert person.replies_since(before).texts == []
    clock.advance(hours=24)
    assert await tick(sandbox) == 0

    # Results for session 1.
    replies = await olga.send("/results")
    replies = await olga.press("Ģimenes")
    text = replies.last.text
    assert "All sessions (2)" in text
    assert "Responses: 3 of 4 (75%), complete: 2" in text
    assert "Mean 3.7 of 5 (3 answers)" in text  # 4, 2, 5
    assert "1★ 0 · 2★ 1 · 3★ 0 · 4★ 1 · 5★ 1" in text
    assert "• Too little: 0 (0%)" in text and "• Just right: 1 (50%)" in text
    assert "• Too much: 1 (50%)" in text
    assert "Mean 4.5 of 5 (2 answers)" in text  # 5, 4
    assert "1 written answer" in text
    replies = await olga.press("💬 Written answers (1)")
    assert "«More <b>case</b> examples & role play»" in replies.last.text
    await olga.press("◀ Back")

    replies = await olga.press("📈 Chart")
    assert replies.last.method == "sendPhoto"
    assert replies.last.file is not None and replies.last.file.content[:4] == b"\x89PNG"

    rows = csv_table(await olga.press("📄 CSV"))
    assert rows[0][:7] == [
        "Session",
        "Date",
        "Name",
        "Municipality",
        "Complete",
        "Started",
        "Last change",
    ]
    assert rows[0][7:] == [
        "1. Overall, how would you rate the quality of the session?",
        "2. Was the amount of content right?",
        "3. How useful will what you learned be in your daily work?",
        "4. What would you improve?",
    ]
    answers = {r[2]: (r[4], r[7:]) for r in rows[1:]}
    assert answers == {
        "Anna Ābele": ("yes", ["4", "Just right", "5", "More <b>case</b> examples & role play"]),
        "Baiba Bērziņa": ("no", ["2", "", "", ""]),
        "Cilda Cīrule": ("yes", ["5", "Too much", "4", "skipped"]),
    }
    assert {r[0] for r in rows[1:]} == {"1"} and {r[3] for r in rows[1:]} == {"Cēsu novads"}

    replies = await olga.press("📊 Excel")
    document = replies.last.file
    assert document is not None and document.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(document.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert sorted((v[2], v[7], v[8]) for v in values) == [
        ("Anna Ābele", 4, "Just right"),
        ("Baiba Bērziņa", 2, None),
        ("Cilda Cīrule", 5, "Too much"),
    ]

    # Session 2 takes no attendance: every confirmed registrant gets the survey.
    clock.set(END_1 + GAP + timedelta(minutes=15))
    before = len(sandbox.api.calls)
    assert await tick(sandbox) == 5
    assert all("(session 2, " in p.replies_since(before).texts[0] for p in people)
    replies = await dace.press("📝 Answer")
    await dace.press("1")
    replies = await olga.press_data(f"rv:{(responses[0].survey_id)}:0")
    assert "Responses: 4 of 9 (44%)" in replies.last.text
    replies = await olga.press("🗓 By session")
    assert replies.last.button_labels[:2] == [
        f"1. {EN.short_date(FIRST)}: 3 of 4",
        f"2. {EN.short_date(FIRST + GAP)}: 1 of 5",
    ]
    replies = await olga.press("2. Fri")
    assert "Session 2" in replies.last.text and "Responses: 1 of 5 (20%)" in replies.last.text
    replies = await olga.press_data(f"rc:{responses[0].survey_id}:0")
    assert replies.last.method == "sendPhoto"

    # A week after opening the survey closes; its unsent deliveries expire.
    clock.set(END_1 + timedelta(days=7, minutes=15))
    replies = await baiba.press("Too much")
    assert replies.alert is not None and replies.alert.startswith("This survey closed on")
    async with db(sandbox)() as session:
        assert len(list(await session.scalars(select(SurveyParticipant)))) == 4

"""/mydata and /forget cover what later features store: registrations, attendance and
named survey answers (which stay in the results, anonymised)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.sandbox import Sandbox
from storage.models import SurveyAnswer, SurveyResponse
from tests.eventkit import START, db
from tests.helpers import Clock
from tests.survey_kit import FIRST, attach, course, tick


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


async def test_mydata_and_forget_cover_registrations_attendance_and_answers(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga, event_id, sessions, people, ids = await course(sandbox)
    anna = people[0]
    await attach(olga, event_id, anonymous=False)
    await olga.press_data(f"at:{sessions[0]}:{ids[0]}:1")
    clock.set(FIRST + timedelta(hours=4, minutes=15))
    await tick(sandbox)
    await anna.press("📝 Answer")
    await anna.press("4")

    replies = await anna.send("/mydata")
    data = json.loads(next(r.file for r in replies if r.file is not None).content)
    assert [r["status"] for r in data["registrations"]] == ["confirmed"]
    assert [a["present"] for a in data["attendance"]] == [True]
    assert [a["value"] for a in data["survey_answers"]] == [4]

    await anna.send("/forget")
    await anna.press("Yes, delete")
    async with db(sandbox)() as session:
        owners = list(await session.scalars(select(SurveyResponse.user_id)))
        answers = await session.scalar(select(func.count()).select_from(SurveyAnswer))
    assert owners == [None]  # still counted in the results, linked to nobody
    assert answers == 1

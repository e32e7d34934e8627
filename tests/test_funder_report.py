"""The funder's report: a programme of two events with overlapping participants from
three municipalities, every figure checked against the data set up here; a period
instead of a programme; who may ask; formula-looking text stays text."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.sandbox import Sandbox
from storage.models import (
    Delivery,
    Registration,
    SurveyAnswer,
    SurveyParticipant,
    SurveyQuestion,
    SurveyResponse,
)
from tests.certkit import AFTER, COURSE, course, mark
from tests.eventkit import NOT_ALLOWED, create_event, db, organiser
from tests.helpers import Clock, onboard
from tests.survey_kit import attach
from tests.survey_kit import tick as plan_and_send

PROGRAMME = "Profesionāla sociālā darba attīstība"
SEMINAR = [(s + timedelta(days=10), s + timedelta(days=10, hours=3)) for s, _ in COURSE[:2]]
OTHER = [(s + timedelta(days=20), e + timedelta(days=20)) for s, e in COURSE[:1]]


def sheets(content: bytes) -> dict[str, list[list[object]]]:
    book = load_workbook(io.BytesIO(content))
    return {
        sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()]
        for sheet in book.worksheets
    }


async def set_programme(olga, event_id: int, name: str) -> None:  # type: ignore[no-untyped-def]
    await olga.press_data(f"ct:{event_id}")
    await olga.press("🏷 Programme")
    replies = await olga.send(name)
    assert f"Programme (for the funder's report): {name}" in replies.last.text


async def test_programme_report_counts_people_once_by_municipality(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga = await organiser(sandbox)
    course_id, course_sessions, (anna, baiba, cilda, dace) = await course(
        sandbox,
        [
            ("Anna Ābele", "cesu-novads"),
            ("Baiba Bērziņa", "cesu-novads"),
            ("=HYPERLINK(1)", "talsu-novads"),
            ("Dace Dārziņa", "riga"),
        ],
    )
    seminar_id, seminar_sessions, (elza,) = await course(
        sandbox,
        [("Elza Egle", "riga")],
        title="Supervīzija sociālajā darbā",
        sessions=SEMINAR,
        first_telegram_id=710_000,
    )
    other_id, other_sessions, (ivo,) = await course(
        sandbox, [("Ivo Ozols", "jurmala")], title="Cits seminārs", sessions=OTHER,
        first_telegram_id=720_000,
    )  # fmt: skip
    async with db(sandbox).begin() as session:  # Anna and Cilda also join the seminar
        for seq, (user_id, place) in enumerate(((anna, "cesu-novads"), (cilda, "talsu-novads"))):
            session.add(
                Registration(
                    event_id=seminar_id,
                    user_id=user_id,
                    status="confirmed",
                    seq=seq + 2,
                    municipality=place,
                )
            )
    await set_programme(olga, course_id, PROGRAMME)
    await set_programme(olga, seminar_id, PROGRAMME)
    await attach(olga, course_id, mode="Once, after the last session", anonymous=False)

    await mark(olga, course_sessions, anna, True)
    await mark(olga, course_sessions[:3], baiba, True)
    await mark(olga, course_sessions, dace, True)
    await mark(olga, seminar_sessions, anna, True)
    await mark(olga, seminar_sessions[:1], cilda, True)
    await mark(olga, seminar_sessions, elza, True)
    await mark(olga, other_sessions, ivo, True)

    # The course's survey goes to those present at its last session: Anna and Dace.
    clock.set(AFTER + timedelta(minutes=20))
    await plan_and_send(sandbox)
    async with db(sandbox).begin() as session:
        invited = await session.scalar(
            select(func.count()).where(Delivery.kind == "survey", Delivery.status == "sent")
        )
        assert invited == 2
        first, second = list(
            await session.scalars(
                select(SurveyQuestion)
                .where(SurveyQuestion.kind == "rating")
                .order_by(SurveyQuestion.position)
                .limit(2)
            )
        )
        survey_id = (await session.execute(select(Delivery.ref_id).limit(1))).scalar_one()
        session.add(
            SurveyParticipant(survey_id=survey_id, session_id=course_sessions[-1], user_id=anna)
        )
        session.add(
            SurveyResponse(
                id="r1", survey_id=survey_id, session_id=course_sessions[-1], complete=True
            )
        )
        await session.flush()
        session.add(SurveyAnswer(response_id="r1", question_id=first.id, value=5))
        session.add(SurveyAnswer(response_id="r1", question_id=second.id, value=3))

    # Both events are over: certificates for Anna and Dace (course), Anna and Elza
    # (seminar); Cilda gets one for the seminar by hand.
    clock.set(SEMINAR[-1][1] + timedelta(minutes=5))
    await plan_and_send(sandbox)
    await olga.press_data(f"ctu:{seminar_id}:{cilda}")
    await olga.press("🎓 Issue by hand")

    replies = await olga.send("/funder")
    assert PROGRAMME in replies.last.button_labels
    replies = await olga.press(PROGRAMME)
    assert "2 events, 5 people" in replies.last.text
    book = sheets(replies.last.file.content)  # type: ignore[union-attr]
    assert list(book) == ["By municipality", "Events", "Survey", "Method"]

    places = book["By municipality"]
    assert places[0] == [
        "Municipality", "Registered", "Attended at least once", "Completed",
        "Certificates issued", "Hours attended",
    ]  # fmt: skip
    assert places[1:] == [
        ["Cēsu novads", 2, 2, 1, 2, 34],  # Anna 16+6 h, 2 certificates; Baiba 12 h
        ["Rīga", 2, 2, 2, 2, 22],  # Dace 16 h, Elza 6 h
        ["Talsu novads", 1, 1, 1, 1, 3],  # Cilda 3 h, certificate by hand
        ["Total (people counted once)", 5, 5, 4, 5, 59],
    ]

    events = book["Events"]
    header = events[0]
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in events[1:]}
    assert set(rows) == {"Ģimenes asistentu kurss", "Supervīzija sociālajā darbā"}
    course_row = rows["Ģimenes asistentu kurss"]
    assert (course_row["Sessions"], course_row["Hours"], course_row["Programme"]) == (
        4,
        16,
        PROGRAMME,
    )
    assert [course_row[h] for h in places[0][1:]] == [4, 3, 2, 2, 44]
    assert (
        course_row["Survey invitations sent"],
        course_row["Survey answers"],
        course_row["Response rate (%)"],
    ) == (2, 1, 50)
    seminar_row = rows["Supervīzija sociālajā darbā"]
    assert [seminar_row[h] for h in places[0][1:]] == [3, 3, 3, 3, 15]
    assert seminar_row["Survey invitations sent"] == 0 and seminar_row["Response rate (%)"] is None

    survey = book["Survey"]
    assert [row[1:] for row in survey[1:]] == [[1, 5], [1, 3]]
    assert survey[1][0] == first.texts["en"]
    method = dict((row[0], row[1]) for row in book["Method"][1:])
    assert method["Selection"] == f"Programme: {PROGRAMME}"
    assert "Each person is counted once" in method["Municipality"]
    # Nothing names a person; the formula-looking name never reached a cell.
    assert not any("HYPERLINK" in str(v) for s in book.values() for r in s for v in r)

    # A period instead: only the seminar has a session from the 18th to the 19th.
    day = (SEMINAR[0][0]).strftime("%Y-%m-%d")
    replies = await olga.send(f"/funder {day} {day}")
    period = sheets(replies.last.file.content)  # type: ignore[union-attr]
    assert period["By municipality"][-1] == ["Total (people counted once)", 3, 3, 3, 3, 15]
    assert [row[0] for row in period["Events"][1:]] == ["Supervīzija sociālajā darbā"]
    assert other_id not in (course_id, seminar_id)


async def test_funder_report_refuses_participants_and_bad_periods(sandbox: Sandbox) -> None:
    olga = await organiser(sandbox)
    await create_event(sandbox, 501, COURSE)
    anna = await onboard(sandbox, 602, "Anna Ābele")
    assert NOT_ALLOWED in (await anna.send("/funder")).last.text
    assert NOT_ALLOWED in (await anna.send("/funder 2030-01-01 2030-12-31")).last.text
    assert "fr:1" not in str((await anna.press_data("fr:1")).alert)
    for text in ("/funder 2030-13-01 2030-12-31", "/funder yesterday", "/funder 2030-01-01 x y"):
        assert "/funder 2030-01-01 2030-12-31" in (await olga.send(text)).last.text, text
    assert (
        "Choose a programme or a period"
        in (await olga.send("/funder 2030-12-31 2030-01-01")).last.text
    )
    assert "no programme" in ((await olga.press_data("fr:1")).alert or "")
    assert "None of your events has a programme" in (await olga.send("/funder")).last.text


async def test_programme_comes_from_the_import_file(sandbox: Sandbox, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.services.event_import import ImportError_, import_events
    from storage.models import Event

    assert sandbox.runtime is not None
    sessions = "[{start: '2030-01-08 10:00', end: '2030-01-08 14:00'}]"
    good = tmp_path / "good.yaml"
    good.write_text(
        f"events: [{{key: a, title: T, capacity: 5, programme: '  {PROGRAMME}  ', "
        f"sessions: {sessions}}}]",
        encoding="utf-8",
    )
    await import_events(sandbox.runtime.db, good, sandbox.settings.tz)
    async with db(sandbox)() as session:
        assert await session.scalar(select(Event.programme)) == PROGRAMME
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"events: [{{key: a, title: T, capacity: 5, programme: '{'x' * 151}', "
        f"sessions: {sessions}}}]",
        encoding="utf-8",
    )
    try:
        await import_events(sandbox.runtime.db, bad, sandbox.settings.tz)
    except ImportError_ as error:
        assert "'programme' is text of at most 150 characters" in str(error)
    else:
        raise AssertionError("a 151-character programme was accepted")


async def test_a_programme_that_looks_like_a_formula_stays_text(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga = await organiser(sandbox)
    event_id, sessions, (anna,) = await course(sandbox, [("Anna Ābele", "cesu-novads")])
    await set_programme(olga, event_id, "=1+1")
    replies = await olga.send("/funder")
    replies = await olga.press("=1+1")
    book = load_workbook(io.BytesIO(replies.last.file.content))  # type: ignore[union-attr]
    sheet = book["Events"]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Programme") + 1)
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    method = book["Method"]
    assert method.cell(row=2, column=2).data_type == "s"
    assert anna and sessions

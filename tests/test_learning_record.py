"""The learning record: progress toward a certificate in /my, /hours across two
organisers' trainings with a yearly target, the record as PDF and XLSX, /mydata, and
/forget after which the person's old certificate verifies as "holder data removed"."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.config import Settings
from bot.sandbox import Sandbox
from storage.models import Certificate
from tests.certkit import AFTER, CODE, course, documents, mark, pdf_text, tick
from tests.conftest import ADMIN_ID
from tests.eventkit import create_event, db, organiser, register
from tests.helpers import Clock, make_organiser

ANNA = 700_000
# Māra's seminar is a year later: two 3-hour sessions in January 2031.
SEMINAR = [
    (datetime(2031, 1, 20, 8, tzinfo=UTC), datetime(2031, 1, 20, 11, tzinfo=UTC)),
    (datetime(2031, 1, 21, 8, tzinfo=UTC), datetime(2031, 1, 21, 11, tzinfo=UTC)),
]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        admin_ids=frozenset({ADMIN_ID}),
        learning_target_hours=20,
        certificate_issuer="Labklājības ministrija",
    )


async def test_progress_hours_across_organisers_files_mydata_and_forget(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga = await organiser(sandbox)
    mara = await make_organiser(sandbox, 502, "Māra Mācītāja")
    _, sessions_a, (anna_id,) = await course(sandbox, [("Anna Ābele", "cesu-novads")])
    event_b, sessions_b = await create_event(
        sandbox, 502, SEMINAR, title="Supervīzija sociālajā darbā"
    )
    anna = sandbox.user(ANNA, "Anna", language_code="en")
    assert "You are registered" in (await register(anna, event_b)).texts[0]

    # Half way through the course: /my shows how far the certificate is (80 % of 16 h).
    await mark(olga, sessions_a[:2], anna_id, True)
    mine = "\n".join((await anna.send("/my")).texts)
    assert "8 h of 16 h attended; 4 h 48 min more for the certificate" in mine

    await mark(olga, sessions_a[2:], anna_id, True)
    await mark(mara, sessions_b[:1], anna_id, True)
    clock.set(AFTER)
    await tick(sandbox)
    [(caption, _)] = documents(sandbox, ANNA)
    code = CODE.search(caption).group(1)  # type: ignore[union-attr]
    mine = "\n".join((await anna.send("/my")).texts)
    assert f"16 h of 16 h attended; 🎓 certificate {code}" in mine
    assert "3 h of 6 h attended; 1 h 48 min more for the certificate" in mine

    record = (await anna.send("/hours")).last
    assert "2031: 3 h — 15 % of the yearly target of 20 h" in record.text
    assert "2030: 16 h — 80 % of the yearly target of 20 h" in record.text
    assert f"Ģimenes asistentu kurss — 16 h — 🎓 {code}" in record.text
    assert "Supervīzija sociālajā darbā — 3 h" in record.text
    assert record.text.index("2031") < record.text.index("2030")

    replies = await anna.press("📄 PDF")
    text = pdf_text(replies.last.file.content)  # type: ignore[union-attr]
    assert "Anna Ābele" in text and "Labklājības ministrija" in text
    assert "2030: 16 hours (target 20)" in text and "2031: 3 hours (target 20)" in text
    assert "Ģimenes asistentu kurss (Olga Organizatore)" in text
    assert "Supervīzija sociālajā darbā (Māra Mācītāja)" in text and code in text

    replies = await anna.press("📊 Excel")
    sheet = load_workbook(io.BytesIO(replies.last.file.content)).active  # type: ignore[union-attr]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "Year", "Training", "Organiser", "First session", "Last session", "Hours", "Certificate"
    ]  # fmt: skip
    assert [r[0:3] + r[5:] for r in rows[1:]] == [
        [2031, "Supervīzija sociālajā darbā", "Māra Mācītāja", 3, None],
        [2030, "Ģimenes asistentu kurss", "Olga Organizatore", 16, code],
    ]

    data = json.loads((await anna.send("/mydata")).last.file.content)  # type: ignore[union-attr]
    assert [(y["year"], y["hours"]) for y in data["learning_record"]] == [(2031, 3), (2030, 16)]
    assert data["certificates"] == [
        {"code": code, "event": "Ģimenes asistentu kurss", "valid": True}
    ]

    stranger = sandbox.user(880_001, "Vera", language_code="en")
    assert "Anna Ābele" in (await stranger.send(f"/verify {code}")).last.text
    await anna.send("/forget")
    await anna.press("🗑 Yes, delete")
    answer = (await stranger.send(f"/verify {code}")).last.text
    assert "the holder's data has been removed" in answer
    assert "Anna" not in answer and "Valid" not in answer
    # Corrections later (to the anonymous stand-in that now holds the attendance) never
    # re-issue it with someone else's (or no) name.
    async with db(sandbox)() as session:
        holder = await session.scalar(
            select(Certificate.user_id).where(Certificate.user_id != anna_id)
        )
    assert holder is not None and holder != anna_id
    await mark(olga, sessions_a[3:], holder, False)
    clock.advance(minutes=5)
    await tick(sandbox)
    assert len(documents(sandbox, ANNA)) == 1
    assert (
        "the holder's data has been removed" in (await stranger.send(f"/verify {code}")).last.text
    )
    # A newcomer with Anna's old Telegram id starts with an empty record.
    again = sandbox.user(ANNA, "Anna", language_code="en")
    replies = await again.send("/hours")
    assert "Anna" not in replies.last.text and "16" not in replies.last.text
    assert clock.now - AFTER < timedelta(hours=1)

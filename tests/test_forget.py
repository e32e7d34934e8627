"""/forget ends the person's registrations first (no ghost on the waiting list), then
removes or anonymises every row about them, stops messages still queued (also one
already being sent) and leaves their name nowhere in the database files; /mydata lists
everything stored, what they did as staff included."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.outbox import dispatch_due, enqueue
from bot.retention import apply_retention
from bot.sandbox import Sandbox, SandboxUser
from bot.services.event_import import NOTICE_KIND
from storage.models import (
    Attendance,
    CheckinAttempts,
    Delivery,
    InboundUpdate,
    Registration,
    SurveyParticipant,
    User,
)
from tests.eventkit import START, create_event, db, organiser, register, seed_people, user_id
from tests.helpers import ADMIN_ID, Clock, onboard
from tests.survey_kit import attach, tick

PAST = (START - timedelta(days=10), START - timedelta(days=10) + timedelta(hours=4))
SOON = (START + timedelta(days=1), START + timedelta(days=1, hours=4))
NAME = "Zigrīda Zeltiņa-Ozoliņa"


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


def mydata(replies) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(next(r.file for r in replies if r.file is not None).content)


async def statuses(sandbox: Sandbox, event_id: int) -> list[tuple[str | None, str]]:
    async with db(sandbox)() as session:
        rows = await session.execute(
            select(User.full_name, Registration.status)
            .join(User, User.id == Registration.user_id)
            .where(Registration.event_id == event_id)
            .order_by(Registration.seq)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def count(sandbox: Sandbox, model: type, **where: int) -> int:
    async with db(sandbox)() as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return await session.scalar(query) or 0


async def test_forget_hands_on_seats_and_leaves_no_ghost(sandbox: Sandbox, clock: Clock) -> None:
    await organiser(sandbox)
    event_id, _ = await create_event(sandbox, 501, [SOON], capacity=1)
    zigrida = await onboard(sandbox, 801, NAME)
    janis = await onboard(sandbox, 802, "Jānis Kalns")
    liga = await onboard(sandbox, 803, "Līga Vītola")
    for person in (zigrida, janis, liga):
        await register(person, event_id)
    assert await statuses(sandbox, event_id) == [
        (NAME, "confirmed"),
        ("Jānis Kalns", "waiting"),
        ("Līga Vītola", "waiting"),
    ]

    # Jānis, on the waiting list, forgets: his place is freed, no ghost stays in line.
    await janis.send("/forget")
    await janis.press("🗑 Yes, delete")
    assert await statuses(sandbox, event_id) == [(NAME, "confirmed"), ("Līga Vītola", "waiting")]

    # Zigrīda holds the seat and forgets: Līga gets it at once and is told.
    before = len(sandbox.api.calls)
    await zigrida.send("/forget")
    await zigrida.press("🗑 Yes, delete")
    assert await statuses(sandbox, event_id) == [("Līga Vītola", "confirmed")]
    told = liga.replies_since(before).texts
    assert any("A seat has freed up" in text for text in told)
    replies = await liga.send(f"/start event_{event_id}")
    assert "No seats left; the waiting list is empty" in replies.last.text


async def test_forget_removes_or_anonymises_every_row_and_the_name_leaves_the_files(
    sandbox: Sandbox, clock: Clock, settings: Settings
) -> None:
    olga = await organiser(sandbox)
    admin = sandbox.user(ADMIN_ID, "Admin")
    zigrida = await onboard(sandbox, 801, NAME)
    await admin.send("/grant 801 trainer")
    past_a, (session_a,) = await create_event(sandbox, 501, [PAST], title="Pagātne A")
    past_b, (session_b,) = await create_event(sandbox, 501, [PAST], title="Pagātne B")
    soon, _ = await create_event(sandbox, 501, [SOON], title="Drīzumā", trainers=[801])
    zid = await user_id(sandbox, 801)
    async with db(sandbox).begin() as session:  # she took part in two past trainings
        for event, row in ((past_a, session_a), (past_b, session_b)):
            session.add(
                Registration(
                    event_id=event, user_id=zid, status="confirmed", seq=1, municipality="cesis"
                )
            )
            session.add(Attendance(session_id=row, user_id=zid, present=True, method="code"))
    await register(zigrida, soon)
    await zigrida.send("/checkin ZZZZ")  # a wrong code: a check-in attempt is stored
    await seed_people(sandbox, soon, [("Anna Ābele", "cesis", None, "confirmed")])
    await attach(olga, soon, anonymous=True)
    clock.set(SOON[1] + timedelta(minutes=15))
    await tick(sandbox)
    await zigrida.press("📝 Answer")
    await zigrida.press("5")

    data = mydata(await zigrida.send("/mydata"))
    assert data["profile"]["full_name"] == NAME
    assert {d["kind"] for d in data["messages_to_you"]} >= {"survey", "reminder"}
    assert data["checkin_attempts"]["wrong_codes_in_a_row"] == 1
    assert [p["event"] for p in data["anonymous_survey_participation"]] == ["Drīzumā"]
    assert "5" not in json.dumps(data["anonymous_survey_participation"])  # never the answer
    assert data["as_staff"]["events_as_trainer"] == ["Drīzumā"]
    assert len(data["registrations"]) == 3 and len(data["attendance"]) == 2
    olga_data = mydata(await olga.send("/mydata"))
    organised = sorted(olga_data["as_staff"]["events_organised"])
    assert organised == ["Drīzumā", "Pagātne A", "Pagātne B"]
    assert olga_data["as_staff"]["surveys_attached_to_events"] == ["Drīzumā"]

    await zigrida.send("/forget")
    await zigrida.press("🗑 Yes, delete")
    assert await count(sandbox, User, telegram_id=801) == 0
    for model in (Delivery, CheckinAttempts, SurveyParticipant):
        assert await count(sandbox, model, user_id=zid) == 0, model
    async with db(sandbox)() as session:
        kept = list(
            await session.execute(
                select(Registration.event_id, Registration.user_id, User.full_name)
                .join(User, User.id == Registration.user_id)
                .where(Registration.event_id.in_([past_a, past_b]))
            )
        )
        present = list(await session.scalars(select(Attendance.user_id)))
    # The past trainings still count her, each through its own empty stand-in.
    assert len(kept) == 2 and {name for *_, name in kept} == {None}
    stand_ins = {owner for _, owner, _ in kept}
    assert len(stand_ins) == 2 and zid not in stand_ins
    assert set(present) == stand_ins

    # Her name is in neither the database file nor its -wal (secure_delete, WAL truncated).
    # (On PostgreSQL the files are the server's, out of the bot's reach: VACUUM is the
    # operator's, see README.)
    if not settings.database_url.startswith("sqlite"):
        return
    path = Path(settings.database_url.split("///", 1)[1])
    for file in (path, Path(f"{path}-wal")):
        if file.exists():
            assert NAME.encode() not in file.read_bytes(), file


async def test_forget_stops_a_broadcast_already_being_sent(database_url: str, clock: Clock) -> None:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        admin_ids=frozenset({ADMIN_ID}),
        broadcast_rate=2,
    )
    async with Sandbox(settings, clock=clock) as sandbox:
        await organiser(sandbox)
        event_id, _ = await create_event(sandbox, 501, [SOON])
        people: list[SandboxUser] = [
            await onboard(sandbox, 900 + i, f"Persona {name}")
            for i, name in enumerate(("Ābele", "Bērza", "Cīrule", "Dēle", "Eglīte", "Fogele"))
        ]
        async with db(sandbox).begin() as session:
            for i in range(6):
                await enqueue(
                    session,
                    user_id=await user_id(sandbox, 900 + i),
                    kind=NOTICE_KIND,
                    dedupe_key=f"test:{i}",
                    due_at=clock(),
                    ref_id=event_id,
                    payload={"what": "cancelled"},
                )
        assert sandbox.application is not None
        sending = asyncio.create_task(dispatch_due(sandbox.application))
        for _ in range(400):  # until the broadcast is under way
            if any("has been cancelled" in t for t in people[0].replies_since(0).texts):
                break
            await asyncio.sleep(0.05)
        last = people[-1]
        await last.send("/forget")
        await last.press("🗑 Yes, delete")
        await sending
        assert not [t for t in last.replies_since(0).texts if "has been cancelled" in t]
        assert [t for t in people[1].replies_since(0).texts if "has been cancelled" in t]
        assert sandbox.errors == []


async def test_retention_forgets_people_not_seen_for_months(database_url: str) -> None:
    clock = Clock()  # real time: "seen today" is the real today
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        admin_ids=frozenset({ADMIN_ID}),
        retention_months=6,
    )
    async with Sandbox(settings, clock=clock) as sandbox:
        await organiser(sandbox)
        upcoming, _ = await create_event(
            sandbox, 501, [(clock() + timedelta(days=3), clock() + timedelta(days=3, hours=2))]
        )
        idle = await onboard(sandbox, 901, "Ilze Ilgi Neredzēta")
        await onboard(sandbox, 902, "Rasma Redzēta")
        await onboard(sandbox, 903, "Tālis Treneris")
        await sandbox.user(ADMIN_ID, "Admin").send("/grant 903 trainer")
        waiting = await onboard(sandbox, 904, "Vija Gaidītāja")
        await register(waiting, upcoming)
        async with db(sandbox).begin() as session:
            for telegram_id in (901, 903, 904):
                user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
                assert user is not None
                user.last_seen_on = clock() - timedelta(days=200)
        assert sandbox.application is not None
        assert await apply_retention(sandbox.application) == 1
        async with db(sandbox)() as session:
            left = set(await session.scalars(select(User.telegram_id)))
        assert 901 not in left and {902, 903, 904} <= left
        # Coming back, Ilze starts afresh.
        assert "Choose your language" in (await idle.send("/start")).last.text


async def test_retention_is_off_by_default(sandbox: Sandbox, clock: Clock) -> None:
    await onboard(sandbox, 901, "Ilze Ilgi Neredzēta")
    async with db(sandbox).begin() as session:
        user = await session.scalar(select(User).where(User.telegram_id == 901))
        assert user is not None
        user.last_seen_on = clock() - timedelta(days=3650)
    assert sandbox.application is not None
    assert await apply_retention(sandbox.application) == 0
    assert await count(sandbox, User, telegram_id=901) == 1


async def test_forget_removes_the_persons_parked_updates(sandbox: Sandbox) -> None:
    anna = await onboard(sandbox, 601, "Anna Bērziņa")
    ilze = await onboard(sandbox, 602, "Ilze Liepa")
    async with db(sandbox).begin() as session:
        for update_id, person in ((900_001, anna), (900_002, ilze)):
            session.add(
                InboundUpdate(
                    update_id=update_id,
                    lane=person.id,
                    payload=json.dumps({"text": f"{person.id} wrote this"}),
                    status="parked",
                )
            )
    await anna.send("/forget")
    await anna.press("🗑 Yes, delete")
    async with db(sandbox)() as session:
        left = list(
            await session.scalars(
                select(InboundUpdate.lane).where(InboundUpdate.status == "parked")
            )
        )
    assert left == [ilze.id]

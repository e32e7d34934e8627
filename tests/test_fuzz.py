"""Property-based fuzzing through the real Application: random sequences of updates from
people in every role (commands with any Unicode arguments, texts of any length, forged and
stale button data, presses in any order). After each update: it got an answer, no handler
failed, no seat is oversold, and nothing changed that the sender may not change.

The default profile is bounded for CI (well under a minute); `KOPIENA_FUZZ=long` runs the
long one (README, "Tests"). Counts of sequences and updates are printed at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.config import Settings
from bot.sandbox import Sandbox, SandboxUser
from storage.models import (
    Announcement,
    Attendance,
    Event,
    EventSurvey,
    EventTrainer,
    FaqEntry,
    FaqTranslation,
    Registration,
    RoleAudit,
    SurveyTemplate,
    User,
    UserRole,
)
from storage.models import Session as EventSession
from tests.eventkit import START, create_event, seed_people
from tests.helpers import ADMIN_ID, Clock, onboard

settings.register_profile(
    "ci",
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = "long" if os.environ.get("KOPIENA_FUZZ") == "long" else "ci"
MIN_ACTIONS, MAX_ACTIONS = (10, 60) if PROFILE == "long" else (10, 25)

OLGA, TOMS, RUTA = 501, 502, 503  # organiser; trainer of E1; trainer of E1, role revoked
PEOPLE = (601, 602, 603)
STRANGER = 699  # never started the bot
NAMES = ("Anna Ābele", "Baiba Bērziņa", "Cilda Cīrule")
LANGUAGES = ("en", "lv", "ru", "lv", "en", "ru", "lv", "en")
ACTORS = (ADMIN_ID, OLGA, TOMS, RUTA, *PEOPLE, STRANGER)
SESSIONS = [
    (START + timedelta(days=2), START + timedelta(days=2, hours=4)),
    (START + timedelta(days=4), START + timedelta(days=4, hours=4)),
]
COMMANDS = (
    "/start", "/help", "/events", "/my", "/checkin", "/faq", "/profile", "/settings",
    "/remind", "/privacy", "/mydata", "/forget", "/results", "/users", "/grant", "/revoke",
    "/audit", "/new_event", "/questions", "/faqadd", "/templates", "/cancel", "/nonsense",
)  # fmt: skip
ODD = (
    "", "1", "2", "3", "0", "-1", "²", "٣", "9" * 20, "#1", "#" + "9" * 20, "@nobody",
    "event_1", "event_2", "event_²", "event_" + "9" * 20, "faq", "organiser", "trainer",
    "admin", "K7MP", "Ā" * 300,
)  # fmt: skip
PREFIXES = (
    "am:", "ap:", "as:", "at:", "ci:", "ea:", "ec:", "ecc:", "ee:", "ef:", "el:", "eq:",
    "es:", "ev:", "ev:ics:", "evp:", "ex:", "faq:", "fg:", "lang:", "menu:", "mun:", "munp:",
    "my:", "noop", "nw:", "ob:", "pf:", "rc:", "rl:", "rm:", "ro:", "rs:", "rt:", "rv:",
    "rx:", "rxc:", "st:", "sva:", "svc:", "svg:", "svm:", "svn:", "svo:", "svs:", "svt:",
    "svx:", "tpl:", "us:", "reg:", "cr:",
)  # fmt: skip
TAILS = ("", ":0", ":1", ":2", ":csv", ":xlsx", ":yes", ":no", ":1:1", ":1:0", ":s", ":2:1:1")

unicode_text = st.text(max_size=60)
argument = st.one_of(st.sampled_from(ODD), unicode_text)
forged = st.one_of(
    st.builds(
        lambda prefix, number, tail: f"{prefix}{number}{tail}",
        st.sampled_from(PREFIXES),
        st.sampled_from(ODD[:12]),
        st.sampled_from(TAILS),
    ),
    st.text(max_size=64),
)
actor = st.sampled_from(ACTORS)
action = st.one_of(
    st.tuples(st.just("command"), actor, st.sampled_from(COMMANDS), argument, argument),
    st.tuples(
        st.just("text"),
        actor,
        st.one_of(unicode_text, st.text(min_size=1, max_size=4096)),
    ),
    st.tuples(st.just("press"), actor, st.integers(min_value=0, max_value=10_000)),
    st.tuples(st.just("press"), actor, st.integers(min_value=0, max_value=10_000)),
    st.tuples(st.just("forge"), actor, forged),
)
program = st.lists(action, min_size=MIN_ACTIONS, max_size=MAX_ACTIONS)


@dataclass
class Counts:
    sequences: int = 0
    updates: int = 0


COUNTS = Counts()


async def _build_template(path: Path) -> None:
    """People in every role and two events, made through the bot where it matters."""
    config = Settings(
        _env_file=None, database_url=f"sqlite+aiosqlite:///{path}", admin_ids={ADMIN_ID}
    )
    async with Sandbox(config, clock=Clock(START)) as sandbox:
        admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
        for telegram_id, name in ((OLGA, "Olga Organizatore"), (TOMS, "Toms Treneris")):
            await onboard(sandbox, telegram_id, name)
        await onboard(sandbox, RUTA, "Ruta Bijusī")
        for telegram_id, name in zip(PEOPLE, NAMES, strict=True):
            await onboard(sandbox, telegram_id, name)
        await admin.send(f"/grant {OLGA} organiser")
        await admin.send(f"/grant {TOMS} trainer")
        await admin.send(f"/grant {RUTA} trainer")
        await create_event(sandbox, OLGA, SESSIONS, capacity=2, trainers=[TOMS, RUTA])
        second, _ = await create_event(sandbox, OLGA, SESSIONS[:1], title="Supervīzija", capacity=1)
        await admin.send(f"/revoke {RUTA} trainer")
        await seed_people(sandbox, second, [("Dace Dārziņa", "cesis", None, "confirmed")])
        assert sandbox.errors == []


@pytest.fixture(scope="module")
def template() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="kopiena-fuzz-"))
    path = folder / "template.db"
    asyncio.run(_build_template(path))
    yield path
    shutil.rmtree(folder, ignore_errors=True)
    print(f"\nfuzzing ({PROFILE}): {COUNTS.sequences} sequences, {COUNTS.updates} updates")


# -- what may change -------------------------------------------------------------------------


async def snapshot(sandbox: Sandbox) -> dict[str, Any]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:

        async def rows(*columns: Any) -> list[tuple[Any, ...]]:
            return sorted(tuple(r) for r in await session.execute(select(*columns)))

        return {
            "roles": await rows(UserRole.user_id, UserRole.role),
            "audit": await session.scalar(select(func.count()).select_from(RoleAudit)),
            "events": await rows(
                Event.id,
                Event.title,
                Event.description,
                Event.place,
                Event.online_url,
                Event.capacity,
                Event.municipality_limit,
                Event.needs_approval,
                Event.status,
                Event.organiser_id,
                Event.registration_deadline,
            ),
            "trainers": await rows(EventTrainer.event_id, EventTrainer.user_id),
            "sessions": await rows(EventSession.id, EventSession.starts_at, EventSession.ends_at),
            "codes": await rows(EventSession.id, EventSession.checkin_code),
            "faq": await rows(
                FaqTranslation.entry_id, FaqTranslation.question, FaqTranslation.answer
            ),
            "faq_entries": await rows(FaqEntry.id, FaqEntry.category),
            "templates": await rows(SurveyTemplate.id, SurveyTemplate.name),
            "surveys": await rows(EventSurvey.id, EventSurvey.event_id, EventSurvey.anonymous),
            "announcements": await rows(Announcement.id, Announcement.status, Announcement.text),
            "attendance": await rows(Attendance.session_id, Attendance.user_id, Attendance.present),
        }


async def sender(sandbox: Sandbox, telegram_id: int) -> tuple[int | None, set[str], set[int]]:
    """The sender's user id, roles and the events they organise, before the update."""
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        user_id = await session.scalar(select(User.id).where(User.telegram_id == telegram_id))
        roles = set(await session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))
        owned = set(await session.scalars(select(Event.id).where(Event.organiser_id == user_id)))
    if telegram_id == ADMIN_ID:
        roles.add("admin")
    return user_id, roles, owned


OWNER_COLUMN = {"roles": 0, "trainers": 1, "attendance": 1}  # which column is the person


def not_theirs(key: str, before: Any, after: Any, user_id: int | None, owned: set[int]) -> bool:
    """Whether a change from `before` to `after` touches someone else's data, or gives
    the sender something (a role, a trainer's place) only others may give."""
    if key in OWNER_COLUMN:
        column = OWNER_COLUMN[key]
        others_before = {r for r in before if r[column] != user_id}
        others_after = {r for r in after if r[column] != user_id}
        if others_before != others_after:
            return True
        if key == "attendance":  # one's own check-in
            return False
        own_before = {r for r in before if r[column] == user_id}
        own_after = {r for r in after if r[column] == user_id}
        return not own_after <= own_before  # /forget may drop one's own, nothing is gained
    if key == "events":  # an organiser's own events (and ones they create)
        return {r for r in before if r[0] not in owned} - set(after) != set()
    return before != after


PROTECTED = {
    "participant": (
        "roles", "audit", "events", "trainers", "sessions", "codes", "faq", "faq_entries",
        "templates", "surveys", "announcements", "attendance",
    ),
    "trainer": ("roles", "audit", "events", "trainers", "faq", "faq_entries", "templates"),
    "organiser": ("roles", "audit", "events"),
}  # fmt: skip


def protected_for(roles: set[str]) -> tuple[str, ...]:
    if "admin" in roles:
        return ()
    if "organiser" in roles:
        return PROTECTED["organiser"]
    if "trainer" in roles:
        return PROTECTED["trainer"]
    return PROTECTED["participant"]


async def oversold(sandbox: Sandbox) -> list[tuple[int, int, int]]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        counts = (
            select(Registration.event_id, func.count().label("taken"))
            .where(Registration.status == "confirmed")
            .group_by(Registration.event_id)
            .subquery()
        )
        return [
            tuple(r)  # type: ignore[misc]
            for r in await session.execute(
                select(Event.id, Event.capacity, counts.c.taken)
                .join(counts, counts.c.event_id == Event.id)
                .where(counts.c.taken > Event.capacity)
            )
        ]


# -- acting ----------------------------------------------------------------------------------


def buttons(person: SandboxUser) -> list[tuple[dict[str, Any], str]]:
    found = []
    for message in person.messages():
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            found += [(message, b["callback_data"]) for b in row if "callback_data" in b]
    return found


def some_message(person: SandboxUser) -> dict[str, Any]:
    messages = person.messages()
    if messages:
        return messages[-1]
    return {"message_id": 1, "date": 0, "chat": {"id": person.id, "type": "private"}, "text": "…"}


async def act(sandbox: Sandbox, person: SandboxUser, step: tuple[Any, ...]) -> tuple[Any, bool]:
    """Do one step; return the replies and whether it was a button press."""
    kind = step[0]
    if kind == "command":
        _, _, command, first, second = step
        text = " ".join(part for part in (command, first, second) if part)
        return await person.send(text), False
    if kind == "text":
        return await person.send(step[2] or "."), False
    if kind == "press":
        shown = buttons(person)
        if shown:
            message, data = shown[step[2] % len(shown)]
            return await person.press_data(data, message), True
        return await person.press_data("noop", some_message(person)), True
    return await person.press_data(step[2], some_message(person)), True


async def run_program(template: Path, steps: list[tuple[Any, ...]]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="kopiena-fuzz-run-"))
    try:
        path = folder / "kopiena.db"
        shutil.copy(template, path)
        config = Settings(
            _env_file=None, database_url=f"sqlite+aiosqlite:///{path}", admin_ids={ADMIN_ID}
        )
        async with Sandbox(config, clock=Clock(START)) as sandbox:
            people = {
                telegram_id: sandbox.user(telegram_id, f"P{telegram_id}", language_code=language)
                for telegram_id, language in zip(ACTORS, LANGUAGES, strict=True)
            }
            for step in steps:
                person = people[step[1]]
                user_id, roles, owned = await sender(sandbox, person.id)
                before = await snapshot(sandbox)
                replies, pressed = await act(sandbox, person, step)
                COUNTS.updates += 1
                after = await snapshot(sandbox)
                assert sandbox.errors == [], (step, sandbox.errors)
                assert replies, f"no answer to {step!r}"
                if pressed:
                    assert any(r.method == "answerCallbackQuery" for r in replies), step
                assert await oversold(sandbox) == [], step
                for key in protected_for(roles):
                    assert not not_theirs(key, before[key], after[key], user_id, owned), (
                        f"{step!r} by someone with roles {sorted(roles)} changed {key}"
                    )
            COUNTS.sequences += 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(settings.get_profile(PROFILE))
@given(steps=program)
def test_random_updates_never_break_the_rules(template: Path, steps: list[tuple[Any, ...]]) -> None:
    asyncio.run(run_program(template, steps))

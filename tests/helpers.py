"""Story-level helpers: act as a person going through the bot."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.i18n import Translator
from bot.sandbox import Sandbox, SandboxUser
from bot.services.event_builder import EventDraft, SessionDraft, create_event
from bot.services.users import Person, Profile, identify
from storage.models import User

ADMIN_ID = 9001
LANGUAGE_BUTTONS = {"lv": "Latviešu", "en": "English", "ru": "Русский"}


async def onboard(
    sandbox: Sandbox,
    telegram_id: int,
    name: str = "Anna Bērziņa",
    *,
    language: str = "en",
    municipality: str = "cesis",
    workplace: str | None = "Cēsu novada Sociālais dienests",
    username: str | None = None,
) -> SandboxUser:
    """A new user who goes through onboarding with buttons and short answers."""
    user = sandbox.user(telegram_id, name.split()[0], username=username, language_code=language)
    await user.send("/start")
    await user.press(LANGUAGE_BUTTONS[language])
    await user.press("✅")
    replies = await user.send(name)
    offered = [b.get("callback_data", "") for row in replies.last.buttons for b in row]
    assert any(data.startswith("mun") for data in offered), f"{name!r} refused: {replies.texts}"
    replies = await user.send(municipality)
    offered = [b.get("callback_data", "") for row in replies.last.buttons for b in row]
    if any(data.startswith("mun:") for data in offered):
        await user.press_at(0, 0)  # the best match; an exact name needs no tap
    if workplace is None:
        await user.press_where("ob:skip")
    else:
        await user.send(workplace)
    return user


async def stored_user(sandbox: Sandbox, telegram_id: int) -> User | None:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def user_rows(sandbox: Sandbox) -> list[User]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        return list(await session.scalars(select(User).order_by(User.id)))


# Expected dates are built with the bot's own formatter, so a CLDR update in Babel
# changes both sides; tests/test_i18n.py pins the Latvian forms users read.
EN = Translator("en", ZoneInfo("Europe/Riga"))


class Clock:
    """An injectable clock that starts now and moves only when told."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def person(sandbox: Sandbox, telegram_id: int) -> Person:
    assert sandbox.runtime is not None
    settings = sandbox.settings
    return await identify(
        sandbox.runtime.db, Profile(telegram_id), settings.default_language, settings.admin_ids
    )


async def make_organiser(sandbox: Sandbox, telegram_id: int, name: str) -> SandboxUser:
    """An onboarded user whom the admin made an organiser."""
    admin = sandbox.user(ADMIN_ID, "Admin", language_code="en")
    if (
        await stored_user(sandbox, ADMIN_ID) is None
        or not (await stored_user(sandbox, ADMIN_ID)).onboarded_at
    ):  # type: ignore[union-attr]
        admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    organiser = await onboard(sandbox, telegram_id, name)
    await admin.send(f"/grant {telegram_id} organiser")
    return organiser


async def make_event(
    sandbox: Sandbox,
    organiser_id: int,
    *,
    title: str = "Sociālais darbs ģimenēm ar bērniem",
    capacity: int = 20,
    days: int = 3,
    first: datetime | None = None,
    hours: float = 7,
    publish: bool = True,
    **fields: Any,
) -> int:
    """An event created through the service, with `days` daily sessions."""
    assert sandbox.runtime is not None
    start = first or (sandbox.runtime.clock() + timedelta(days=30)).replace(
        hour=7, minute=0, second=0, microsecond=0
    )
    sessions = [
        SessionDraft(start + timedelta(days=d), start + timedelta(days=d, hours=hours))
        for d in range(days)
    ]
    draft = EventDraft(title=title, capacity=capacity, sessions=sessions, place="Strazde", **fields)
    organiser = await person(sandbox, organiser_id)
    return await create_event(
        sandbox.runtime.db, organiser, draft, sandbox.runtime.clock(), publish=publish
    )


async def members(sandbox: Sandbox, first_id: int, count: int) -> list[SandboxUser]:
    """`count` people who finished onboarding long ago (written straight to the database,
    for tests about many people at once)."""
    assert sandbox.runtime is not None
    now = sandbox.runtime.clock()
    municipalities = ["cesu-novads", "talsu-novads", "riga", "valmieras-novads"]
    async with sandbox.runtime.db.begin() as session:
        for i in range(count):
            session.add(
                User(
                    telegram_id=first_id + i,
                    language="en",
                    telegram_language="en",
                    full_name=f"Dalībnieks {i + 1}",
                    municipality=municipalities[i % len(municipalities)],
                    consented_at=now,
                    onboarded_at=now,
                )
            )
    return [
        sandbox.user(first_id + i, f"Dalībnieks{i + 1}", language_code="en") for i in range(count)
    ]


async def wait_for(condition: Callable[[], bool], limit: float = 90.0) -> None:
    """Poll `condition` until it holds; fail after `limit` seconds (a hang, not a timing)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


async def start_bot(tmp_path: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    """`kopiena run` as its own process in `tmp_path`; its log on stderr."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )

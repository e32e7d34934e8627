"""Story-level helpers: act as a person going through the bot."""

from __future__ import annotations

from sqlalchemy import select

from bot.sandbox import Sandbox, SandboxUser
from storage.models import User

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
    await user.send(name)
    await user.send(municipality)
    await user.press_at(0, 0)  # the best match
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

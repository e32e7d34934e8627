"""Who is talking to the bot, and in which language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Language
from bot.i18n import pick_language
from storage import users as user_store


@dataclass(frozen=True)
class Profile:
    """What the chat platform tells us about a person on each update."""

    telegram_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Person:
    id: int
    telegram_id: int
    first_name: str
    language: Language


async def identify(
    db: async_sessionmaker[AsyncSession], profile: Profile, default_language: Language
) -> Person:
    """Find or create the user behind an update; write only when Telegram's data changed."""
    async with db.begin() as session:
        user = await user_store.get_by_telegram_id(session, profile.telegram_id)
        if user is None or (
            user.first_name,
            user.last_name,
            user.username,
            user.telegram_language,
        ) != (profile.first_name, profile.last_name, profile.username, profile.language_code):
            user = await user_store.upsert_profile(
                session,
                telegram_id=profile.telegram_id,
                first_name=profile.first_name,
                last_name=profile.last_name,
                username=profile.username,
                telegram_language=profile.language_code,
            )
        return Person(
            id=user.id,
            telegram_id=user.telegram_id,
            first_name=user.first_name,
            language=pick_language(user.language, user.telegram_language, default_language),
        )

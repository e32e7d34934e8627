"""Queries on users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import User, utcnow


async def get_by_telegram_id(session: AsyncSession, telegram_id: int) -> User | None:
    return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def upsert_profile(
    session: AsyncSession,
    *,
    telegram_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    telegram_language: str | None,
) -> User:
    """Insert the user or refresh what Telegram tells us; safe to run twice."""
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    profile = {
        "first_name": first_name,
        "last_name": last_name,
        "username": username,
        "telegram_language": telegram_language,
        "updated_at": now,
    }
    statement = (
        insert(User)
        .values(telegram_id=telegram_id, created_at=now, **profile)
        .on_conflict_do_update(index_elements=[User.telegram_id], set_=profile)
        .returning(User)
    )
    user = await session.scalar(statement, execution_options={"populate_existing": True})
    assert user is not None
    return user

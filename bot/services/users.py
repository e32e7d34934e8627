"""Who is talking to the bot: identity, language and roles."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Language
from bot.i18n import pick_language
from bot.services.ids import parse_id
from storage.batching import GroupCommit, GroupRead
from storage.db import derived, insert
from storage.models import Dialog, User, UserRole

log = logging.getLogger(__name__)


class Role(StrEnum):
    TRAINER = "trainer"
    ORGANISER = "organiser"
    ADMIN = "admin"


# Each role includes the powers of the roles after it.
ROLE_POWERS: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset(Role),
    Role.ORGANISER: frozenset({Role.ORGANISER, Role.TRAINER}),
    Role.TRAINER: frozenset({Role.TRAINER}),
}


@dataclass(frozen=True)
class Profile:
    """What the chat platform tells us about a person on each update."""

    telegram_id: int
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class DialogState:
    name: str
    step: str
    updated_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Person:
    id: int
    telegram_id: int
    language: Language
    language_chosen: bool
    full_name: str | None
    municipality: str | None
    workplace: str | None
    username: str | None
    onboarded: bool
    roles: frozenset[Role]
    dialog: DialogState | None

    def can(self, role: Role) -> bool:
        return any(role in ROLE_POWERS[held] for held in self.roles)

    @property
    def display_name(self) -> str:
        return self.full_name or (f"@{self.username}" if self.username else f"#{self.id}")


async def load_person(
    session: AsyncSession, user: User, default_language: Language, admin_ids: frozenset[int]
) -> Person:
    roles = set(await session.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))
    dialog = await session.get(Dialog, user.id)
    return _person(user, dialog, roles, default_language, admin_ids)


@functools.cache
def _people_query(dialect: str) -> Any:
    """Users by Telegram id with their dialog and roles (one comma-separated value), so
    one query loads a person. Built once per dialect: every update runs it."""
    joined = (
        func.string_agg(UserRole.role, ",")
        if dialect == "postgresql"
        else func.group_concat(UserRole.role, ",")
    )
    roles = select(joined).where(UserRole.user_id == User.id).correlate(User).scalar_subquery()
    return (
        select(User, Dialog, roles)
        .outerjoin(Dialog, Dialog.user_id == User.id)
        .where(User.telegram_id.in_(bindparam("ids", expanding=True)))
    )


_Found = tuple[User, Dialog | None, set[str]]


async def _load_by_telegram_ids(
    session: AsyncSession, telegram_ids: Sequence[int]
) -> list[_Found | None]:
    query = _people_query(session.bind.dialect.name)
    rows = await session.execute(query, {"ids": list(set(telegram_ids))})
    found = {
        user.telegram_id: (user, dialog, set(roles.split(",")) if roles else set())
        for user, dialog, roles in rows
    }
    return [found.get(telegram_id) for telegram_id in telegram_ids]


async def _lookup(db: async_sessionmaker[AsyncSession], telegram_id: int) -> _Found | None:
    """Updates that arrive together look their senders up in one query."""
    lookup = derived(db, "users.lookup", lambda: GroupRead(_load_by_telegram_ids))
    return await lookup.submit(db, telegram_id)


def _person(
    user: User,
    dialog: Dialog | None,
    roles: set[str],
    default_language: Language,
    admin_ids: frozenset[int],
) -> Person:
    held = {Role(role) for role in roles if role in Role.__members__.values()}
    if user.telegram_id in admin_ids:
        held.add(Role.ADMIN)
    return Person(
        id=user.id,
        telegram_id=user.telegram_id or 0,
        language=pick_language(user.language, user.telegram_language, default_language),
        language_chosen=user.language is not None,
        full_name=user.full_name,
        municipality=user.municipality,
        workplace=user.workplace,
        username=user.username,
        onboarded=user.onboarded_at is not None,
        roles=frozenset(held),
        dialog=(
            DialogState(dialog.name, dialog.step, dialog.updated_at, dict(dialog.data or {}))
            if dialog
            else None
        ),
    )


def _today() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _stale(user: User, profile: Profile) -> bool:
    """Whether Telegram told us something newer than what is stored."""
    return user.telegram_language != profile.language_code or (
        user.consented_at is not None and user.username != profile.username
    )


async def _mark_seen(session: AsyncSession, user_ids: list[int]) -> list[None]:
    await session.execute(
        update(User).where(User.id.in_(set(user_ids))).values(last_seen_on=_today())
    )
    return [None] * len(user_ids)


# The day someone was last seen (RETENTION_MONTHS), written at most once a day per person;
# people seen together are marked in one transaction.
def _note_seen(db: async_sessionmaker[AsyncSession], user: User) -> None:
    """Written in the background: the update does not wait for it. Lost in a crash, it is
    written again at the person's next update."""
    if user.last_seen_on is not None and user.last_seen_on >= _today():
        return
    marker = derived(db, "users.seen", lambda: GroupCommit(_mark_seen))
    noting: set[asyncio.Task[None]] = derived(db, "users.noting", set)
    task = asyncio.create_task(_quietly(marker.submit(db, user.id)))
    noting.add(task)  # held until done: the loop keeps only a weak reference
    task.add_done_callback(noting.discard)


async def _quietly(marking: Awaitable[None]) -> None:
    try:
        await marking
    except asyncio.CancelledError:
        raise
    except Exception:
        log.warning("Could not note when a person was last seen", exc_info=True)


async def identify(
    db: async_sessionmaker[AsyncSession],
    profile: Profile,
    default_language: Language,
    admin_ids: frozenset[int],
) -> Person:
    """Find or create the user behind an update.

    Before consent only the Telegram id and language are kept; the username (needed to
    find people by @name) is refreshed once the user has agreed.
    """
    found = await _lookup(db, profile.telegram_id)  # most updates come from people we know
    if found is not None and not _stale(found[0], profile):
        _note_seen(db, found[0])
        return _person(*found, default_language, admin_ids)
    async with db.begin() as session:
        user = await session.scalar(select(User).where(User.telegram_id == profile.telegram_id))
        if user is None:
            await session.execute(
                insert(session)(User)
                .values(telegram_id=profile.telegram_id, telegram_language=profile.language_code)
                .on_conflict_do_nothing(index_elements=[User.telegram_id])
            )
            user = await session.scalar(select(User).where(User.telegram_id == profile.telegram_id))
            assert user is not None
        if user.telegram_language != profile.language_code:
            user.telegram_language = profile.language_code
        if user.consented_at is not None and user.username != profile.username:
            user.username = profile.username
        if user.last_seen_on is None or user.last_seen_on < _today():
            user.last_seen_on = _today()
        return await load_person(session, user, default_language, admin_ids)


async def find_user(session: AsyncSession, reference: str) -> User | None:
    """A known, not forgotten user by Telegram id, internal '#id' or @username."""
    reference = reference.strip()
    if reference.startswith("@") and len(reference) > 1:
        return await session.scalar(
            select(User).where(User.username.ilike(reference[1:]), User.forgotten_at.is_(None))
        )
    if reference.startswith("#"):
        internal = parse_id(reference[1:])
        user = await session.get(User, internal) if internal is not None else None
        return user if user is not None and user.forgotten_at is None else None
    telegram_id = parse_id(reference)
    if telegram_id is not None:
        return await session.scalar(select(User).where(User.telegram_id == telegram_id))
    return None

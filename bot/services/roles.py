"""Staff roles: who may grant them, and the audit trail of every change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.i18n import N_, latvian_sort_key
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.municipalities import fold
from bot.services.users import Person, Role, find_user
from storage.models import RoleAudit, User, UserRole

PAGE_SIZE = 8


def require(person: Person, role: Role) -> None:
    """The one check every staff action makes before it does anything."""
    if not person.can(role):
        raise NotAllowed()


# Role names people type, in each interface language, without diacritics.
ROLE_ALIASES = {
    "organizer": "organiser",
    "organizators": "organiser",
    "организатор": "organiser",
    "pasniedzejs": "trainer",
    "преподаватель": "trainer",
    "administrators": "admin",
    "администратор": "admin",
}


def parse_role(text: str) -> Role:
    value = ROLE_ALIASES.get(fold(text.strip()), fold(text.strip()))
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(
            N_("Unknown role “{role}”. Roles: trainer, organiser, admin."), role=text[:30]
        ) from None


@dataclass(frozen=True)
class Member:
    id: int
    telegram_id: int | None
    name: str
    username: str | None
    roles: tuple[str, ...]

    @property
    def label(self) -> str:
        handle = f" @{self.username}" if self.username else ""
        return f"{self.name}{handle}"


@dataclass(frozen=True)
class RoleChange:
    member: Member
    role: Role
    changed: bool  # False when the user already had (or already lacked) the role


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    target: str
    action: str
    role: str


async def _member(session: AsyncSession, user: User, admin_ids: frozenset[int]) -> Member:
    roles = set(await session.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))
    if user.telegram_id in admin_ids:
        roles.add(Role.ADMIN.value)
    return Member(
        id=user.id,
        telegram_id=user.telegram_id,
        name=user.full_name or "—",
        username=user.username,
        roles=tuple(sorted(roles)),
    )


async def _target(session: AsyncSession, reference: str | int) -> User:
    if isinstance(reference, int):
        user = await session.get(User, reference)
        user = user if user is not None and user.forgotten_at is None else None
    else:
        user = await find_user(session, reference)
    if user is None or user.onboarded_at is None:
        raise NotFound(
            N_("I don't know anyone as “{who}”. They need to open the bot and finish /start."),
            who=str(reference)[:64],
        )
    return user


async def grant(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    reference: str | int,
    role: Role,
    admin_ids: frozenset[int],
) -> RoleChange:
    require(actor, Role.ADMIN)
    async with db.begin() as session:
        user = await _target(session, reference)
        exists = await session.get(UserRole, (user.id, role.value))
        if exists is None:
            session.add(UserRole(user_id=user.id, role=role.value))
            session.add(RoleAudit(actor_id=actor.id, target_id=user.id, action="grant", role=role))
            await session.flush()
        return RoleChange(await _member(session, user, admin_ids), role, exists is None)


async def revoke(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    reference: str | int,
    role: Role,
    admin_ids: frozenset[int],
) -> RoleChange:
    require(actor, Role.ADMIN)
    async with db.begin() as session:
        user = await _target(session, reference)
        if role is Role.ADMIN and user.telegram_id in admin_ids:
            raise InvalidInput(
                N_("{who} is an admin through the ADMIN_IDS setting; change it there."),
                who=user.full_name or "—",
            )
        result = await session.execute(
            delete(UserRole).where(UserRole.user_id == user.id, UserRole.role == role.value)
        )
        changed = bool(result.rowcount)
        if changed:
            session.add(RoleAudit(actor_id=actor.id, target_id=user.id, action="revoke", role=role))
            await session.flush()
        return RoleChange(await _member(session, user, admin_ids), role, changed)


async def members(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    admin_ids: frozenset[int],
    role: Role | None = None,
    *,
    holders: bool = True,
    page: int = 0,
) -> tuple[list[Member], int]:
    """Onboarded users, optionally only those with (or without) a role; one page of them."""
    require(actor, Role.ADMIN)
    async with db() as session:
        query = select(User).where(User.onboarded_at.is_not(None), User.forgotten_at.is_(None))
        if role is not None:
            with_role = select(UserRole.user_id).where(UserRole.role == role.value)
            if role is Role.ADMIN:
                is_holder = User.id.in_(with_role) | User.telegram_id.in_(admin_ids)
            else:
                is_holder = User.id.in_(with_role)
            query = query.where(is_holder if holders else ~is_holder)
        # Latvian alphabetical order needs a collation SQL does not have everywhere:
        # sort the (id, name) pairs here and load only the page's users.
        pairs = (await session.execute(query.with_only_columns(User.id, User.full_name))).all()
        pairs.sort(key=lambda pair: (latvian_sort_key(pair[1] or ""), pair[0]))
        total = len(pairs)
        ids = [user_id for user_id, _ in pairs[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]]
        loaded = await session.scalars(select(User).where(User.id.in_(ids)))
        by_id = {user.id: user for user in loaded}
        found = [await _member(session, by_id[user_id], admin_ids) for user_id in ids]
    return found, max(1, -(-total // PAGE_SIZE))


async def audit_log(
    db: async_sessionmaker[AsyncSession], actor: Person, limit: int = 20
) -> list[AuditEntry]:
    require(actor, Role.ADMIN)
    actor_user, target_user = aliased(User), aliased(User)
    async with db() as session:
        rows = await session.execute(
            select(RoleAudit, actor_user.full_name, target_user.full_name)
            .outerjoin(actor_user, RoleAudit.actor_id == actor_user.id)
            .outerjoin(target_user, RoleAudit.target_id == target_user.id)
            .order_by(RoleAudit.at.desc(), RoleAudit.id.desc())
            .limit(limit)
        )
        return [
            AuditEntry(entry.at, actor or "—", target or "—", entry.action, entry.role)
            for entry, actor, target in rows
        ]

"""What an event's organiser does besides creating it: requests, cancelling."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.errors import Stale
from bot.services.events import (
    ACTIVE,
    EventStatus,
    EventView,
    RegStatus,
    lock_seats,
    require_manage,
    view,
)
from bot.services.registration import Recipient
from bot.services.users import Person, Role
from storage.models import Event, Registration, User, UserRole


@dataclass(frozen=True)
class Request:
    registration_id: int
    name: str
    municipality: str | None
    workplace: str | None


async def overview(db: async_sessionmaker[AsyncSession], actor: Person, event_id: int) -> EventView:
    async with db() as session:
        event = await view(session, event_id)
    from bot.services.events import require_staff

    require_staff(actor, event)
    return event


async def pending_requests(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int
) -> tuple[EventView, list[Request]]:
    async with db() as session:
        event = await view(session, event_id)
        require_manage(actor, event)
        rows = await session.execute(
            select(Registration.id, User.full_name, User.municipality, User.workplace)
            .join(User, User.id == Registration.user_id)
            .where(
                Registration.event_id == event_id,
                Registration.status == RegStatus.PENDING.value,
            )
            .order_by(Registration.seq)
        )
        return event, [Request(r[0], r[1] or "—", r[2], r[3]) for r in rows]


async def request_of(
    db: async_sessionmaker[AsyncSession], actor: Person, registration_id: int
) -> tuple[EventView, Request]:
    """A request still waiting for a decision, for someone who may decide it."""
    async with db() as session:
        row = await session.execute(
            select(Registration, User.full_name, User.municipality, User.workplace)
            .join(User, User.id == Registration.user_id)
            .where(Registration.id == registration_id)
        )
        found = row.first()
        if found is None:
            raise Stale()
        registration, name, municipality, workplace = found
        event = await view(session, registration.event_id)
        require_manage(actor, event)
        if registration.status != RegStatus.PENDING.value:
            raise Stale()
        return event, Request(registration.id, name or "—", municipality, workplace)


async def deciders(
    db: async_sessionmaker[AsyncSession], event: EventView, admin_ids: frozenset[int]
) -> list[Recipient]:
    """Who decides on requests: the event's organiser, or the admins when it has none
    (events imported from a file may have no organiser)."""
    async with db() as session:
        if event.organiser_id is not None:
            query = select(User).where(User.id == event.organiser_id)
        else:
            admins = select(UserRole.user_id).where(UserRole.role == Role.ADMIN)
            query = select(User).where(
                User.onboarded_at.is_not(None),
                User.id.in_(admins) | User.telegram_id.in_(admin_ids),
            )
        users = await session.scalars(query)
        return [
            Recipient(u.telegram_id, u.language or u.telegram_language, u.full_name) for u in users
        ]


async def cancel_event(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int
) -> tuple[EventView, list[Recipient]]:
    """Cancel the event; everyone registered (or waiting, or asking) is to be told."""
    async with db.begin() as session:
        await lock_seats(session, event_id)
        event = await view(session, event_id)
        require_manage(actor, event)
        if event.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
            raise Stale()
        row = await session.get(Event, event_id)
        assert row is not None
        row.status = EventStatus.CANCELLED.value
        people = await session.execute(
            select(User.telegram_id, User.language, User.telegram_language, User.full_name)
            .join(Registration, Registration.user_id == User.id)
            .where(
                Registration.event_id == event_id,
                Registration.status.in_([s.value for s in ACTIVE]),
            )
        )
        recipients = [Recipient(p[0], p[1] or p[2], p[3]) for p in people]
        await session.flush()
        return await view(session, event_id), recipients

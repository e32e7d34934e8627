"""Helpers for the attendance and report tests: a clock the test moves, events made
directly in the database (the creation wizard is another part of the work), people who
register through the bot, and a quick way to read what the bot did."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.sandbox import Replies, Sandbox, SandboxUser
from storage.models import Event, EventTrainer, Registration, User, utcnow
from storage.models import Session as EventSession
from tests.conftest import ADMIN_ID
from tests.helpers import onboard, stored_user

# A Monday in winter (Riga is UTC+2): 10:00 UTC is 12:00 in Riga.
START = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)
NOT_ALLOWED = "Sorry, you are not allowed to do that."


def db(sandbox: Sandbox):  # type: ignore[no-untyped-def]
    assert sandbox.runtime is not None
    return sandbox.runtime.db


async def user_id(sandbox: Sandbox, telegram_id: int) -> int:
    user = await stored_user(sandbox, telegram_id)
    assert user is not None
    return user.id


async def organiser(sandbox: Sandbox, telegram_id: int = 501, name: str = "Olga Organizatore"):  # type: ignore[no-untyped-def]
    """An onboarded organiser (the admin grants the role through the bot)."""
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    person = await onboard(sandbox, telegram_id, name)
    replies = await admin.send(f"/grant {telegram_id} organiser")
    assert "is now organiser" in replies.last.text
    return person


async def create_event(
    sandbox: Sandbox,
    organiser_telegram_id: int,
    sessions: Sequence[tuple[datetime, datetime]],
    *,
    title: str = "Ģimenes asistentu kurss",
    capacity: int = 30,
    trainers: Sequence[int] = (),
) -> tuple[int, list[int]]:
    """A published event with these sessions; its id and its session ids in time order."""
    owner = await user_id(sandbox, organiser_telegram_id)
    async with db(sandbox).begin() as session:
        event = Event(
            title=title,
            description="Praktiskas nodarbības sociālajiem darbiniekiem.",
            place="Rīga, Zaķusalas krastmala 1",
            organiser_id=owner,
            capacity=capacity,
            status="published",
        )
        session.add(event)
        await session.flush()
        rows = [EventSession(event_id=event.id, starts_at=s, ends_at=e) for s, e in sessions]
        session.add_all(rows)
        for telegram_id in trainers:
            trainer = await session.scalar(select(User.id).where(User.telegram_id == telegram_id))
            assert trainer is not None
            session.add(EventTrainer(event_id=event.id, user_id=trainer))
        await session.flush()
        return event.id, [row.id for row in rows]


def daily_sessions(
    count: int, first: datetime, hours: float = 4
) -> list[tuple[datetime, datetime]]:
    return [
        (first + timedelta(days=i), first + timedelta(days=i, hours=hours)) for i in range(count)
    ]


async def register(user: SandboxUser, event_id: int) -> Replies:
    """Open the event by its deep link and register with the card's buttons (joining the
    waiting list when the event is full)."""
    await user.send(f"/start event_{event_id}")
    labels = (await user.press("📝 Register")).last.button_labels
    return await user.press("✅ Yes, register" if "✅ Yes, register" in labels else "⏳ Join")


async def seed_people(
    sandbox: Sandbox,
    event_id: int,
    people: Sequence[tuple[str, str | None, str | None, str]],
    *,
    first_telegram_id: int = 700_000,
) -> list[int]:
    """Onboarded users registered straight in the database, for lists too long to build
    through the chat. people: (name, municipality, workplace, status)."""
    now = utcnow()
    ids = []
    async with db(sandbox).begin() as session:
        for number, (name, municipality, workplace, status) in enumerate(people):
            user = User(
                telegram_id=first_telegram_id + number,
                language="en",
                full_name=name,
                municipality=municipality,
                workplace=workplace,
                consented_at=now,
                onboarded_at=now,
            )
            session.add(user)
            await session.flush()
            session.add(
                Registration(
                    event_id=event_id,
                    user_id=user.id,
                    status=status,
                    seq=number + 1,
                    municipality=municipality,
                )
            )
            ids.append(user.id)
    return ids


def sent(replies: Replies) -> list[str]:
    """Every Bot API call that shows the user something new (not a button answer)."""
    return [r.method for r in replies if r.method != "answerCallbackQuery"]

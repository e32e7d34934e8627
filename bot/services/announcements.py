"""Announcements: a message from an event's staff to part of its registrants.

Writing one is a dialog kept in the database (event, text, audience, time, confirm);
confirming turns the dialog into an Announcement row in the same transaction, so a
double press schedules it once. At its time the dispatcher's hook (`go_out`) turns it
into one Delivery per recipient (the audience as it is at that moment) with the key
`announcement:{id}:{user}`; when none of them is still waiting, the announcement is
sent and its sender gets a delivery report (another Delivery, key
`announcement-report:{id}`). Until it goes out, the staff can edit or cancel it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_, latvian_sort_key
from bot.outbox import enqueue, enqueue_many
from bot.runtime import Runtime
from bot.services.errors import InvalidInput, NotAllowed, Stale
from bot.services.events import (
    ACTIVE,
    EventStatus,
    EventView,
    RegStatus,
    can_staff,
    load_views,
    require_staff,
    view,
)
from bot.services.users import Person, Role, load_person
from storage.models import (
    Announcement,
    AnnouncementStatus,
    Attendance,
    Delivery,
    DeliveryStatus,
    Dialog,
    Event,
    Registration,
    User,
)
from storage.models import Session as EventSession

KIND = "announcement"
REPORT = "announcement-report"
DIALOG = "announce"
MAX_TEXT = 4096  # Telegram's limit for a message, in visible characters
TOMORROW_AT = time(9, 0)


class Audience(StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    REGISTERED = "registered"  # confirmed, waiting list and waiting for approval
    SESSION = "session"  # present at one session


class When(StrEnum):
    NOW = "now"
    HOUR = "1h"
    TOMORROW = "t9"


def moment(choice: When, now: datetime, timezone: ZoneInfo) -> datetime:
    """Now, in one hour, or tomorrow at 9:00 local time (as UTC)."""
    if choice == When.NOW:
        return now
    if choice == When.HOUR:
        return now + timedelta(hours=1)
    tomorrow = now.astimezone(timezone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, TOMORROW_AT, tzinfo=timezone).astimezone(now.tzinfo)


def check_text(html: str, visible_length: int) -> str:
    if not html.strip() or visible_length == 0:
        raise InvalidInput(N_("Please send the announcement as text."))
    if visible_length > MAX_TEXT:
        raise InvalidInput(
            N_(
                "That is {length} characters; Telegram allows at most {limit}. "
                "Please shorten it and send it again."
            ),
            length=visible_length,
            limit=MAX_TEXT,
        )
    return html


def check_time(due: datetime, now: datetime) -> datetime:
    if due < now - timedelta(minutes=1):
        raise InvalidInput(N_("That time is in the past. Please send a future date."))
    if due > now + timedelta(days=366):
        raise InvalidInput(N_("That is more than a year ahead. Please send an earlier date."))
    return max(due, now)


# -- the audience -------------------------------------------------------------------------


def _audience_query(event_id: int, audience: Audience, session_id: int | None) -> Any:
    if audience == Audience.SESSION:
        return (
            select(Attendance.user_id)
            .join(EventSession, EventSession.id == Attendance.session_id)
            .where(
                Attendance.session_id == session_id,
                EventSession.event_id == event_id,
                Attendance.present.is_(True),
            )
        )
    statuses = {
        Audience.CONFIRMED: [RegStatus.CONFIRMED.value],
        Audience.WAITING: [RegStatus.WAITING.value],
        Audience.REGISTERED: [s.value for s in ACTIVE],
    }[audience]
    return select(Registration.user_id).where(
        Registration.event_id == event_id, Registration.status.in_(statuses)
    )


async def recipients(
    session: AsyncSession, event_id: int, audience: Audience, session_id: int | None
) -> list[int]:
    ids = _audience_query(event_id, audience, session_id).subquery()
    found = await session.scalars(
        select(User.id)
        .where(User.id.in_(select(ids.c.user_id)), User.telegram_id.is_not(None))
        .order_by(User.id)
    )
    return list(found)


@dataclass(frozen=True)
class Choices:
    """The audiences an announcement for this event can have, with their sizes."""

    event: EventView
    counts: dict[Audience, int]
    sessions: list[tuple[int, datetime, int]]  # session id, start, people present


async def choices(db: async_sessionmaker[AsyncSession], actor: Person, event_id: int) -> Choices:
    async with db() as session:
        event = await view(session, event_id)
        require_staff(actor, event)
        counts = {
            audience: len(await recipients(session, event_id, audience, None))
            for audience in (Audience.CONFIRMED, Audience.WAITING, Audience.REGISTERED)
        }
        present = dict(
            (
                await session.execute(
                    select(Attendance.session_id, func.count())
                    .join(EventSession, EventSession.id == Attendance.session_id)
                    .where(EventSession.event_id == event_id, Attendance.present.is_(True))
                    .group_by(Attendance.session_id)
                )
            ).all()
        )
    sessions = [(s.id, s.starts_at, present[s.id]) for s in event.sessions if s.id in present]
    return Choices(event, counts, sessions)


# -- writing one: the dialog ------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    event: EventView
    text: str | None
    audience: Audience | None
    session_id: int | None
    due_at: datetime | None
    count: int | None  # recipients if it went out now
    announcement_id: int | None  # editing an existing one


async def staffed_events(
    db: async_sessionmaker[AsyncSession], actor: Person, now: datetime
) -> list[EventView]:
    """Events this person may announce to: theirs, not cancelled, not long past."""
    if not actor.can(Role.TRAINER):
        raise NotAllowed()
    last_end = (
        select(EventSession.event_id, func.max(EventSession.ends_at).label("ends"))
        .group_by(EventSession.event_id)
        .subquery()
    )
    async with db() as session:
        events = list(
            await session.scalars(
                select(Event)
                .join(last_end, last_end.c.event_id == Event.id)
                .where(
                    Event.status == EventStatus.PUBLISHED.value,
                    last_end.c.ends > now - timedelta(days=30),
                )
                .order_by(last_end.c.ends, Event.id)
            )
        )
        views = await load_views(session, events)
    return [event for event in views if can_staff(actor, event)]


async def _dialog(session: AsyncSession, person: Person, step: str | None = None) -> Dialog:
    dialog = await session.get(Dialog, person.id)
    if dialog is None or dialog.name != DIALOG or (step is not None and dialog.step != step):
        raise Stale()
    return dialog


async def _save(
    db_session: AsyncSession, dialog: Dialog, step: str, now: datetime, **changes: Any
) -> None:
    # A statement, not attribute changes: the ORM would put utcnow() in updated_at when the
    # value did not change, and a dialog's age is measured on the bot's clock.
    await db_session.execute(
        update(Dialog)
        .where(Dialog.user_id == dialog.user_id)
        .values(step=step, data={**(dialog.data or {}), **changes}, updated_at=now)
    )


async def begin(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int, now: datetime
) -> EventView:
    """Start writing an announcement for this event: the next message is its text."""
    async with db.begin() as session:
        event = await view(session, event_id)
        require_staff(actor, event)
        if event.status != EventStatus.PUBLISHED:
            raise InvalidInput(N_("This event is not published, so nobody is registered."))
        await session.execute(delete(Dialog).where(Dialog.user_id == actor.id))
        session.add(
            Dialog(
                user_id=actor.id, name=DIALOG, step="text", data={"event": event_id}, updated_at=now
            )
        )
        return event


async def draft(db: async_sessionmaker[AsyncSession], actor: Person) -> Draft:
    """The dialog as it stands (for the preview and the next question)."""
    async with db() as session:
        dialog = await _dialog(session, actor)
        data = dialog.data or {}
        event = await view(session, int(data["event"]))
        require_staff(actor, event)
        audience = Audience(data["audience"]) if data.get("audience") else None
        count = (
            len(await recipients(session, event.id, audience, data.get("session")))
            if audience
            else None
        )
    due = datetime.fromisoformat(data["due"]) if data.get("due") else None
    return Draft(
        event, data.get("text"), audience, data.get("session"), due, count, data.get("edit")
    )


async def set_text(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    html: str,
    visible_length: int,
    now: datetime,
) -> str:
    """The text; returns the next step ("audience", or "confirm" when only editing)."""
    text = check_text(html, visible_length)
    async with db.begin() as session:
        dialog = await _dialog(session, actor, "text")
        following = "confirm" if (dialog.data or {}).get("audience") else "audience"
        await _save(session, dialog, following, now, text=text)
        return following


async def set_audience(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    audience: Audience,
    now: datetime,
    session_id: int | None = None,
) -> None:
    async with db.begin() as session:
        dialog = await _dialog(session, actor, "audience")
        event_id = int((dialog.data or {})["event"])
        if audience == Audience.SESSION:
            found = await session.get(EventSession, session_id or 0)
            if found is None or found.event_id != event_id:
                raise Stale()
        else:
            session_id = None
        await _save(session, dialog, "when", now, audience=audience.value, session=session_id)


async def set_time(
    db: async_sessionmaker[AsyncSession], actor: Person, due: datetime, now: datetime
) -> None:
    due = check_time(due, now)
    async with db.begin() as session:
        dialog = await _dialog(session, actor)
        if dialog.step not in ("when", "typed_when"):
            raise Stale()
        await _save(session, dialog, "confirm", now, due=due.isoformat())


async def ask_typed_time(
    db: async_sessionmaker[AsyncSession], actor: Person, now: datetime
) -> None:
    async with db.begin() as session:
        dialog = await _dialog(session, actor)
        if dialog.step not in ("when", "typed_when"):
            raise Stale()
        await _save(session, dialog, "typed_when", now)


async def back_to(
    db: async_sessionmaker[AsyncSession], actor: Person, step: str, now: datetime
) -> None:
    """From the confirmation back to the text or the time."""
    if step not in ("text", "when"):
        raise Stale()
    async with db.begin() as session:
        dialog = await _dialog(session, actor, "confirm")
        await _save(session, dialog, step, now)


@dataclass(frozen=True)
class Scheduled:
    id: int
    due_at: datetime
    event: EventView


async def confirm(db: async_sessionmaker[AsyncSession], actor: Person, now: datetime) -> Scheduled:
    """Schedule the announcement the dialog describes (or save the edit); the dialog
    closes in the same transaction, so pressing twice schedules it once."""
    async with db.begin() as session:
        dialog = await _dialog(session, actor, "confirm")
        data = dialog.data or {}
        event = await view(session, int(data["event"]))
        require_staff(actor, event)
        due = check_time(datetime.fromisoformat(data["due"]), now)
        await session.delete(dialog)
        if data.get("edit"):
            # Only while still scheduled: going out (here or in another process) wins.
            edited = await session.execute(
                update(Announcement)
                .where(
                    Announcement.id == int(data["edit"]),
                    Announcement.status == AnnouncementStatus.SCHEDULED,
                )
                .values(text=data["text"], due_at=due)
            )
            if not edited.rowcount:
                raise Stale()
            row = await session.get(Announcement, int(data["edit"]), populate_existing=True)
            assert row is not None
        else:
            row = Announcement(
                event_id=event.id,
                sender_id=actor.id,
                text=data["text"],
                audience=data["audience"],
                session_id=data.get("session"),
                due_at=due,
                status=AnnouncementStatus.SCHEDULED,
            )
            session.add(row)
        await session.flush()
        return Scheduled(row.id, due, event)


# -- managing the scheduled ones ----------------------------------------------------------------


@dataclass(frozen=True)
class AnnouncementView:
    id: int
    event: EventView
    text: str
    audience: Audience
    session_id: int | None
    due_at: datetime
    status: str
    sender_name: str | None


async def _load(session: AsyncSession, actor: Person, announcement_id: int) -> AnnouncementView:
    row = await session.get(Announcement, announcement_id)
    if row is None:
        raise Stale()
    event = await view(session, row.event_id)
    require_staff(actor, event)
    sender = await session.get(User, row.sender_id) if row.sender_id else None
    return AnnouncementView(
        row.id,
        event,
        row.text,
        Audience(row.audience),
        row.session_id,
        row.due_at,
        row.status,
        sender.full_name if sender else None,
    )


async def get(
    db: async_sessionmaker[AsyncSession], actor: Person, announcement_id: int
) -> AnnouncementView:
    async with db() as session:
        return await _load(session, actor, announcement_id)


async def scheduled(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int
) -> list[AnnouncementView]:
    """The event's announcements that have not gone out yet, soonest first."""
    async with db() as session:
        event = await view(session, event_id)
        require_staff(actor, event)
        ids = await session.scalars(
            select(Announcement.id)
            .where(
                Announcement.event_id == event_id,
                Announcement.status == AnnouncementStatus.SCHEDULED,
            )
            .order_by(Announcement.due_at, Announcement.id)
        )
        return [await _load(session, actor, i) for i in list(ids)]


async def cancel(
    db: async_sessionmaker[AsyncSession], actor: Person, announcement_id: int
) -> AnnouncementView:
    async with db.begin() as session:
        found = await _load(session, actor, announcement_id)
        result = await session.execute(
            update(Announcement)
            .where(
                Announcement.id == announcement_id,
                Announcement.status == AnnouncementStatus.SCHEDULED,
            )
            .values(status=AnnouncementStatus.CANCELLED)
        )
        if not result.rowcount:
            raise Stale()
        return found


async def edit(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    announcement_id: int,
    step: str,
    now: datetime,
) -> AnnouncementView:
    """Open the dialog on a scheduled announcement, at its text or its time."""
    async with db.begin() as session:
        found = await _load(session, actor, announcement_id)
        if found.status != AnnouncementStatus.SCHEDULED:
            raise Stale()
        await session.execute(delete(Dialog).where(Dialog.user_id == actor.id))
        data = {
            "event": found.event.id,
            "edit": found.id,
            "text": found.text,
            "audience": found.audience.value,
            "session": found.session_id,
            "due": found.due_at.isoformat(),
        }
        session.add(Dialog(user_id=actor.id, name=DIALOG, step=step, data=data, updated_at=now))
        return found


# -- going out: the dispatcher's hook ---------------------------------------------------------


def delivery_key(announcement_id: int, user_id: int) -> str:
    return f"{KIND}:{announcement_id}:{user_id}"


async def go_out(runtime: Runtime, now: datetime) -> None:
    """Due announcements become deliveries; finished ones get their report."""
    async with runtime.db() as session:
        due = list(
            await session.scalars(
                select(Announcement.id).where(
                    Announcement.status == AnnouncementStatus.SCHEDULED, Announcement.due_at <= now
                )
            )
        )
        unfinished = exists().where(
            Delivery.kind == KIND,
            Delivery.ref_id == Announcement.id,
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        )
        done = list(
            await session.scalars(
                select(Announcement.id).where(
                    Announcement.status == AnnouncementStatus.SENDING, ~unfinished
                )
            )
        )
    for announcement_id in due:
        async with runtime.db.begin() as session:
            # Taken by one statement: of two processes due at once, one goes on.
            taken = await session.execute(
                update(Announcement)
                .where(
                    Announcement.id == announcement_id,
                    Announcement.status == AnnouncementStatus.SCHEDULED,
                )
                .values(status=AnnouncementStatus.SENDING)
            )
            if not taken.rowcount:
                continue
            row = await session.get(Announcement, announcement_id, populate_existing=True)
            assert row is not None
            if not await _sender_may_send(session, runtime, row):
                # The sender's role or the event was taken away.
                row.status = AnnouncementStatus.CANCELLED
                continue
            people = await recipients(session, row.event_id, Audience(row.audience), row.session_id)
            await enqueue_many(
                session,
                [
                    {
                        "user_id": user_id,
                        "kind": KIND,
                        "dedupe_key": delivery_key(row.id, user_id),
                        "due_at": row.due_at,
                        "ref_id": row.id,
                    }
                    for user_id in people
                ],
            )
            row.status, row.recipients = AnnouncementStatus.SENDING, len(people)
    for announcement_id in done:
        async with runtime.db.begin() as session:
            finished = await session.execute(
                update(Announcement)
                .where(
                    Announcement.id == announcement_id,
                    Announcement.status == AnnouncementStatus.SENDING,
                )
                .values(status=AnnouncementStatus.SENT, finished_at=now)
            )
            row = await session.get(Announcement, announcement_id)
            if finished.rowcount and row is not None and row.sender_id is not None:
                await enqueue(
                    session,
                    user_id=row.sender_id,
                    kind=REPORT,
                    dedupe_key=f"{REPORT}:{announcement_id}",
                    due_at=now,
                    ref_id=announcement_id,
                )


async def _sender_may_send(session: AsyncSession, runtime: Runtime, row: Announcement) -> bool:
    """A scheduled announcement goes out only while its sender may still staff the event."""
    user = await session.get(User, row.sender_id) if row.sender_id is not None else None
    if user is None:
        return False
    settings = runtime.settings
    sender = await load_person(session, user, settings.default_language, settings.admin_ids)
    return can_staff(sender, await view(session, row.event_id))


async def next_due(runtime: Runtime) -> datetime | None:
    async with runtime.db() as session:
        return await session.scalar(
            select(func.min(Announcement.due_at)).where(
                Announcement.status == AnnouncementStatus.SCHEDULED
            )
        )


@dataclass(frozen=True)
class Outbound:
    """What one recipient's message is made of."""

    text: str
    event_id: int
    title: str


async def outbound(db: async_sessionmaker[AsyncSession], announcement_id: int) -> Outbound | None:
    async with db() as session:
        row = await session.get(Announcement, announcement_id)
        if row is None or row.status not in (AnnouncementStatus.SENDING, AnnouncementStatus.SENT):
            return None
        title = await session.scalar(select(Event.title).where(Event.id == row.event_id))
        return Outbound(row.text, row.event_id, title or "")


@dataclass(frozen=True)
class Report:
    title: str
    due_at: datetime
    counts: dict[str, int]
    failed: list[str]
    unreachable: list[str]


async def report(db: async_sessionmaker[AsyncSession], announcement_id: int) -> Report | None:
    async with db() as session:
        row = await session.get(Announcement, announcement_id)
        if row is None:
            return None
        title = await session.scalar(select(Event.title).where(Event.id == row.event_id))
        counts = dict(
            (
                await session.execute(
                    select(Delivery.status, func.count())
                    .where(Delivery.kind == KIND, Delivery.ref_id == announcement_id)
                    .group_by(Delivery.status)
                )
            ).all()
        )
        names: dict[DeliveryStatus, list[str]] = {
            DeliveryStatus.FAILED: [],
            DeliveryStatus.UNREACHABLE: [],
        }
        for status, name in await session.execute(
            select(Delivery.status, User.full_name)
            .join(User, User.id == Delivery.user_id)
            .where(
                Delivery.kind == KIND,
                Delivery.ref_id == announcement_id,
                Delivery.status.in_(list(names)),
            )
        ):
            names[status].append(name or "—")
        for listed in names.values():
            listed.sort(key=latvian_sort_key)
    failed, unreachable = names[DeliveryStatus.FAILED], names[DeliveryStatus.UNREACHABLE]
    return Report(title or "", row.due_at, counts, failed, unreachable)

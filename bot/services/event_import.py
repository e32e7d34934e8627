"""`kopiena events import FILE.yaml`: create or update events from a YAML file.

The format is documented in docs/events-format.md; examples/events.yaml is a sample.
Every event has a stable `key`; importing the same file again updates, never duplicates.

An update keeps the chat's rules and side effects: the capacity cannot drop below the
people already registered (a larger one gives seats to the waiting list), reminders are
planned again for moved sessions, and registrants are told, through the outbox, when a
seat frees up for them, when a session moves and when the event is cancelled (the
running bot sends these; the import itself never talks to Telegram).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox import enqueue
from bot.services import event_builder as builder
from bot.services import reminders
from bot.services.certificates import MAX_PROGRAMME
from bot.services.errors import NotFound
from bot.services.events import ACTIVE, EventStatus, EventView, RegStatus, lock_seats, view
from bot.services.registration import promote
from storage.models import Delivery, DeliveryStatus, Event, EventTrainer, Registration, User
from storage.models import Session as EventSession

NOTICE_KIND = "event_notice"

KEY_LIMIT = 64


class ImportError_(ValueError):
    """A problem in the file, with where it is."""


@dataclass(frozen=True)
class ImportResult:
    created: list[str]
    updated: list[str]


def _moment(value: Any, timezone: ZoneInfo, where: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone)
    try:
        parsed = datetime.strptime(str(value).strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise ImportError_(f"{where}: expected 'YYYY-MM-DD HH:MM', got {value!r}") from None
    return parsed.replace(tzinfo=timezone)


def _optional_moment(value: Any, timezone: ZoneInfo, where: str) -> datetime | None:
    return None if value in (None, "") else _moment(value, timezone, where)


def parse_file(path: Path, timezone: ZoneInfo) -> list[tuple[builder.EventDraft, dict[str, Any]]]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ImportError_(f"cannot read {path}: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise ImportError_("the file must have a top-level 'events:' list")
    drafts = []
    seen: set[str] = set()
    for number, item in enumerate(document["events"], start=1):
        where = f"event {number}"
        if not isinstance(item, dict):
            raise ImportError_(f"{where}: expected a mapping")
        key = str(item.get("key") or "").strip()
        if not key or len(key) > KEY_LIMIT:
            raise ImportError_(f"{where}: 'key' is required (at most {KEY_LIMIT} characters)")
        if key in seen:
            raise ImportError_(f"{where}: key {key!r} appears twice")
        seen.add(key)
        where = f"event {number} ({key})"
        sessions = []
        for index, raw in enumerate(item.get("sessions") or [], start=1):
            if not isinstance(raw, dict):
                raise ImportError_(f"{where}, session {index}: expected start and end")
            sessions.append(
                builder.SessionDraft(
                    _moment(raw.get("start"), timezone, f"{where}, session {index} start"),
                    _moment(raw.get("end"), timezone, f"{where}, session {index} end"),
                    raw.get("place"),
                )
            )
        status = str(item.get("status") or "draft")
        if status not in (EventStatus.DRAFT, EventStatus.PUBLISHED, EventStatus.CANCELLED):
            raise ImportError_(f"{where}: status must be draft, published or cancelled")
        try:
            capacity = int(item.get("capacity"))  # type: ignore[arg-type]
            limit = item.get("municipality_limit")
            draft = builder.EventDraft(
                key=key,
                title=str(item.get("title") or ""),
                description=str(item.get("description") or "").strip(),
                place=item.get("place"),
                online_url=item.get("online_url"),
                capacity=capacity,
                municipality_limit=int(limit) if limit else None,
                needs_approval=bool(item.get("needs_approval", False)),
                registration_opens_at=_optional_moment(
                    item.get("registration_opens"), timezone, f"{where}: registration_opens"
                ),
                registration_deadline=_optional_moment(
                    item.get("registration_deadline"), timezone, f"{where}: deadline"
                ),
                sessions=sessions,
            )
        except (TypeError, ValueError) as error:
            raise ImportError_(f"{where}: {error}") from None
        if draft.capacity < 1:
            raise ImportError_(f"{where}: capacity must be at least 1")
        try:
            # Past sessions are allowed: an import may record a course already under way.
            builder.check_draft(draft, datetime.min.replace(tzinfo=timezone))
        except builder.InvalidInput as error:
            message = error.message.format(**{k: str(v) for k, v in error.values.items()})
            raise ImportError_(f"{where}: {message}") from None
        programme = item.get("programme")  # for the funder's report (certificates module)
        if programme not in (None, "") and (
            not isinstance(programme, str) or not 0 < len(programme.strip()) <= MAX_PROGRAMME
        ):
            raise ImportError_(
                f"{where}: 'programme' is text of at most {MAX_PROGRAMME} characters"
            )
        extra = {
            "programme": " ".join(programme.split()) if programme else None,
            "status": status,
            "organiser": item.get("organiser"),
            "trainers": list(item.get("trainers") or []),
        }
        drafts.append((draft, extra))
    return drafts


async def _user_id(session: AsyncSession, telegram_id: Any, where: str) -> int | None:
    if telegram_id in (None, ""):
        return None
    user = await session.scalar(select(User).where(User.telegram_id == int(telegram_id)))
    if user is None:
        raise ImportError_(f"{where}: no user with Telegram id {telegram_id} has used the bot")
    return user.id


async def _registrants(
    session: AsyncSession, event_id: int, statuses: tuple[RegStatus, ...]
) -> list[int]:
    return list(
        await session.scalars(
            select(Registration.user_id).where(
                Registration.event_id == event_id,
                Registration.status.in_([s.value for s in statuses]),
            )
        )
    )


async def _tell(
    session: AsyncSession, people: list[int], event_id: int, now: datetime, **payload: Any
) -> None:
    for user_id in people:
        await enqueue(
            session,
            user_id=user_id,
            kind=NOTICE_KIND,
            dedupe_key=f"{NOTICE_KIND}:{event_id}:{user_id}:{payload['what']}:{now.isoformat()}",
            due_at=now,
            ref_id=event_id,
            payload=payload,
        )


async def import_events(
    db: async_sessionmaker[AsyncSession],
    path: Path,
    timezone: ZoneInfo,
    now: datetime | None = None,
) -> ImportResult:
    drafts = parse_file(path, timezone)
    now = now or datetime.now(UTC)
    created: list[str] = []
    updated: list[str] = []
    async with db.begin() as session:  # all or nothing
        known = select(Event.id).where(Event.key.in_([draft.key for draft, _ in drafts]))
        await lock_seats(session, *await session.scalars(known))
        for draft, extra in drafts:
            where = f"event {draft.key}"
            event = await session.scalar(select(Event).where(Event.key == draft.key))
            was = None
            if event is None:
                event = Event(key=draft.key, capacity=draft.capacity)
                session.add(event)
                created.append(str(draft.key))
            else:
                updated.append(str(draft.key))
                was = event.status
                confirmed = len(await _registrants(session, event.id, (RegStatus.CONFIRMED,)))
                if draft.capacity < confirmed and extra["status"] != EventStatus.CANCELLED:
                    raise ImportError_(
                        f"{where}: capacity {draft.capacity} is lower than the {confirmed} "
                        "people already registered"
                    )
            event.title = builder.clean_title(draft.title)
            event.description = draft.description
            event.place = draft.place
            event.online_url = draft.online_url
            event.capacity = draft.capacity
            event.municipality_limit = draft.municipality_limit
            event.needs_approval = draft.needs_approval
            event.registration_opens_at = draft.registration_opens_at
            event.registration_deadline = draft.registration_deadline
            event.status = extra["status"]
            event.programme = extra["programme"]
            event.organiser_id = await _user_id(session, extra["organiser"], where)
            await session.flush()
            before = {
                row.id: row.starts_at
                for row in await session.scalars(
                    select(EventSession).where(EventSession.event_id == event.id)
                )
            }
            await builder.replace_sessions(session, event.id, draft.sessions)
            await session.execute(delete(EventTrainer).where(EventTrainer.event_id == event.id))
            for telegram_id in extra["trainers"]:
                trainer = await _user_id(session, telegram_id, where)
                if trainer is not None:
                    session.add(EventTrainer(event_id=event.id, user_id=trainer))
            await session.flush()
            if was is not None:
                await _side_effects(session, event, was, before, now)
    return ImportResult(created, updated)


async def _side_effects(
    session: AsyncSession, event: Event, was: str, before: dict[int, datetime], now: datetime
) -> None:
    """What the chat would do after the same change (see the module docstring)."""
    if event.status == EventStatus.CANCELLED and was != EventStatus.CANCELLED:
        people = await _registrants(session, event.id, ACTIVE)
        await _tell(session, people, event.id, now, what="cancelled")
    after = {
        row.starts_at
        for row in await session.scalars(
            select(EventSession).where(EventSession.event_id == event.id)
        )
    }
    gone = sorted(start for sid, start in before.items() if start not in after)
    new = sorted(after - set(before.values()))
    gone_ids = [sid for sid, start in before.items() if start not in after]
    if gone_ids:  # their reminders would be for a time that no longer holds
        await session.execute(
            update(Delivery)
            .where(
                Delivery.kind == reminders.KIND,
                Delivery.ref_id.in_(gone_ids),
                Delivery.status == DeliveryStatus.PENDING,
            )
            .values(status=DeliveryStatus.CANCELLED)
        )
    if event.status == EventStatus.PUBLISHED:
        if (gone or new) and was == EventStatus.PUBLISHED:
            people = await _registrants(session, event.id, ACTIVE)
            moves = {
                "gone": [start.isoformat() for start in gone if start > now],
                "new": [start.isoformat() for start in new if start > now],
            }
            if moves["gone"] or moves["new"]:
                await _tell(session, people, event.id, now, what="moved", **moves)
        waiting = set(await _registrants(session, event.id, (RegStatus.WAITING,)))
        await promote(session, event.id, now)
        still = set(await _registrants(session, event.id, (RegStatus.WAITING,)))
        await _tell(session, sorted(waiting - still), event.id, now, what="promoted")
    await reminders.plan(session, event.id, now)


async def notice_target(
    db: async_sessionmaker[AsyncSession], event_id: int | None, user_id: int
) -> tuple[EventView, str | None] | None:
    """For a notice from an import: the event and the person's registration status now
    (None when the event is gone)."""
    if event_id is None:
        return None
    async with db() as session:
        try:
            event = await view(session, event_id)
        except NotFound:
            return None
        status = await session.scalar(
            select(Registration.status).where(
                Registration.event_id == event_id, Registration.user_id == user_id
            )
        )
    return event, status

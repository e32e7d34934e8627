"""The /new_event wizard: one question per step, the answers kept in the database dialog,
so an organiser who is interrupted continues later where they stopped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import certificates, dialogs
from bot.services import event_builder as builder
from bot.services.errors import Stale
from bot.services.roles import require
from bot.services.users import Person, Role
from storage.models import Dialog

WIZARD = "new_event"
SAVING = "saving"


class Step(StrEnum):
    TITLE = "title"
    DESCRIPTION = "description"
    PLACE = "place"
    ONLINE = "online"
    CAPACITY = "capacity"
    APPROVAL = "approval"
    LIMIT = "limit"
    DEADLINE = "deadline"
    SESSION_DATE = "session_date"
    SESSION_START = "session_start"
    SESSION_END = "session_end"
    MORE = "more"
    CERTIFICATE = "certificate"
    PROGRAMME = "programme"
    PREVIEW = "preview"


# Steps that a button may skip, and what skipping stores.
SKIPPABLE = {
    Step.DESCRIPTION: ("description", ""),
    Step.PLACE: ("place", None),
    Step.ONLINE: ("online_url", None),
    Step.LIMIT: ("municipality_limit", None),
    Step.DEADLINE: ("deadline", None),
    Step.PROGRAMME: ("programme", None),
}
ORDER = [
    Step.TITLE,
    Step.DESCRIPTION,
    Step.PLACE,
    Step.ONLINE,
    Step.CAPACITY,
    Step.APPROVAL,
    Step.LIMIT,
    Step.DEADLINE,
    Step.SESSION_DATE,
]
# After the sessions: the certificate rule (kept or changed), the programme, the preview.
TAIL = [Step.CERTIFICATE, Step.PROGRAMME, Step.PREVIEW]


@dataclass(frozen=True)
class Wizard:
    step: Step
    data: dict[str, Any]

    def draft(self) -> builder.EventDraft:
        return to_draft(self.data)


def to_draft(data: dict[str, Any]) -> builder.EventDraft:
    sessions = [
        builder.SessionDraft(datetime.fromisoformat(a), datetime.fromisoformat(b))
        for a, b in data.get("sessions", [])
    ]
    deadline = data.get("deadline")
    return builder.EventDraft(
        title=data.get("title", ""),
        description=data.get("description", ""),
        place=data.get("place"),
        online_url=data.get("online_url"),
        capacity=int(data.get("capacity", 1)),
        needs_approval=bool(data.get("needs_approval", False)),
        municipality_limit=data.get("municipality_limit"),
        registration_deadline=datetime.fromisoformat(deadline) if deadline else None,
        sessions=sessions,
        completion_percent=int(data.get("percent", certificates.DEFAULT_PERCENT)),
        completion_needs_survey=bool(data.get("needs_survey", False)),
        programme=data.get("programme"),
    )


async def current(db: async_sessionmaker[AsyncSession], person: Person) -> Wizard | None:
    async with db() as session:
        dialog = await session.get(Dialog, person.id)
        if dialog is None or dialog.name != WIZARD or dialog.step == SAVING:
            return None
        return Wizard(Step(dialog.step), dict(dialog.data or {}))


async def begin(
    db: async_sessionmaker[AsyncSession],
    person: Person,
    *,
    fresh: bool,
    now: datetime | None = None,
) -> Wizard:
    """Start the wizard, or return the unfinished one unless `fresh`."""
    require(person, Role.ORGANISER)
    existing = None if fresh else await current(db, person)
    if existing is not None:
        await dialogs.set_paused(db, person.id, WIZARD, False)
        return existing
    await dialogs.open_dialog(db, person.id, WIZARD, Step.TITLE.value, {}, now)
    return Wizard(Step.TITLE, {})


def _after(step: Step) -> Step:
    steps = TAIL if step in TAIL else ORDER
    return steps[steps.index(step) + 1]


async def _move(
    db: async_sessionmaker[AsyncSession],
    person: Person,
    wizard: Wizard,
    to: Step,
    data: dict[str, Any],
    now: datetime | None = None,
) -> Wizard:
    data = {k: v for k, v in data.items() if k != dialogs.PAUSED}  # answering resumes it
    moved = await dialogs.move_dialog(db, person.id, WIZARD, wizard.step.value, to.value, data, now)
    if not moved:
        raise Stale()
    return Wizard(to, data)


async def _expect(db: async_sessionmaker[AsyncSession], person: Person, step: Step) -> Wizard:
    wizard = await current(db, person)
    if wizard is None or wizard.step != step:
        raise Stale()
    return wizard


async def answer(
    db: async_sessionmaker[AsyncSession],
    person: Person,
    text: str,
    now: datetime,
    timezone: ZoneInfo,
) -> Wizard:
    """A typed answer to the current step; InvalidInput says why it was not accepted."""
    require(person, Role.ORGANISER)
    wizard = await current(db, person)
    if wizard is None:
        raise Stale()
    step, data = wizard.step, dict(wizard.data)
    if step is Step.TITLE:
        data["title"] = builder.clean_title(text)
    elif step is Step.DESCRIPTION:
        data["description"] = builder.clean_text(
            text, builder.DESCRIPTION_LIMIT, what="description"
        )
    elif step is Step.PLACE:
        data["place"] = builder.clean_text(text, builder.PLACE_LIMIT, what="place")
    elif step is Step.ONLINE:
        data["online_url"] = builder.clean_url(text)
    elif step is Step.CAPACITY:
        data["capacity"] = builder.parse_count(text)
    elif step is Step.LIMIT:
        limit = builder.parse_count(text)
        if limit > int(data.get("capacity", 0)):
            raise builder.InvalidInput(
                builder.N_("The limit per municipality cannot be larger than the capacity.")
            )
        data["municipality_limit"] = limit
    elif step is Step.DEADLINE:
        deadline = builder.parse_moment(text, timezone)
        if deadline <= now:
            raise builder.InvalidInput(
                builder.N_("That time is in the past. Please send a future date.")
            )
        data["deadline"] = deadline.isoformat()
    elif step is Step.SESSION_DATE:
        day = builder.parse_date(text)
        if day < now.astimezone(timezone).date():
            raise builder.InvalidInput(
                builder.N_("That time is in the past. Please send a future date.")
            )
        data["pending_date"] = day.isoformat()
        return await _move(db, person, wizard, Step.SESSION_START, data, now)
    elif step is Step.SESSION_START:
        day = date.fromisoformat(data["pending_date"])
        start = builder.local_moment(day, builder.parse_time(text), timezone)
        if start <= now:
            raise builder.InvalidInput(
                builder.N_("That time is in the past. Please send a future date.")
            )
        data["pending_start"] = start.isoformat()
        return await _move(db, person, wizard, Step.SESSION_END, data, now)
    elif step is Step.SESSION_END:
        start = datetime.fromisoformat(data["pending_start"])
        end = builder.local_moment(start.date(), builder.parse_time(text), timezone)
        new = builder.SessionDraft(start, end)
        builder.check_session(new, to_draft(data).sessions, now)
        deadline = data.get("deadline")
        if deadline and datetime.fromisoformat(deadline) > start:
            raise builder.InvalidInput(
                builder.N_("Registration must close before the first session starts.")
            )
        data["sessions"] = sorted([*data.get("sessions", []), [start.isoformat(), end.isoformat()]])
        data.pop("pending_date", None)
        data.pop("pending_start", None)
        return await _move(db, person, wizard, Step.MORE, data, now)
    elif step is Step.CERTIFICATE:
        data["percent"] = certificates.parse_percent(text)
    elif step is Step.PROGRAMME:
        data["programme"] = certificates.clean_programme(text)
    else:
        raise Stale()  # this step takes a button, not text
    return await _move(db, person, wizard, _after(step), data, now)


async def choose(
    db: async_sessionmaker[AsyncSession],
    person: Person,
    step: Step,
    choice: str,
    now: datetime | None = None,
) -> Wizard:
    """A button answer: skip, yes/no, another session, done, the certificate's rule."""
    require(person, Role.ORGANISER)
    wizard = await _expect(db, person, step)
    data = dict(wizard.data)
    if choice == "skip" and step in SKIPPABLE:
        key, value = SKIPPABLE[step]
        data[key] = value
        return await _move(db, person, wizard, _after(step), data, now)
    if step is Step.APPROVAL and choice in ("yes", "no"):
        data["needs_approval"] = choice == "yes"
        return await _move(db, person, wizard, Step.LIMIT, data, now)
    if step in (Step.SESSION_START, Step.SESSION_END) and choice == "redo":
        data.pop("pending_date", None)
        data.pop("pending_start", None)
        return await _move(db, person, wizard, Step.SESSION_DATE, data, now)
    if step is Step.MORE and choice == "more":
        return await _move(db, person, wizard, Step.SESSION_DATE, data, now)
    if step is Step.MORE and choice == "done":
        return await _move(db, person, wizard, Step.CERTIFICATE, data, now)
    if step is Step.CERTIFICATE and choice == "survey":
        data["needs_survey"] = not data.get("needs_survey", False)
        return await _move(db, person, wizard, Step.CERTIFICATE, data, now)
    if step is Step.CERTIFICATE and choice == "keep":
        return await _move(db, person, wizard, Step.PROGRAMME, data, now)
    if step is Step.CERTIFICATE and choice.startswith("p") and choice[1:].isdigit():
        data["percent"] = certificates.check_percent(int(choice[1:]))
        return await _move(db, person, wizard, Step.PROGRAMME, data, now)
    raise Stale()


async def finish(
    db: async_sessionmaker[AsyncSession], person: Person, now: datetime, *, publish: bool
) -> int:
    wizard = await _expect(db, person, Step.PREVIEW)
    # Claim the preview first: of two presses of "publish" only one creates the event.
    if not await dialogs.move_dialog(db, person.id, WIZARD, Step.PREVIEW.value, SAVING):
        raise Stale()
    try:
        event_id = await builder.create_event(db, person, wizard.draft(), now, publish=publish)
    except Exception:
        await dialogs.move_dialog(db, person.id, WIZARD, SAVING, Step.PREVIEW.value)
        raise
    await dialogs.close_dialog(db, person.id, WIZARD)
    return event_id


async def discard(db: async_sessionmaker[AsyncSession], person: Person) -> bool:
    return await dialogs.close_dialog(db, person.id, WIZARD)

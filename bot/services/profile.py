"""Onboarding and profile editing: one dialog kept in the database, step by step.

Onboarding: language -> consent -> name -> municipality -> workplace (optional).
Editing a profile field uses the same setters inside a short "profile" dialog.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import LANGUAGES
from bot.i18n import N_
from bot.services import dialogs, municipalities
from bot.services.dialogs import ONBOARDING
from bot.services.errors import InvalidInput, Stale
from bot.services.users import Person
from storage.db import insert
from storage.models import Dialog, User, utcnow

PROFILE = "profile"
NAME_LIMIT = 100
WORKPLACE_LIMIT = 200
PAYLOAD_LIMIT = 64
NAME_PUNCTUATION = frozenset(" -'’")


class Step(StrEnum):
    LANGUAGE = "language"
    CONSENT = "consent"
    NAME = "name"
    MUNICIPALITY = "municipality"
    WORKPLACE = "workplace"


ONBOARDING_ORDER = list(Step)
EDITABLE = (Step.NAME, Step.MUNICIPALITY, Step.WORKPLACE)


@dataclass(frozen=True)
class Progress:
    """Where the dialog stands after a change. `step` None means it has ended."""

    dialog: str | None
    step: Step | None
    start_payload: str | None = None


def clean_name(text: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise InvalidInput(N_("Please type your full name."))
    if len(name) > NAME_LIMIT:
        raise InvalidInput(
            N_("That is too long: a name can have at most {limit} characters."), limit=NAME_LIMIT
        )
    for char in name:
        if not (char.isalpha() or char in NAME_PUNCTUATION):
            raise InvalidInput(
                N_(
                    "A name can contain only letters, spaces, hyphens and apostrophes, "
                    "so “{char}” cannot be used."
                ),
                char=char,
            )
    if not any(char.isalpha() for char in name):
        raise InvalidInput(N_("Please type your full name."))
    if sum(1 for word in name.split() if any(char.isalpha() for char in word)) < 2:
        raise InvalidInput(
            N_("Please type both your first name and surname, for example Anna Bērziņa.")
        )
    return name


def clean_workplace(text: str) -> str:
    workplace = " ".join(unicodedata.normalize("NFC", text).split())
    if not workplace:
        raise InvalidInput(N_("Please type the name of your workplace, or press “Skip”."))
    if len(workplace) > WORKPLACE_LIMIT:
        raise InvalidInput(
            N_("That is too long: a workplace can have at most {limit} characters."),
            limit=WORKPLACE_LIMIT,
        )
    if any(unicodedata.category(char).startswith("C") for char in workplace):
        raise InvalidInput(N_("Please use only ordinary text."))
    return workplace


def clean_payload(payload: str | None) -> str | None:
    if not payload:
        return None
    payload = payload.strip()[:PAYLOAD_LIMIT]
    return payload if payload.replace("_", "").replace("-", "").isalnum() else None


def _next(step: Step) -> Step | None:
    index = ONBOARDING_ORDER.index(step)
    return ONBOARDING_ORDER[index + 1] if index + 1 < len(ONBOARDING_ORDER) else None


async def begin_onboarding(
    db: async_sessionmaker[AsyncSession], person: Person, payload: str | None
) -> Progress:
    """Start onboarding, or resume it where the user stopped; keep a deep-link payload."""
    payload = clean_payload(payload)
    async with db.begin() as session:
        # Insert-or-keep in one statement: two first messages at once make one dialog.
        await session.execute(
            insert(session)(Dialog)
            .values(
                user_id=person.id,
                name=ONBOARDING,
                step=Step.LANGUAGE.value,
                data={},
                updated_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=[Dialog.user_id])
        )
        dialog = await session.get(Dialog, person.id, populate_existing=True)
        assert dialog is not None
        if dialog.name != ONBOARDING:
            dialog.name, dialog.step, dialog.data = ONBOARDING, Step.LANGUAGE.value, {}
        if payload:
            dialog.data = {**(dialog.data or {}), "start": payload}
        return Progress(ONBOARDING, Step(dialog.step))


async def _advance(
    session: AsyncSession, person: Person, step: Step, changes: dict[str, Any]
) -> Progress:
    """Apply a change for `step` if the user's dialog is waiting for it.

    The conditional UPDATE claims the step and takes SQLite's write lock first, so of two
    presses of the same button only one finds the dialog still at this step.
    """
    claimed = await session.execute(
        update(Dialog)
        .where(Dialog.user_id == person.id, Dialog.step == step.value)
        .values(updated_at=utcnow())
        .returning(Dialog.name, Dialog.data)
    )
    row = claimed.first()
    if row is None:
        raise Stale()
    name, data = row
    if changes:
        await session.execute(update(User).where(User.id == person.id).values(**changes))
    following = _next(step) if name == ONBOARDING else None
    if following is not None:
        await session.execute(
            update(Dialog).where(Dialog.user_id == person.id).values(step=following.value)
        )
        return Progress(ONBOARDING, following)
    await session.execute(delete(Dialog).where(Dialog.user_id == person.id))
    if name == PROFILE:
        return Progress(PROFILE, None)
    await session.execute(update(User).where(User.id == person.id).values(onboarded_at=utcnow()))
    return Progress(ONBOARDING, None, (data or {}).get("start"))


async def choose_language(
    db: async_sessionmaker[AsyncSession], person: Person, language: str
) -> Progress:
    if language not in LANGUAGES:
        raise Stale()
    async with db.begin() as session:
        try:
            return await _advance(session, person, Step.LANGUAGE, {"language": language})
        except Stale:
            pass
        # Anywhere else (the profile, or an older language message) it just switches.
        await session.execute(update(User).where(User.id == person.id).values(language=language))
        dialog = await session.get(Dialog, person.id)
        return Progress(dialog.name if dialog else None, Step(dialog.step) if dialog else None)


async def consent(
    db: async_sessionmaker[AsyncSession], person: Person, username: str | None
) -> Progress:
    async with db.begin() as session:
        return await _advance(
            session, person, Step.CONSENT, {"consented_at": utcnow(), "username": username}
        )


async def save_name(db: async_sessionmaker[AsyncSession], person: Person, text: str) -> Progress:
    name = clean_name(text)
    async with db.begin() as session:
        return await _advance(session, person, Step.NAME, {"full_name": name})


async def save_municipality(
    db: async_sessionmaker[AsyncSession], person: Person, code: str
) -> Progress:
    if not municipalities.is_known(code):
        raise Stale()
    async with db.begin() as session:
        return await _advance(session, person, Step.MUNICIPALITY, {"municipality": code})


async def save_workplace(
    db: async_sessionmaker[AsyncSession], person: Person, text: str | None
) -> Progress:
    workplace = clean_workplace(text) if text is not None else None
    async with db.begin() as session:
        return await _advance(session, person, Step.WORKPLACE, {"workplace": workplace})


async def edit_field(db: async_sessionmaker[AsyncSession], person: Person, field: str) -> Step:
    """Open a short dialog that waits for a new value of one profile field."""
    if not person.onboarded or field not in EDITABLE:
        raise Stale()
    await dialogs.open_dialog(db, person.id, PROFILE, field)
    return Step(field)

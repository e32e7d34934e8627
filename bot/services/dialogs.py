"""Multi-step conversations kept in the database: one open dialog per user.

A dialog says what the user's next message is for (a profile field, a question to the
organisers, a wizard step...). Onboarding is a dialog too, the only one that no command
or timeout closes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import insert
from storage.models import Dialog, utcnow

ONBOARDING = "onboarding"
# Set in a dialog's data while the user has gone on to other commands: a long wizard
# kept for later no longer takes what they type until they choose to continue.
PAUSED = "_paused"


async def open_dialog(
    db: async_sessionmaker[AsyncSession],
    user_id: int,
    name: str,
    step: str,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Open (or replace) the user's dialog. Safe to run twice. `now`: the runtime's clock
    (the dialog router compares it with `updated_at` to expire idle dialogs)."""
    async with db.begin() as session:
        await put_dialogs(session, [(user_id, name, step, data, now)])


Opening = tuple[int, str, str, dict[str, Any] | None, datetime | None]


async def put_dialogs(session: AsyncSession, openings: Sequence[Opening]) -> None:
    """`open_dialog` for several users in the caller's write transaction, in one statement:
    (user id, name, step, data, now) each."""
    rows = [
        {
            "new_user_id": user_id,
            "new_name": name,
            "new_step": step,
            "new_data": data or {},
            "new_updated_at": now or utcnow(),
        }
        for user_id, name, step, data, now in openings
    ]
    await session.execute(_upsert(insert(session)), rows)


@functools.cache
def _upsert(dialect_insert: Any) -> Any:
    """The dialog upsert for this dialect, built once (every FAQ question runs it). Its
    parameters are the columns' names with "new_" before them."""
    columns = ("user_id", "name", "step", "data", "updated_at")
    statement = dialect_insert(Dialog).values({c: bindparam(f"new_{c}") for c in columns})
    return statement.on_conflict_do_update(
        index_elements=[Dialog.user_id],
        set_={c: statement.excluded[c] for c in columns if c != "user_id"},
    )


async def move_dialog(
    db: async_sessionmaker[AsyncSession],
    user_id: int,
    name: str,
    from_step: str,
    to_step: str,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    """Move the dialog on only if it still is at `from_step` (a double press moves once)."""
    values: dict[str, Any] = {"step": to_step, "updated_at": now or utcnow()}
    if data is not None:
        values["data"] = data
    async with db.begin() as session:
        result = await session.execute(
            update(Dialog)
            .where(Dialog.user_id == user_id, Dialog.name == name, Dialog.step == from_step)
            .values(**values)
        )
        return bool(result.rowcount)


async def close_dialog(
    db: async_sessionmaker[AsyncSession], user_id: int, name: str | None = None
) -> bool:
    """Close the user's dialog (only if it is `name`, when given); never onboarding."""
    async with db.begin() as session:
        query = delete(Dialog).where(Dialog.user_id == user_id, Dialog.name != ONBOARDING)
        if name is not None:
            query = query.where(Dialog.name == name)
        result = await session.execute(query)
        return bool(result.rowcount)


async def set_paused(
    db: async_sessionmaker[AsyncSession], user_id: int, name: str, paused: bool
) -> bool:
    """Pause or resume the user's dialog `name`; False if it is not open."""
    async with db.begin() as session:
        dialog = await session.get(Dialog, user_id)
        if dialog is None or dialog.name != name:
            return False
        data = {k: v for k, v in (dialog.data or {}).items() if k != PAUSED}
        if paused:
            data[PAUSED] = True
        dialog.data = data  # a new dict, so the JSON column is written
        return True

"""The dispatcher: sends what the outbox says is due, and records every result.

The job queue only wakes it (every minute, and at start-up); the database says what is
due. Rows are claimed (status 'sending') before sending, so two wake-ups never send the
same row; rows left 'sending' by a crash go back to 'pending' at start-up, so at most the
messages in flight at the crash may repeat.

Each feature registers how to render its kind of delivery with `register_renderer`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.i18n import Translator, pick_language, translator_for
from bot.runtime import RUNTIME_KEY, Runtime
from storage.models import Delivery, User

log = logging.getLogger(__name__)

BATCH = 200
MAX_ATTEMPTS = 5
WAKE_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Due:
    """A delivery as a renderer sees it."""

    id: int
    user_id: int
    kind: str
    ref_id: int | None
    payload: dict[str, Any]
    due_at: datetime


@dataclass(frozen=True)
class Outgoing:
    """What to send. `buttons` rows hold (label, callback data) or (label, "url:https://...")."""

    text: str
    buttons: Sequence[Sequence[tuple[str, str]]] = field(default_factory=tuple)


Renderer = Callable[[Runtime, Due, Translator], Awaitable[Outgoing | None]]
_renderers: dict[str, Renderer] = {}


def register_renderer(kind: str, renderer: Renderer) -> None:
    """How to turn a delivery of `kind` into a message; returning None cancels it."""
    _renderers[kind] = renderer


def markup(buttons: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    rows = [
        [
            InlineKeyboardButton(label, url=data[4:])
            if data.startswith("url:")
            else InlineKeyboardButton(label, callback_data=data)
            for label, data in row
        ]
        for row in buttons
    ]
    return InlineKeyboardMarkup(rows)


async def recover(runtime: Runtime) -> int:
    """At start-up: rows a crash left half-sent go back to the queue."""
    async with runtime.db.begin() as session:
        result = await session.execute(
            update(Delivery).where(Delivery.status == "sending").values(status="pending")
        )
        return result.rowcount or 0


async def _claim(runtime: Runtime, now: datetime) -> list[tuple[Delivery, User | None]]:
    async with runtime.db.begin() as session:
        rows = list(
            await session.scalars(
                select(Delivery)
                .where(Delivery.status == "pending", Delivery.due_at <= now)
                .order_by(Delivery.due_at, Delivery.id)
                .limit(BATCH)
            )
        )
        if not rows:
            return []
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_([r.id for r in rows]))
            .values(status="sending", attempts=Delivery.attempts + 1)
        )
        users = {
            u.id: u
            for u in await session.scalars(
                select(User).where(User.id.in_({r.user_id for r in rows}))
            )
        }
        return [(row, users.get(row.user_id)) for row in rows]


async def _finish(runtime: Runtime, delivery_id: int, **values: Any) -> None:
    async with runtime.db.begin() as session:
        await session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))


async def dispatch_due(application: Application) -> int:  # type: ignore[type-arg]
    """Send every delivery that is due now; return how many were sent."""
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    sent = 0
    while True:
        now = runtime.clock()
        claimed = await _claim(runtime, now)
        if not claimed:
            return sent
        for row, user in claimed:
            sent += await _send_one(application, runtime, row, user, now)


async def _send_one(
    application: Application,  # type: ignore[type-arg]
    runtime: Runtime,
    row: Delivery,
    user: User | None,
    now: datetime,
) -> int:
    if row.expires_at is not None and now > row.expires_at:
        log.info("Delivery %s (%s) expired unsent", row.id, row.kind)
        await _finish(runtime, row.id, status="expired")
        return 0
    if user is None or user.telegram_id is None:
        await _finish(runtime, row.id, status="cancelled", last_error="user forgotten")
        return 0
    renderer = _renderers.get(row.kind)
    if renderer is None:
        log.error("No renderer for delivery kind %r (delivery %s)", row.kind, row.id)
        await _finish(runtime, row.id, status="failed", last_error="no renderer")
        return 0
    language = pick_language(
        user.language, user.telegram_language, runtime.settings.default_language
    )
    tr = translator_for(language, runtime.settings.tz)
    due = Due(row.id, row.user_id, row.kind, row.ref_id, dict(row.payload or {}), row.due_at)
    try:
        outgoing = await renderer(runtime, due, tr)
        if outgoing is None:
            await _finish(runtime, row.id, status="cancelled")
            return 0
        await application.bot.send_message(
            user.telegram_id, outgoing.text, reply_markup=markup(outgoing.buttons)
        )
    except Forbidden as error:
        await _finish(runtime, row.id, status="unreachable", last_error=str(error)[:300])
        return 0
    except RetryAfter as error:
        wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        await _finish(
            runtime,
            row.id,
            status="pending",
            due_at=now + timedelta(seconds=seconds),
            last_error=str(error)[:300],
        )
        return 0
    except BadRequest as error:  # will not get better by retrying
        log.error("Delivery %s rejected: %s", row.id, error)
        await _finish(runtime, row.id, status="failed", last_error=str(error)[:300])
        return 0
    except TelegramError as error:
        retry = row.attempts + 1 < MAX_ATTEMPTS
        backoff = timedelta(seconds=2 ** (row.attempts + 1))
        await _finish(
            runtime,
            row.id,
            status="pending" if retry else "failed",
            due_at=now + backoff,
            last_error=str(error)[:300],
        )
        return 0
    await _finish(runtime, row.id, status="sent", sent_at=runtime.clock())
    return 1


async def _wake(context: ContextTypes.DEFAULT_TYPE) -> None:
    await dispatch_due(context.application)


async def start_dispatcher(application: Application) -> None:  # type: ignore[type-arg]
    """Called at start-up: recover half-sent rows, then wake now and every minute."""
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    recovered = await recover(runtime)
    if recovered:
        log.warning("%d delivery(ies) were in flight at the last stop; sending again", recovered)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _wake,
            interval=WAKE_EVERY,
            first=0,
            name="dispatcher",
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )

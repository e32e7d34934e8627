"""The dispatcher: sends what the outbox says is due, and records every result.

The job queue only wakes it (at start-up, every minute, and at the next due time); the
database says what is due. Rows are claimed before sending (status 'sending'), and a
claim is a lease: it names its owner (one running dispatcher) and lasts until
`lease_until`, which the owner renews while its pass runs. Claims take only pending rows
and rows whose lease has run out, with a conditional UPDATE (and FOR UPDATE SKIP LOCKED
on PostgreSQL), so two wake-ups or two instances never send the same row, and a start-up
takes back only expired leases, never another live instance's rows. At most the
messages in flight at a crash may repeat (sent, but their result not yet written): each
worker waits until its result is written before it takes the next row, and the results
of workers that finish together share one transaction.

Sending goes through `BroadcastLimiter` (bot/limiter.py): the overall rate is the
BROADCAST_RATE setting, one message per second per chat, and a 429 pauses every
broadcast send for its `retry_after`, after which the message is tried again. Network
errors, timeouts and 5xx are retried with backoff a bounded number of times, then the
row is failed; a 403 marks it unreachable and is not retried. A bounded set of worker
tasks sends concurrently, enough to reach the rate.

Each feature registers how to render its kind of delivery with `register_renderer`, and
may register a hook (`register_hook`) that runs before every batch: announcements turn
into deliveries there when they are due, and finished ones get their report.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes
from telegram.warnings import PTBDeprecationWarning

from bot.i18n import Translator, pick_language, translator_for
from bot.limiter import BroadcastLimiter
from bot.runtime import RUNTIME_KEY, Runtime
from storage.models import Delivery, User

log = logging.getLogger(__name__)

BATCH = 500
CLAIM_SECONDS = 5  # at the broadcast rate: how much one claim takes
RENEWALS = 4  # times a lease is renewed within its length while the pass runs
HOOKS_EVERY = 5.0  # seconds: hooks run at most this often while a pass keeps claiming
# Claims of one row (each claim tries TRIES times in a row, with backoff in between).
MAX_ATTEMPTS = 3
TRIES = 3
BACKOFF = 0.5  # seconds before the first retry in a claim; doubles each time
LATER = timedelta(minutes=1)  # after a claim's tries failed: next claim after LATER * attempts
MAX_PAUSES = 5  # 429s for one message in one claim before it goes back to the queue
COMMIT_TRIES = 3  # writing a batch of results (a locked database): then give up
WAKE_EVERY = timedelta(minutes=1)
DISPATCHER_KEY = "dispatcher"
NEXT_WAKE = "dispatcher-next"


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
    # (file name, content): sent as a document with `text` as its caption.
    document: tuple[str, bytes] | None = None


Renderer = Callable[[Runtime, Due, Translator], Awaitable[Outgoing | None]]
_renderers: dict[str, Renderer] = {}

# A hook runs before every batch (materialise what became due, finish what is done);
# its `next_due` says when it next has something to do, for the wake-up timer.
Hook = Callable[[Runtime, datetime], Awaitable[None]]
NextDue = Callable[[Runtime], Awaitable[datetime | None]]
_hooks: list[tuple[Hook, NextDue | None]] = []


def register_renderer(kind: str, renderer: Renderer) -> None:
    """How to turn a delivery of `kind` into a message; returning None cancels it."""
    _renderers[kind] = renderer


def register_hook(hook: Hook, next_due: NextDue | None = None) -> None:
    """Run `hook(runtime, now)` before every batch the dispatcher claims."""
    if all(existing is not hook for existing, _ in _hooks):
        _hooks.append((hook, next_due))


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


def _lease_expired(now: datetime, owner: str | None = None) -> ColumnElement[bool]:
    """A row claimed by an instance whose lease has run out (it stopped renewing it);
    with `owner`, not one of that owner's own (its pass still holds them)."""
    expired = and_(
        Delivery.status == "sending",
        or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
    )
    if owner is None:
        return expired
    return and_(expired, or_(Delivery.lease_owner.is_(None), Delivery.lease_owner != owner))


def _claimable(now: datetime, owner: str) -> ColumnElement[bool]:
    due = and_(Delivery.status == "pending", Delivery.due_at <= now)
    return or_(due, _lease_expired(now, owner))


async def recover(runtime: Runtime) -> int:
    """At start-up: rows whose lease has run out (their sender crashed) go back to the
    queue; rows another running instance holds stay with it."""
    async with runtime.db.begin() as session:
        result = await session.execute(
            update(Delivery)
            .where(_lease_expired(runtime.clock()))
            .values(status="pending", lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


@dataclass(frozen=True)
class Lease:
    """Who claims (one running dispatcher) and for how long a claim holds unrenewed."""

    owner: str
    seconds: float

    @classmethod
    def new(cls, seconds: float) -> Lease:
        host = socket.gethostname()[:40]
        return cls(f"{host}:{os.getpid()}:{secrets.token_hex(3)}", seconds)

    def until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class _Item:
    """A claimed row and what sending it needs."""

    id: int
    chat_id: int
    language: str
    attempts: int
    expires_at: datetime | None
    due: Due


async def _claim(runtime: Runtime, lease: Lease, now: datetime, limit: int = BATCH) -> list[_Item]:
    """Claim due rows (and rows whose lease ran out) for `lease.owner`; expire the ones
    whose time has passed, drop forgotten users.

    Every UPDATE here repeats the claimable condition, so of two instances that read the
    same rows only one gets each (on SQLite the write lock orders them; on PostgreSQL
    the SELECT also skips rows another claim has locked).
    """
    async with runtime.db.begin() as session:
        query = (
            select(Delivery, User.telegram_id, User.language, User.telegram_language)
            .join(User, User.id == Delivery.user_id)
            .where(_claimable(now, lease.owner))
            .order_by(Delivery.due_at, Delivery.id)
            .limit(limit)
        )
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Delivery)
        found = (await session.execute(query)).all()
        if not found:
            return []
        expired, forgotten, items = [], [], []
        default = runtime.settings.default_language
        for row, telegram_id, language, telegram_language in found:
            if row.expires_at is not None and now > row.expires_at:
                log.info(
                    "Delivery %s (%s, due %s) expired unsent at %s",
                    row.id,
                    row.kind,
                    row.due_at.isoformat(),
                    now.isoformat(),
                )
                expired.append(row.id)
            elif telegram_id is None:
                forgotten.append(row.id)
            else:
                due = Due(
                    row.id, row.user_id, row.kind, row.ref_id, dict(row.payload or {}), row.due_at
                )
                items.append(
                    _Item(
                        row.id,
                        telegram_id,
                        pick_language(language, telegram_language, default),
                        row.attempts + 1,
                        row.expires_at,
                        due,
                    )
                )
        if expired:
            await _update_claimable(session, lease, now, expired, status="expired")
        if forgotten:
            await _update_claimable(
                session, lease, now, forgotten, status="cancelled", last_error="user forgotten"
            )
        if not items:
            return []
        taken = await _update_claimable(
            session,
            lease,
            now,
            [item.id for item in items],
            status="sending",
            attempts=Delivery.attempts + 1,
            lease_owner=lease.owner,
            lease_until=lease.until(now),
        )
        return [item for item in items if item.id in taken]


async def _update_claimable(
    session: AsyncSession, lease: Lease, now: datetime, ids: list[int], **values: Any
) -> set[int]:
    """Change the rows of `ids` that are still claimable; the ids changed."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), _claimable(now, lease.owner))
        .values(**values)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.scalars())


async def _give_back(runtime: Runtime, lease: Lease) -> int:
    """Rows this dispatcher still holds between passes (their result could not be
    written) go back to the queue."""
    async with runtime.db.begin() as session:
        result = await session.execute(
            update(Delivery)
            .where(Delivery.status == "sending", Delivery.lease_owner == lease.owner)
            .values(status="pending", lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


async def _renew(runtime: Runtime, lease: Lease) -> int:
    """Extend the lease on every row this dispatcher holds; how many it holds."""
    now = runtime.clock()
    async with runtime.db.begin() as session:
        result = await session.execute(
            update(Delivery)
            .where(Delivery.status == "sending", Delivery.lease_owner == lease.owner)
            .values(lease_until=lease.until(now))
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


class _Recorder:
    """Results written together: a group commit that each worker waits for.

    A worker records its result, then `commit()`s before it takes the next row; the
    results of every worker that finished meanwhile go into the same transaction. So a
    crash can repeat only the sends that were in flight, at most one per worker.
    """

    def __init__(self, owner: Dispatcher, runtime: Runtime) -> None:
        self.owner = owner
        self.runtime = runtime
        self.sent: list[int] = []
        self.other: list[tuple[int, dict[str, Any]]] = []
        self.sent_total = 0
        self._recorded = 0  # results recorded so far
        self._committed = 0  # of which written
        self._lock = asyncio.Lock()

    def record(self, delivery_id: int, **values: Any) -> None:
        self._recorded += 1
        if values.get("status") == "sent" and len(values) == 1:
            self.sent.append(delivery_id)
            self.sent_total += 1
        else:
            self.other.append((delivery_id, values))

    async def commit(self) -> None:
        """Return once every result recorded before this call is written."""
        target = self._recorded
        async with self._lock:
            if self._committed >= target:
                return  # a commit that finished meanwhile wrote it
            upto, sent, other = self._recorded, self.sent, self.other
            self.sent, self.other = [], []
            for attempt in range(COMMIT_TRIES):
                try:
                    await self._write(sent, other)
                    break
                except Exception:
                    if attempt + 1 == COMMIT_TRIES:
                        self.owner.unwritten = True
                        log.exception(
                            "Results of %d delivery(ies) could not be written; they stay "
                            "'sending' until the next pass puts them back in the queue",
                            len(sent) + len(other),
                        )
                        raise
                    await asyncio.sleep(BACKOFF * 2**attempt)
            self._committed = upto

    async def _write(self, sent: list[int], other: list[tuple[int, dict[str, Any]]]) -> None:
        async with self.runtime.db.begin() as session:
            if sent:
                await session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(sent))
                    .values(status="sent", sent_at=self.runtime.clock(), last_error=None)
                )
            for delivery_id, values in other:
                await session.execute(
                    update(Delivery).where(Delivery.id == delivery_id).values(**values)
                )


def _release(recorder: _Recorder, item: _Item) -> None:
    """Back to the queue untried (stopping): this claim does not count as an attempt."""
    recorder.record(
        item.id,
        status="pending",
        attempts=Delivery.attempts - 1,
        lease_owner=None,
        lease_until=None,
    )


def _retry_after(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that it will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def claim_size_for(rate: float, workers: int) -> int:
    """Rows claimed at a time: about CLAIM_SECONDS of sending, so that other instances
    get their share and a crash holds few rows back until their lease runs out."""
    if rate <= 0:
        return BATCH
    return max(2 * workers, min(BATCH, int(rate * CLAIM_SECONDS)))


def workers_for(rate: float) -> int:
    """Concurrent sends: enough to keep up with `rate` while some wait for a retry."""
    if rate <= 0:
        return 16
    return max(4, min(16, int(rate / 30) + 1))


class Dispatcher:
    """One per Application: the limiter, the workers and the background pass."""

    def __init__(self, application: Application) -> None:  # type: ignore[type-arg]
        self.application = application
        self.runtime: Runtime = application.bot_data[RUNTIME_KEY]
        rate = self.runtime.settings.broadcast_rate
        self.limiter = BroadcastLimiter(rate)
        self.workers = workers_for(rate)
        self.claim_size = claim_size_for(rate, self.workers)
        self.lease = Lease.new(self.runtime.settings.outbox_lease_seconds)
        self.unwritten = False  # a pass could not write some results: give those rows back
        self._hungry = asyncio.Event()  # the workers are about to run out of rows
        self.backoff = BACKOFF
        self.lock = asyncio.Lock()
        self.stopping = False
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self.beat: float | None = None  # time.monotonic() when its loop last ran (/health)

    # -- one pass: send everything that is due --------------------------------------------

    async def run(self) -> int:
        self.beat = time.monotonic()
        async with self.lock:
            if self.stopping:
                return 0
            if self.unwritten:
                await _give_back(self.runtime, self.lease)
                self.unwritten = False
            recorder = _Recorder(self, self.runtime)
            queue: asyncio.Queue[_Item] = asyncio.Queue(maxsize=self.claim_size)
            workers = [
                asyncio.create_task(self._worker(queue, recorder)) for _ in range(self.workers)
            ]
            renewer = asyncio.create_task(self._renew_often())
            try:
                await self._feed(queue, recorder)
                await queue.join()
            finally:
                for task in (*workers, renewer):
                    task.cancel()
                await asyncio.gather(*workers, renewer, return_exceptions=True)
                with contextlib.suppress(Exception):
                    await recorder.commit()
            return recorder.sent_total

    async def _feed(self, queue: asyncio.Queue[_Item], recorder: _Recorder) -> None:
        drained = False
        hooks_ran = -HOOKS_EVERY
        loop = asyncio.get_running_loop()
        while not self.stopping:
            self.beat = time.monotonic()
            now = self.runtime.clock()
            if drained or loop.time() - hooks_ran >= HOOKS_EVERY:
                await _run_hooks(self.runtime, now)
                hooks_ran = loop.time()
            claimed = await _claim(self.runtime, self.lease, now, self.claim_size)
            if not claimed:
                if drained:
                    return
                # Let what is in flight finish, then look once more: hooks may have
                # something new (an announcement's report once its last message is out).
                await queue.join()
                drained = True
                continue
            drained = False
            for item in claimed:
                await queue.put(item)
            # The next claim only when the workers are about to run out: other instances
            # get their share, and a crash holds back few unsent rows.
            self._hungry.clear()
            if queue.qsize() > self.workers:
                await self._hungry.wait()

    async def _renew_often(self) -> None:
        """Keep this pass's claims (a 429 pause or a slow API can hold rows for long)."""
        while True:
            await asyncio.sleep(self.lease.seconds / RENEWALS)
            try:
                await _renew(self.runtime, self.lease)
            except Exception:
                log.exception("Renewing the outbox lease failed; trying again")

    async def _worker(self, queue: asyncio.Queue[_Item], recorder: _Recorder) -> None:
        while True:
            item = await queue.get()
            if queue.qsize() <= self.workers:
                self._hungry.set()
            try:
                await self._handle(item, recorder)
                with contextlib.suppress(Exception):  # logged by the recorder
                    await recorder.commit()  # written before this worker takes the next row
            finally:
                queue.task_done()

    async def _handle(self, item: _Item, recorder: _Recorder) -> None:
        try:
            if self.stopping:
                _release(recorder, item)
            else:
                await self._deliver(item, recorder)
        except Exception:
            log.exception("Delivery %s could not be sent", item.id)
            recorder.record(item.id, status="failed", last_error="internal error")

    async def _deliver(self, item: _Item, recorder: _Recorder) -> None:
        runtime = self.runtime
        if item.expires_at is not None and runtime.clock() > item.expires_at:
            log.info("Delivery %s (%s) expired unsent", item.id, item.due.kind)
            recorder.record(item.id, status="expired")
            return
        renderer = _renderers.get(item.due.kind)
        if renderer is None:
            log.error("No renderer for delivery kind %r (delivery %s)", item.due.kind, item.id)
            recorder.record(item.id, status="failed", last_error="no renderer")
            return
        tr = translator_for(item.language, runtime.settings.tz).at(runtime.clock())  # type: ignore[arg-type]
        outgoing = await renderer(runtime, item.due, tr)
        if outgoing is None:
            recorder.record(item.id, status="cancelled")
            return
        reply_markup = markup(outgoing.buttons)
        tries = pauses = 0
        while True:
            if self.stopping:
                _release(recorder, item)
                return
            send = await self.limiter.acquire(item.chat_id, lambda: self.stopping)
            if send is None:
                continue  # stopping: back to the queue (above)
            if item.chat_id in runtime.forgotten_chats:  # /forget while it was in flight
                send.done()
                recorder.record(item.id, status="cancelled")
                return
            try:
                with send:  # it counts in the limiter's window until its answer is back
                    if outgoing.document is not None:
                        filename, content = outgoing.document
                        await self.application.bot.send_document(
                            item.chat_id,
                            InputFile(content, filename=filename),
                            caption=outgoing.text,
                            reply_markup=reply_markup,
                        )
                    else:
                        await self.application.bot.send_message(
                            item.chat_id, outgoing.text, reply_markup=reply_markup
                        )
            except RetryAfter as error:
                seconds = _retry_after(error)
                self.limiter.pause(seconds)
                pauses += 1
                log.warning("429: every broadcast send waits %.1f s", seconds)
                if pauses >= MAX_PAUSES:
                    later = runtime.clock() + timedelta(seconds=seconds)
                    recorder.record(
                        item.id, status="pending", due_at=later, last_error=str(error)[:300]
                    )
                    return
                continue
            except Forbidden as error:
                recorder.record(item.id, status="unreachable", last_error=str(error)[:300])
                return
            except BadRequest as error:  # will not get better by retrying
                status = "unreachable" if "chat not found" in str(error).lower() else "failed"
                log.error("Delivery %s rejected: %s", item.id, error)
                recorder.record(item.id, status=status, last_error=str(error)[:300])
                return
            except TelegramError as error:  # network, timeout, 5xx
                tries += 1
                if tries < TRIES:
                    await asyncio.sleep(self.backoff * 2 ** (tries - 1))
                    continue
                retry = item.attempts < MAX_ATTEMPTS
                log.warning(
                    "Delivery %s failed %d times (%s)%s",
                    item.id,
                    tries,
                    error,
                    "; trying again later" if retry else "",
                )
                values: dict[str, Any] = {
                    "status": "pending" if retry else "failed",
                    "last_error": str(error)[:300],
                }
                if retry:
                    values["due_at"] = runtime.clock() + LATER * item.attempts
                recorder.record(item.id, **values)
                return
            recorder.record(item.id, status="sent")
            return

    # -- waking up ----------------------------------------------------------------------

    def kick(self) -> None:
        """Run a pass in the background now (or once more after the running one)."""
        if self.stopping:
            return
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._background())
        else:
            self._again = True

    async def settle(self) -> None:
        """Wait until the background pass (if any) has finished."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _background(self) -> None:
        while True:
            self._again = False
            try:
                await self.run()
                await self.schedule_next()
            except Exception:
                log.exception("The dispatcher's pass failed; the next wake-up tries again")
            if not self._again or self.stopping:
                return

    async def next_due(self) -> datetime | None:
        async with self.runtime.db() as session:
            first = await session.scalar(
                select(func.min(Delivery.due_at)).where(Delivery.status == "pending")
            )
            # Rows another instance holds: taken here if its lease runs out (it died).
            lease_ends = await session.scalar(
                select(func.min(Delivery.lease_until)).where(Delivery.status == "sending")
            )
        moments = [moment for moment in (first, lease_ends) if moment is not None]
        for _, next_due in _hooks:
            if next_due is not None:
                moment = await next_due(self.runtime)
                if moment is not None:
                    moments.append(moment)
        return min(moments, default=None)

    async def schedule_next(self) -> None:
        """A one-off wake-up at the earliest due time (the minute timer covers the rest)."""
        job_queue = self.application.job_queue
        if job_queue is None or self.stopping:
            return
        moment = await self.next_due()
        for job in job_queue.get_jobs_by_name(NEXT_WAKE):
            job.schedule_removal()
        if moment is None:
            return
        delay = max(0.0, (moment - self.runtime.clock()).total_seconds())
        job_queue.run_once(
            _wake, when=delay, name=NEXT_WAKE, job_kwargs={"misfire_grace_time": None}
        )

    async def stop(self) -> None:
        """Finish the messages in flight, put the rest back in the queue, and stop."""
        self.stopping = True
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
        async with self.lock:  # a pass someone else started
            pass


def dispatcher(application: Application) -> Dispatcher:  # type: ignore[type-arg]
    found = application.bot_data.get(DISPATCHER_KEY)
    if found is None:
        found = application.bot_data[DISPATCHER_KEY] = Dispatcher(application)
    return found


async def _run_hooks(runtime: Runtime, now: datetime) -> None:
    for hook, _ in _hooks:
        try:
            await hook(runtime, now)
        except Exception:
            log.exception("Dispatcher hook %s failed", getattr(hook, "__name__", hook))


async def dispatch_due(application: Application) -> int:  # type: ignore[type-arg]
    """Send every delivery that is due now; return how many were sent."""
    return await dispatcher(application).run()


def wake(application: Application) -> None:  # type: ignore[type-arg]
    """Something new was enqueued: look now (in the background), and plan the next wake."""
    dispatcher(application).kick()


async def _wake(context: ContextTypes.DEFAULT_TYPE) -> None:
    dispatcher(context.application).kick()


async def start_dispatcher(application: Application) -> None:  # type: ignore[type-arg]
    """Called at start-up: recover half-sent rows, then wake now and every minute."""
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    recovered = await recover(runtime)
    if recovered:
        log.warning("%d delivery(ies) were in flight at the last stop; sending again", recovered)
    if application.job_queue is not None:
        # Not `first=0`: APScheduler skips a first run whose time passed before the
        # scheduler started, so the start-up pass is kicked off directly below.
        application.job_queue.run_repeating(
            _wake,
            interval=WAKE_EVERY,
            first=WAKE_EVERY,
            name="dispatcher",
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
    dispatcher(application).kick()


async def stop_dispatcher(application: Application) -> None:  # type: ignore[type-arg]
    """Called when stopping: no new sends; what is in flight finishes and is recorded."""
    found = application.bot_data.get(DISPATCHER_KEY)
    if found is not None:
        await found.stop()

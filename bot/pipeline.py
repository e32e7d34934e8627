"""From Telegram to the handlers: store every update first, then handle it.

    getUpdates -> store (one transaction per batch) -> only then ask for the next batch
               -> lanes: one per sender, in arrival order; up to UPDATE_CONCURRENCY
                  updates handled at once across lanes; a free slot goes to a typed
                  message (a command, a question) before a button press, and an eighth
                  of the slots is only for typed messages
               -> Application.process_update -> mark done (many at once in one commit)

Telegram treats an update as received when the next getUpdates asks past it, so an update
is never confirmed before it is in the database. A stored update is leased to the instance
that stored it (renewed while it runs); what an instance stored but did not handle before
it stopped is taken over, once its lease has run out, by another instance or the next start
(at once after a clean stop, which gives its leases up). A second delivery of a stored update id is
ignored. An update whose handlers keep failing is tried UPDATE_ATTEMPTS times, then
parked (its row stays, with the error's type) and the sender's next updates go on.

The priority keeps short interactions quick during a rush: when a thousand people press
"Register" at once, someone who types /start or asks the FAQ takes a slot kept for typed
messages (or, with those taken too, the next free slot), not a place behind the presses.

Handlers of one sender never overlap, so a dialog sees its answers in the order they were
typed. Different senders run concurrently; what they share (seats, the FAQ, surveys) is
guarded by the database (write transactions, unique keys), not by running one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import secrets
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.error import Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from storage import inbox
from storage.batching import GroupCommit
from storage.db import Database
from storage.inbox import Stored
from storage.priority import PrioritySemaphore

log = logging.getLogger(__name__)

PIPELINE_KEY = "pipeline"
POLL_TIMEOUT = 10  # seconds a getUpdates may wait for something to arrive
POLL_LIMIT = 100
TYPED_SHARE = 8  # 1/8 of UPDATE_CONCURRENCY is kept for typed messages
# Updates accepted and not yet handled before polling pauses. Large enough to take a whole
# rush in (a few MB), so a message that arrives behind it is seen and given the next slot.
MAX_WAITING = 4000
RETRY_DELAYS = (0.2, 1.0, 3.0)  # before the 2nd, 3rd, later attempts
MAX_RECOVERIES = 3  # starts that find an update unhandled before it is parked
KEEP_HANDLED = timedelta(days=2)  # Telegram redelivers an unconfirmed update for a day


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Attempt:
    """The handling of one update, as the error handler sees it."""

    final: bool
    task: asyncio.Task[Any] | None
    failure: BaseException | None = None


_attempt: ContextVar[Attempt | None] = ContextVar("update_attempt", default=None)


def note_failure(error: BaseException | None) -> bool:
    """Called by the error handler. Returns True when the user should be told: on the
    last attempt, or for an update handled outside the pipeline."""
    attempt = _attempt.get()
    # A task started while handling inherits the variable; its errors are its own.
    if attempt is None or attempt.task is not asyncio.current_task():
        return True
    attempt.failure = error
    return attempt.final


# Features whose updates must never be stored (anonymous survey answers: the raw update
# pairs the person with the answer) register a check here. It gets the database and a
# batch of raw updates and returns the ids of those to keep out of the database: they are
# handled from memory, and a crash before they are handled loses them (the person can
# press or type again). A stored placeholder keeps the update id for duplicates.
PrivateCheck = Callable[[Database, Sequence[dict[str, Any]]], Awaitable[set[int]]]
REDACTED = "redacted"
PRIVATE_CHECKS_KEY = "private_checks"


def private_checks(application: Application) -> list[PrivateCheck]:  # type: ignore[type-arg]
    return application.bot_data.setdefault(PRIVATE_CHECKS_KEY, [])


def keep_out_of_storage(application: Application, check: PrivateCheck) -> None:  # type: ignore[type-arg]
    checks = private_checks(application)
    if check not in checks:
        checks.append(check)


def lane_of(raw: dict[str, Any]) -> int | None:
    """Whose order this update belongs to: the sender, else the chat."""
    for key, content in raw.items():
        if key == "update_id" or not isinstance(content, dict):
            continue
        for field in ("from", "user"):
            person = content.get(field)
            if isinstance(person, dict) and isinstance(person.get("id"), int):
                return person["id"]
        chat = content.get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return chat["id"]
    return None


def kind_of(payload: str) -> str:
    """The update's kind (message, callback_query...) for logs: never its content."""
    with contextlib.suppress(ValueError, AttributeError):
        for key in json.loads(payload):
            if key != "update_id":
                return str(key)
    return "unreadable"


async def _finish_batch(session: AsyncSession, requests: Sequence[int]) -> list[Exception | None]:
    await inbox.finish(session, requests, now())
    return [None] * len(requests)


_Queued = tuple[Stored, dict[str, Any] | None, asyncio.Future[str]]


def is_typed(data: dict[str, Any]) -> bool:
    """A typed message (command or text), served before button presses."""
    return "message" in data


def instance_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class Pipeline:
    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        db: Database,
        *,
        concurrency: int,
        attempts: int,
        lease_seconds: float = 30.0,
    ) -> None:
        self.application = application
        self.db = db
        self.attempts = attempts
        # Stored updates are this instance's for `lease` unrenewed (renewed every lease/4).
        self.owner = instance_id()
        self.lease = timedelta(seconds=lease_seconds)
        self._keeper: asyncio.Task[None] | None = None
        self._held: set[int] = set()  # update ids queued here, not yet handled
        # An eighth of the slots is kept for typed messages: during a rush of presses a
        # /start or a question starts at once instead of waiting for a press to finish.
        self._slots = PrioritySemaphore(concurrency, reserved=concurrency // TYPED_SHARE)
        self._max_waiting = max(MAX_WAITING, 4 * concurrency)
        self._lanes: dict[object, deque[_Queued]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._finisher: GroupCommit[int, None] = GroupCommit(_finish_batch, urgent=True)
        self.waiting = 0  # accepted, not yet handled
        self._room = asyncio.Event()
        self._room.set()
        # Told each update's outcome ("done", "parked") and seconds from queued to handled.
        self.on_handled: Callable[[str, float], None] | None = None

    # -- intake ------------------------------------------------------------------------

    async def accept(self, raw_updates: Sequence[dict[str, Any]]) -> list[asyncio.Future[str]]:
        """Store updates (ignoring ids already stored) and queue the new ones. Returns a
        future per new update that says "done" or "parked" once it is handled."""
        private: set[int] = set()
        for check in private_checks(self.application):
            private |= await check(self.db, raw_updates)
        arrivals = [
            Stored(
                int(raw["update_id"]),
                lane_of(raw),
                json.dumps({"update_id": raw["update_id"], REDACTED: True})
                if int(raw["update_id"]) in private
                else json.dumps(raw, ensure_ascii=False),
            )
            for raw in raw_updates
        ]
        stamp = now()
        fresh = await inbox.store(self.db, arrivals, stamp, self.owner, stamp + self.lease)
        parsed: dict[int, dict[str, Any]] = {}
        for raw in raw_updates:
            parsed.setdefault(int(raw["update_id"]), raw)
        return [self.submit(stored, parsed[stored.update_id]) for stored in fresh]

    async def receive(self, raw: dict[str, Any]) -> None:
        """One update from a webhook request: returns once it is stored (and queued), so
        the request may be answered 200; raises if it could not be stored. An update id
        already stored, here or by another instance on the same database, is ignored."""
        await self._room.wait()  # a long backlog waits at Telegram, not in memory
        try:
            await self.accept([raw])
        except IntegrityError:  # another instance stored the same id just now
            await self.accept([raw])

    async def recover(self) -> int:
        """Forget old handled rows, take over what no live instance holds (left by an
        earlier run, or by an instance that stopped), then keep doing so while running."""
        await inbox.prune(self.db, now() - KEEP_HANDLED)
        adopted = await self.adopt()
        if self._keeper is None:
            self._keeper = asyncio.create_task(self._keep_leases(), name="inbound-leases")
        return adopted

    async def adopt(self) -> int:
        """Queue the stored, unhandled updates whose lease ran out, in update-id order."""
        stamp = now()
        waiting, parked = await inbox.adopt(
            self.db, self.owner, stamp + self.lease, MAX_RECOVERIES, stamp
        )
        if parked:
            log.error("Parked %d update(s) found unhandled %d times", parked, MAX_RECOVERIES)
        fresh = [stored for stored in waiting if stored.update_id not in self._held]
        for stored in fresh:
            self.submit(stored)
        if fresh:
            log.info("Handling %d update(s) an earlier or stopped instance left", len(fresh))
        return len(fresh)

    async def _keep_leases(self) -> None:
        """Renew this instance's leases and adopt expired ones, every lease/4."""
        period = self.lease.total_seconds() / 4
        while True:
            await asyncio.sleep(period)
            try:
                await inbox.renew(self.db, self.owner, now() + self.lease)
                await self.adopt()
            except Exception:
                log.exception("Could not renew or adopt stored updates; trying again")

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling until `stop` is set. Asks for the next batch only after storing
        this one: that is what confirms it to Telegram."""
        offset: int | None = None
        failures = 0
        bot = self.application.bot
        while not stop.is_set():
            await self._room.wait()  # a long backlog waits at Telegram, not in memory
            try:
                # The raw answer, not Bot.get_updates: that parses the whole batch first,
                # and one update it cannot parse would stop polling for good. Here each
                # update is stored as it came; one that cannot be read is parked alone.
                raw = await bot._post(
                    "getUpdates",
                    {
                        "offset": offset,
                        "timeout": POLL_TIMEOUT,
                        "limit": POLL_LIMIT,
                        "allowed_updates": Update.ALL_TYPES,
                    },
                    read_timeout=POLL_TIMEOUT + 10,
                )
                if raw:
                    await self.accept(raw)
                    offset = max(int(update["update_id"]) for update in raw) + 1
                failures = 0
            except InvalidToken:
                raise
            except RetryAfter as error:
                await _sleep_or_stop(stop, _seconds(error.retry_after))
            except (TelegramError, OSError) as error:
                failures += 1
                log.warning("Polling failed (%s); trying again", type(error).__name__)
                await _sleep_or_stop(stop, min(30.0, 0.5 * 2 ** min(failures, 6)))
            except Exception:
                failures += 1
                log.exception("Could not store updates; asking for them again")
                await _sleep_or_stop(stop, min(30.0, 0.5 * 2 ** min(failures, 6)))

    # -- processing --------------------------------------------------------------------

    def submit(self, stored: Stored, raw: dict[str, Any] | None = None) -> asyncio.Future[str]:
        """Queue a stored update in its sender's lane; `raw`: its JSON, already parsed."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if self.on_handled is not None:
            future.add_done_callback(_reporter(self.on_handled, time.monotonic()))
        self._held.add(stored.update_id)
        future.add_done_callback(lambda _: self._held.discard(stored.update_id))
        key: object = stored.lane if stored.lane is not None else ("update", stored.update_id)
        lane = self._lanes.get(key)
        self._count(+1)
        if lane is None:
            lane = self._lanes[key] = deque()
            lane.append((stored, raw, future))
            task = asyncio.create_task(self._run_lane(key, lane), name=f"lane:{stored.update_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            lane.append((stored, raw, future))
        return future

    def _count(self, change: int) -> None:
        self.waiting += change
        if self.waiting >= self._max_waiting:
            self._room.clear()
        else:
            self._room.set()

    async def _run_lane(self, key: object, lane: deque[_Queued]) -> None:
        try:
            while lane:
                stored, raw, future = lane[0]
                outcome = await self._handle(stored, raw)
                lane.popleft()
                self._count(-1)
                if not future.done():
                    future.set_result(outcome)
        finally:
            if self._lanes.get(key) is lane:
                del self._lanes[key]
            for _, _, future in lane:  # cancelled at shutdown: still stored, handled next start
                self._count(-1)
                future.cancel()

    async def _handle(self, stored: Stored, raw: dict[str, Any] | None) -> str:
        try:
            data = raw if raw is not None else json.loads(stored.payload)
        except ValueError as error:
            log.error("Update %d parked: stored unreadable", stored.update_id)
            await self._park(stored.update_id, type(error).__name__)
            return inbox.PARKED
        if raw is None and REDACTED in data:
            log.info(
                "Update %d was kept out of storage and is gone after a restart", stored.update_id
            )
            await self._mark_done(stored.update_id)
            return inbox.DONE
        urgent = is_typed(data)
        for number in range(1, self.attempts + 1):
            # The slot is held until the update is marked done (or parked): at any moment
            # at most UPDATE_CONCURRENCY updates are started and not yet recorded, which
            # bounds what a crash can make run twice.
            async with self._slots.held(urgent):
                failure = await self._try(data, final=number == self.attempts)
                if failure is None or isinstance(failure, Forbidden):
                    await self._mark_done(stored.update_id)  # Forbidden: blocked, no one to answer
                    return inbox.DONE
                kind = kind_of(stored.payload)
                if number == self.attempts:
                    log.error(
                        "Update %d (%s) parked after %d attempt(s): %s",
                        stored.update_id,
                        kind,
                        number,
                        type(failure).__name__,
                    )
                    await self._park(stored.update_id, type(failure).__name__)
                    return inbox.PARKED
            log.warning(
                "Update %d (%s) failed (%s); trying again",
                stored.update_id,
                kind,
                type(failure).__name__,
            )
            await asyncio.sleep(RETRY_DELAYS[min(number, len(RETRY_DELAYS)) - 1])
        raise AssertionError("unreachable")

    async def _try(self, data: dict[str, Any], *, final: bool) -> BaseException | None:
        """One attempt; returns what failed, if anything (a handler's error included)."""
        attempt = Attempt(final=final, task=asyncio.current_task())
        token = _attempt.set(attempt)
        try:
            await self.application.process_update(Update.de_json(data, self.application.bot))
        except Exception as error:
            attempt.failure = error
        finally:
            _attempt.reset(token)
        return attempt.failure

    async def _mark_done(self, update_id: int) -> None:
        try:
            await self._finisher.submit(self.db, update_id)
        except Exception:  # handled; it will be handled again after a restart
            log.exception("Could not mark update %d handled", update_id)

    async def _park(self, update_id: int, error: str) -> None:
        try:
            await inbox.park(self.db, update_id, error, now())
        except Exception:
            log.exception("Could not park update %d", update_id)

    async def drain(self, within: float) -> bool:
        """Wait for queued updates to be handled; cancel what is left after `within` s
        (it stays stored; its lease is given up, so the next start or another instance
        handles it at once). True if all were handled."""
        await self._stop_keeping()
        if not self._tasks:
            await self._release()
            return True
        _, pending = await asyncio.wait(set(self._tasks), timeout=within)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
            log.info(
                "Stopped with %d sender(s) still waiting; handled at the next start", len(pending)
            )
        await self._release()
        return not pending

    async def _stop_keeping(self) -> None:
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _release(self) -> None:
        try:
            await inbox.release(self.db, self.owner)
        except Exception:  # they are taken over once their lease runs out instead
            log.exception("Could not give up the leases of unhandled updates")


def _reporter(
    on_handled: Callable[[str, float], None], queued: float
) -> Callable[[asyncio.Future[str]], None]:
    def report(future: asyncio.Future[str]) -> None:
        if not future.cancelled():
            on_handled(future.result(), time.monotonic() - queued)

    return report


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def pipeline_of(application: Application) -> Pipeline:  # type: ignore[type-arg]
    return application.bot_data[PIPELINE_KEY]


def install(
    application: Application,  # type: ignore[type-arg]
    db: Database,
    *,
    concurrency: int,
    attempts: int,
    lease_seconds: float = 30.0,
) -> Pipeline:
    pipeline = Pipeline(
        application, db, concurrency=concurrency, attempts=attempts, lease_seconds=lease_seconds
    )
    application.bot_data[PIPELINE_KEY] = pipeline
    return pipeline


# How updates come in until `stop` is set: long polling (Pipeline.poll), or a webhook
# server (bot/server.py) that calls Pipeline.receive.
Intake = Callable[["Pipeline", asyncio.Event], Awaitable[None]]


async def long_polling(pipeline: Pipeline, stop: asyncio.Event) -> None:
    await pipeline.application.bot.delete_webhook(drop_pending_updates=False)
    await pipeline.poll(stop)


async def serve(
    application: Application,  # type: ignore[type-arg]
    stop: asyncio.Event,
    drain_within: float = 20.0,
    intake: Intake = long_polling,
) -> None:
    """Run the bot until `stop` is set: what `kopiena run` does instead of run_polling."""
    from bot.app import on_shutdown, on_startup, on_stop  # the Application's hooks

    await application.initialize()
    try:
        await on_startup(application)
        await application.start()
        pipeline = pipeline_of(application)
        await pipeline.recover()
        # What start-up built (modules, the FAQ's search index...) lives as long as the
        # process: from now on the garbage collector's full passes skip it instead of
        # walking it again while updates wait (0.1 s or more each, in a rush). Handling an
        # update makes a few thousand short-lived objects; a young pass every 10,000 new
        # ones instead of 700 halves the collector's time in a rush (0.25 -> 0.13 s).
        gc.collect()
        gc.freeze()
        gc.set_threshold(10_000, 10, 10)
        poller = asyncio.create_task(intake(pipeline, stop), name="intake")
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({poller, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        if poller.done():
            poller.result()  # InvalidToken or a bug: raise it
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
        await pipeline.drain(drain_within)
        await application.stop()
        await on_stop(application)
    finally:
        await application.shutdown()
        await on_shutdown(application)

"""The sender: one per Application; it sends what the queue says is due.

The job queue only wakes it (at start-up, every minute, and at the next due time); the
database says what is due. A pass first takes (or renews) the sending lead
(bot/outbox/leader.py): only the instance holding it sends, so BROADCAST_RATE holds
over all instances together. It then claims due rows with leases (bot/outbox/queue.py)
and hands them to a bounded set of worker tasks, enough to reach the rate.

Sending goes through `BroadcastLimiter` (bot/outbox/limiter.py): the overall rate, one
message per second per chat, and a 429 pauses every broadcast send for its
`retry_after`, after which the message is tried again. Network errors, timeouts and
5xx are retried with backoff a bounded number of times, then the row is failed; a 403
marks it unreachable and is not retried. Each worker waits until its result is written
before it takes the next row, so a crash repeats at most the sends in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from telegram import InputFile
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes
from telegram.warnings import PTBDeprecationWarning

from bot.i18n import translator_for
from bot.outbox.leader import Leader
from bot.outbox.limiter import BroadcastLimiter
from bot.outbox.queue import BATCH, Item, Lease, Recorder, claim, give_back, recover, renew
from bot.outbox.registry import Hook, NextDue, Registry, Renderer
from bot.runtime import RUNTIME_KEY, Runtime
from bot.screens.keyboard import markup
from storage.models import Delivery, DeliveryStatus

log = logging.getLogger(__name__)

CLAIM_SECONDS = 5  # at the broadcast rate: how much one claim takes
RENEWALS = 4  # times a lease is renewed within its length
HOOKS_EVERY = 5.0  # seconds: hooks run at most this often while a pass keeps claiming
# Claims of one row (each claim tries TRIES times in a row, with backoff in between).
MAX_ATTEMPTS = 3
TRIES = 3
BACKOFF = 0.5  # seconds before the first retry in a claim; doubles each time
LATER = timedelta(minutes=1)  # after a claim's tries failed: next claim after LATER * attempts
MAX_PAUSES = 5  # 429s for one message in one claim before it goes back to the queue
WAKE_EVERY = timedelta(minutes=1)
DISPATCHER_KEY = "dispatcher"
NEXT_WAKE = "dispatcher-next"

Status = DeliveryStatus


def _retry_after(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that it will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def claim_size_for(rate: float, workers: int) -> int:
    """Rows claimed at a time: about CLAIM_SECONDS of sending, so that a crash holds few
    rows back until their lease runs out."""
    if rate <= 0:
        return BATCH
    return max(2 * workers, min(BATCH, int(rate * CLAIM_SECONDS)))


def workers_for(rate: float) -> int:
    """Concurrent sends: enough to keep up with `rate` while some wait for a retry."""
    if rate <= 0:
        return 16
    return max(4, min(16, int(rate / 30) + 1))


class Dispatcher:
    """One per Application: its registry, the limiter, the lead, the workers and the
    background pass."""

    def __init__(self, application: Application) -> None:  # type: ignore[type-arg]
        self.application = application
        self.runtime: Runtime = application.bot_data[RUNTIME_KEY]
        self.registry = Registry()
        rate = self.runtime.settings.broadcast_rate
        self.limiter = BroadcastLimiter(rate)
        self.workers = workers_for(rate)
        self.claim_size = claim_size_for(rate, self.workers)
        self.lease = Lease.new(self.runtime.settings.outbox_lease_seconds)
        self.leader = Leader(self.runtime, self.lease, self.limiter.window)
        self.unwritten = False  # a pass could not write some results: give those rows back
        self._hungry = asyncio.Event()  # the workers are about to run out of rows
        self.backoff = BACKOFF
        self.lock = asyncio.Lock()
        self.stopping = False
        self.beat: float | None = None  # time.monotonic() when its loop last ran (/health)
        self._task: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._again = False

    def _halted(self) -> bool:
        """Stop sending: the application stops, or this instance no longer leads."""
        return self.stopping or not self.leader.holds()

    def _mark_unwritten(self) -> None:
        self.unwritten = True

    # -- one pass: send everything that is due --------------------------------------------

    async def run(self) -> int:
        self.beat = time.monotonic()
        async with self.lock:
            if self.stopping or not await self.leader.take():
                return 0
            if self.unwritten:
                await give_back(self.runtime, self.lease)
                self.unwritten = False
            recorder = Recorder(self.runtime, self.lease, self._mark_unwritten)
            queue: asyncio.Queue[Item] = asyncio.Queue(maxsize=self.claim_size)
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

    async def _feed(self, queue: asyncio.Queue[Item], recorder: Recorder) -> None:
        drained = False
        hooks_ran = -HOOKS_EVERY
        loop = asyncio.get_running_loop()
        while not self._halted():
            now = self.runtime.clock()
            if drained or loop.time() - hooks_ran >= HOOKS_EVERY:
                await self.registry.run_hooks(self.runtime, now)
                hooks_ran = loop.time()
            claimed = await claim(self.runtime, self.lease, now, self.claim_size)
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
            # The next claim only when the workers are about to run out: a crash holds
            # back few unsent rows.
            self._hungry.clear()
            if queue.qsize() > self.workers:
                await self._hungry.wait()

    async def _renew_often(self) -> None:
        """Keep the lead and this pass's claims (a 429 pause or a slow API can hold rows
        for long)."""
        while True:
            await asyncio.sleep(self.lease.seconds / RENEWALS)
            try:
                await self.leader.take()
                await renew(self.runtime, self.lease)
            except Exception:
                log.exception("Renewing the outbox lease failed; trying again")

    async def _worker(self, queue: asyncio.Queue[Item], recorder: Recorder) -> None:
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

    async def _handle(self, item: Item, recorder: Recorder) -> None:
        try:
            if self._halted():
                recorder.release(item)
            else:
                await self._deliver(item, recorder)
        except Exception:
            log.exception("Delivery %s could not be sent", item.id)
            recorder.record(item.id, Status.FAILED, last_error="internal error")

    async def _deliver(self, item: Item, recorder: Recorder) -> None:
        runtime = self.runtime
        if item.expires_at is not None and runtime.clock() > item.expires_at:
            log.info("Delivery %s (%s) expired unsent", item.id, item.due.kind)
            recorder.record(item.id, Status.EXPIRED)
            return
        renderer = self.registry.renderers.get(item.due.kind)
        if renderer is None:
            log.error("No renderer for delivery kind %r (delivery %s)", item.due.kind, item.id)
            recorder.record(item.id, Status.FAILED, last_error="no renderer")
            return
        tr = translator_for(item.language, runtime.settings.tz).at(runtime.clock())  # type: ignore[arg-type]
        outgoing = await renderer(runtime, item.due, tr)
        if outgoing is None:
            recorder.record(item.id, Status.CANCELLED)
            return
        reply_markup = markup(outgoing.buttons)
        tries = pauses = 0
        while True:
            if self._halted():
                recorder.release(item)
                return
            send = await self.limiter.acquire(item.chat_id, self._halted)
            if send is None:
                continue  # stopping or no longer leading: back to the queue (above)
            if item.chat_id in runtime.forgotten_chats:  # /forget while it was in flight
                send.done()
                recorder.record(item.id, Status.CANCELLED)
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
                        item.id, Status.PENDING, due_at=later, last_error=str(error)[:300]
                    )
                    return
                continue
            except Forbidden as error:
                recorder.record(item.id, Status.UNREACHABLE, last_error=str(error)[:300])
                return
            except BadRequest as error:  # will not get better by retrying
                unreachable = "chat not found" in str(error).lower()
                log.error("Delivery %s rejected: %s", item.id, error)
                recorder.record(
                    item.id,
                    Status.UNREACHABLE if unreachable else Status.FAILED,
                    last_error=str(error)[:300],
                )
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
                values: dict[str, Any] = {"last_error": str(error)[:300]}
                if retry:
                    values["due_at"] = runtime.clock() + LATER * item.attempts
                recorder.record(item.id, Status.PENDING if retry else Status.FAILED, **values)
                return
            recorder.record(item.id, Status.SENT)
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
        """When this instance next has something to send (None while another instance
        leads: then asking for the lead on the ticker's beat is all it does)."""
        if self.leader.until is None:
            return None
        async with self.runtime.db() as session:
            first = await session.scalar(
                select(func.min(Delivery.due_at)).where(Delivery.status == Status.PENDING)
            )
            # Rows another instance holds: taken here if its lease runs out (it died).
            lease_ends = await session.scalar(
                select(func.min(Delivery.lease_until)).where(Delivery.status == Status.SENDING)
            )
        moments = [moment for moment in (first, lease_ends) if moment is not None]
        moments += await self.registry.next_due(self.runtime)
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

    # -- the lead -------------------------------------------------------------------------

    def start(self) -> None:
        """Ask for (or keep) the lead on a steady beat while the application runs."""
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._keep_lead())

    async def _keep_lead(self) -> None:
        while not self.stopping:
            self.beat = time.monotonic()
            await asyncio.sleep(self.lease.seconds / RENEWALS)
            try:
                had_it = self.leader.until is not None
                if not await self.leader.take():
                    continue
                if not had_it:
                    log.info("This instance now sends the outbox")
                    self.kick()  # take over what the last holder left
                elif self.leader.contended and not self.lock.locked():
                    # Others enqueue too, and their wake-ups do not reach this process.
                    moment = await self.next_due()
                    if moment is not None and moment <= self.runtime.clock():
                        self.kick()
            except Exception:
                log.exception("Keeping the outbox lead failed; trying again")

    async def stop(self) -> None:
        """Finish the messages in flight, put the rest back in the queue, let go of the
        lead, and stop."""
        self.stopping = True
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(BaseException):
                await self._ticker
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
        async with self.lock:  # a pass someone else started
            pass
        if self.leader.until is None:
            return
        if self.leader.contended:  # the next holder may start at once: a window apart
            await asyncio.sleep(max(0.0, self.limiter.quiet_at() - time.monotonic()))
        try:
            await self.leader.release()
        except Exception:
            log.exception("Letting go of the outbox lead failed; it passes on when it expires")


def dispatcher(application: Application) -> Dispatcher:  # type: ignore[type-arg]
    found = application.bot_data.get(DISPATCHER_KEY)
    if found is None:
        found = application.bot_data[DISPATCHER_KEY] = Dispatcher(application)
    return found


def register_renderer(application: Application, kind: str, renderer: Renderer) -> None:  # type: ignore[type-arg]
    """How this application turns a delivery of `kind` into a message; returning None
    cancels it."""
    dispatcher(application).registry.add_renderer(kind, renderer)


def register_hook(
    application: Application,  # type: ignore[type-arg]
    hook: Hook,
    next_due: NextDue | None = None,
) -> None:
    """Run `hook(runtime, now)` before every batch this application's sender claims."""
    dispatcher(application).registry.add_hook(hook, next_due)


async def dispatch_due(application: Application) -> int:  # type: ignore[type-arg]
    """Send every delivery that is due now; return how many were sent (0 while another
    instance leads)."""
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
    found = dispatcher(application)
    found.start()
    found.kick()


async def stop_dispatcher(application: Application) -> None:  # type: ignore[type-arg]
    """Called when stopping: no new sends; what is in flight finishes and is recorded."""
    found = application.bot_data.get(DISPATCHER_KEY)
    if found is not None:
        await found.stop()

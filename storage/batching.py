"""Batching: concurrent requests of one kind share a transaction.

Write transactions run one at a time (storage/db.py). When hundreds of people press the
same button at once, each would wait for all the others' transactions in turn. Here they
queue instead; one worker takes everything that queued while the previous batch was being
written and applies it in a single transaction, in arrival order. The rules stay the same
as one at a time, because the batch function applies the requests one after another on
the same session; only the fixed cost of a transaction (begin, reading the event, commit)
is shared.

`apply(session, requests)` returns one result per request, in order. A refusal it
expects is returned as an exception in place of that request's result (nothing may have
been written for that request); its caller gets it raised. Any other failure rolls the
whole batch back; then each request runs again in a transaction of its own, so only the
request that fails gets the error (unless the database itself failed: then they all do).

`GroupRead` does the same for lookups in a read session: every update starts by finding
its sender, and one query for everyone who wrote at that moment costs little more than
one query for one of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Generic, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

Request = TypeVar("Request")
Result = TypeVar("Result")
Apply = Callable[[AsyncSession, Sequence[Request]], Awaitable[list[Result | Exception]]]

MAX_BATCH = 500


class GroupCommit(Generic[Request, Result]):
    """One per database: the database is passed with each request, not kept, so a cache of
    these keyed weakly by database lets the database go."""

    def __init__(self, apply: Apply[Request, Result], *, urgent: bool = False) -> None:
        self._apply = apply
        self._urgent = urgent  # storage/db.py: goes before other writers waiting
        self._queue: list[tuple[Request, asyncio.Future[Result]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, db: async_sessionmaker[AsyncSession], request: Request) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain(db), name="batching")
        return await future

    async def _drain(self, db: async_sessionmaker[AsyncSession]) -> None:
        try:
            while self._queue:
                await self._serve(db)
        finally:  # cancelled while the loop shuts down: nobody is left waiting forever
            for _, future in self._queue:
                future.cancel()
            self._queue.clear()

    def _take(self) -> list[tuple[Request, asyncio.Future[Result]]]:
        batch = self._queue[:MAX_BATCH]
        del self._queue[:MAX_BATCH]
        return [(request, future) for request, future in batch if not future.done()]

    async def _serve(self, db: async_sessionmaker[AsyncSession]) -> None:
        batch: list[tuple[Request, asyncio.Future[Result]]] = []
        try:
            try:
                async with self._transaction(db) as session:
                    # Taken once the transaction has begun (for a writer: once it has the
                    # write lock), so whatever queued during the wait joins this batch.
                    batch = self._take()
                    requests = [request for request, _ in batch]
                    results = await self._apply(session, requests) if requests else []
            except Exception as error:
                batch = batch or self._take()
                if len(batch) <= 1 or isinstance(error, OperationalError):
                    # The database itself failed (locked by another process past the busy
                    # timeout, disk full): one by one would only fail again, slowly.
                    results = [error] * len(batch)
                else:
                    log.warning("A batch of %d failed; running each on its own", len(batch))
                    results = [await self._alone(db, request) for request, _ in batch]
        except BaseException:
            for _, future in batch:
                future.cancel()
            raise
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)

    def _transaction(
        self, db: async_sessionmaker[AsyncSession]
    ) -> AbstractAsyncContextManager[AsyncSession]:
        return db.begin(urgent=True) if self._urgent else db.begin()  # type: ignore[call-arg,return-value]

    async def _alone(
        self, db: async_sessionmaker[AsyncSession], request: Request
    ) -> Result | Exception:
        try:
            async with self._transaction(db) as session:
                return (await self._apply(session, [request]))[0]
        except Exception as error:
            return error


class GroupRead(GroupCommit[Request, Result]):
    def _transaction(
        self, db: async_sessionmaker[AsyncSession]
    ) -> AbstractAsyncContextManager[AsyncSession]:
        return db()

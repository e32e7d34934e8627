"""A semaphore that serves its urgent waiters first."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator


class PrioritySemaphore:
    """A semaphore whose waiters are served urgent first, then in arrival order.

    `reserved` of its slots are for urgent holders only: the others wait once they hold
    `size - reserved`, so an urgent waiter finds a slot free at once unless urgent holders
    fill the reserve too."""

    def __init__(self, size: int, *, reserved: int = 0) -> None:
        if not 0 <= reserved < size:
            raise ValueError("reserved must leave at least one slot for everyone")
        self._free = size
        self._reserved = reserved
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()

    def _floor(self, urgent: bool) -> int:
        """Free slots that must remain after this holder takes one."""
        return 0 if urgent else self._reserved

    async def acquire(self, urgent: bool) -> None:
        queue = self._urgent if urgent else self._normal
        if self._free > self._floor(urgent) and not self._urgent and not queue:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # given the slot just as it was cancelled: pass it on
            elif waiter in queue:
                queue.remove(waiter)
            raise

    def release(self) -> None:
        self._free += 1
        for urgent, queue in ((True, self._urgent), (False, self._normal)):
            while queue and self._free > self._floor(urgent):
                waiter = queue.popleft()
                if not waiter.done():
                    self._free -= 1
                    waiter.set_result(None)  # the slot passes straight to the waiter
                    return
            if queue:
                return  # urgent waiters keep the slot from the others

    @contextlib.asynccontextmanager
    async def held(self, urgent: bool) -> AsyncIterator[None]:
        await self.acquire(urgent)
        try:
            yield
        finally:
            self.release()

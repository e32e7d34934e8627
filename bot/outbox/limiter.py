"""The broadcast rate limiter: Telegram's limits for messages the bot sends on its own.

Telegram allows about 30 messages per second over all chats and one per second in one
chat; beyond that it answers 429 with `retry_after`. python-telegram-bot 22.8's
AIORateLimiter does not hold these for broadcasts: `max_retries` is 0 by default (a 429
loses the message), after an idle spell it lets about 59 requests through in the first
second (its token bucket starts full), and its pause after a 429 ends as soon as any
other request finishes (upstream issue 5338). This limiter has none of those.

It judges by when sends really leave, never by slots planned ahead (a task that wakes
late on a busy machine must not send together with the ones after it):

- A send may leave only when every rule holds at that very moment: at least
  `(1 + margin) / rate` seconds after the previous send really left (no credit is kept
  while idle, so no burst after an idle spell), and, counting each of the last `rate`
  sends until its answer came back (the latest moment it can have reached Telegram),
  the oldest of them answered at least `1 + margin` seconds ago. A send still waiting
  for its answer holds its place in that window. So if send n+rate leaves at t, send n
  reached Telegram before t - 1 - margin: no window of one second at Telegram can hold
  more than `rate` sends, however late tasks wake or the network delivers.
- A chat gets at most one send per `(1 + margin)` seconds.
- `pause(seconds)` (on a 429) holds every send until that moment has passed by the
  clock; nothing that finishes in between ends it early.

`acquire()` returns a `Send`; the caller calls its `done()` once the answer came (or the
call failed). The clock and the sleep are injectable, so tests can check the timing
without waiting.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_MARGIN = 0.03
CHECK_EVERY = 0.25


class Send:
    """One send let through: it counts in the window until `done()` says it was answered."""

    __slots__ = ("_clock", "answered", "left")

    def __init__(self, clock: Clock, left: float) -> None:
        self._clock = clock
        self.left = left
        self.answered = math.inf  # in flight: it may reach Telegram at any moment

    def done(self) -> None:
        if self.answered == math.inf:
            self.answered = self._clock()

    def __enter__(self) -> Send:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.done()


class BroadcastLimiter:
    def __init__(
        self,
        rate: float,
        *,
        per_chat: float = 1.0,
        margin: float = DEFAULT_MARGIN,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """`rate`: sends per second over all chats; 0 or less: no overall limit."""
        self.rate = rate
        self.interval = (1 + margin) / rate if rate > 0 else 0.0
        self.window = 1 + margin
        self.chat_interval = per_chat * (1 + margin) if per_chat > 0 else 0.0
        self.margin = margin
        self._clock = clock
        self._sleep = sleep
        # The last `rate` sends, oldest first (none kept without an overall limit).
        self._recent: deque[Send] = deque(maxlen=max(1, math.floor(rate)) if rate > 0 else 0)
        self._last_left = -math.inf
        self._last: Send | None = None
        self._chats: dict[int, float] = {}  # chat -> when it may get the next send
        self._paused_until = 0.0
        self._turn = asyncio.Lock()  # waiting sends leave in the order they came
        self.sends = 0
        self.pauses = 0

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` from now (Telegram's retry_after), plus the margin."""
        self.pauses += 1
        until = self._clock() + seconds + self.margin
        self._paused_until = max(self._paused_until, until)

    def quiet_at(self) -> float:
        """When the last send let through is a whole window old (counted from its answer,
        or from now while it is still in flight): from then on, another sender starting
        with no history cannot crowd a window together with this one's sends."""
        if self._last is None:
            return -math.inf
        answered = self._last.answered
        return (self._clock() if answered == math.inf else answered) + self.window

    def ready_at(self) -> float:
        """The earliest moment the next send may leave, as far as is known now."""
        ready = max(self._paused_until, self._last_left + self.interval)
        if self._recent and len(self._recent) == self._recent.maxlen:
            ready = max(ready, self._recent[0].answered + self.window)
        return ready

    async def acquire(
        self, chat_id: int, cancelled: Callable[[], bool] | None = None
    ) -> Send | None:
        """Wait until a message to `chat_id` may leave now; None if `cancelled()` became
        true while waiting (checked at least every `CHECK_EVERY` seconds)."""

        def stop() -> bool:
            return cancelled is not None and cancelled()

        while True:
            if stop():
                return None
            # The chat's own wait happens outside the turn: it holds no other chat up.
            chat_wait = self._chats.get(chat_id, 0.0) - self._clock()
            if chat_wait > 0:
                await self._sleep(min(chat_wait, CHECK_EVERY))
                continue
            async with self._turn:
                while True:
                    if stop():
                        return None
                    now = self._clock()
                    ready = self.ready_at()
                    if ready <= now:
                        break
                    await self._sleep(min(ready - now, CHECK_EVERY))
                if self._chats.get(chat_id, 0.0) > now:
                    continue  # another send to this chat left while this one waited
                return self._let_go(chat_id, now)

    def _let_go(self, chat_id: int, now: float) -> Send:
        send = Send(self._clock, now)
        self._last_left = now
        self._last = send
        if self._recent.maxlen:
            self._recent.append(send)
        if self.chat_interval:
            self._chats[chat_id] = now + self.chat_interval
            if len(self._chats) > 4096:
                self._chats = {chat: at for chat, at in self._chats.items() if at > now}
        self.sends += 1
        return send

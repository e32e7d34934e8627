"""The broadcast rate limiter: Telegram's limits for messages the bot sends on its own.

Telegram allows about 30 messages per second over all chats and one per second in one
chat; beyond that it answers 429 with `retry_after`. python-telegram-bot 22.8's
AIORateLimiter does not hold these for broadcasts: `max_retries` is 0 by default (a 429
loses the message), after an idle spell it lets about 59 requests through in the first
second (its token bucket starts full), and its pause after a 429 ends as soon as any
other request finishes (upstream issue 5338). This limiter has none of those:

- Sends start at least `(1 + margin) / rate` seconds apart (a leaky bucket that holds
  no credit while idle), so no window of one second ever holds more than `rate` sends,
  not even right after an idle spell; the margin absorbs network jitter between the
  moment a send starts here and the moment it reaches Telegram.
- A chat gets at most one send per `(1 + margin)` seconds.
- `pause(seconds)` (on a 429) holds every send until that moment has passed by the
  clock; nothing that finishes in between ends it early. Sends waiting for their slot
  when a pause begins wait for the pause and take a new slot after it.

The clock and the sleep are injectable, so tests can check the timing without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_MARGIN = 0.03
CHECK_EVERY = 0.25


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
        self.chat_interval = per_chat * (1 + margin) if per_chat > 0 else 0.0
        self.margin = margin
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0  # when the next send may start
        self._chats: dict[int, float] = {}  # chat -> when it may get the next send
        self._paused_until = 0.0
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

    async def acquire(self, chat_id: int, cancelled: Callable[[], bool] | None = None) -> bool:
        """Wait until a message to `chat_id` may start now; False if `cancelled()` became
        true while waiting (checked at least every `CHECK_EVERY` seconds)."""
        while True:
            if cancelled is not None and cancelled():
                return False
            now = self._clock()
            ready = max(self._paused_until, self._chats.get(chat_id, 0.0))
            if ready > now:
                await self._sleep(min(ready - now, CHECK_EVERY))
                continue
            slot = max(self._next, now)
            self._next = slot + self.interval
            if self.chat_interval:
                self._chats[chat_id] = slot + self.chat_interval
            if slot > now:
                await self._sleep(slot - now)
                if self._paused_until > self._clock():
                    continue  # a 429 came while this send waited: after the pause, a new slot
            self.sends += 1
            if len(self._chats) > 4096:
                self._forget_old_chats()
            return True

    def _forget_old_chats(self) -> None:
        now = self._clock()
        self._chats = {chat: at for chat, at in self._chats.items() if at > now}

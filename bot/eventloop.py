"""The event loop Kopiena runs on: uvloop where it is installed (Linux and macOS), else
asyncio's own. Most of what a busy bot does between database calls is network I/O (Bot
API calls, long polling) and task switching, which uvloop does in C."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

try:
    import uvloop
except ImportError:  # Windows
    uvloop = None  # type: ignore[assignment]

T = TypeVar("T")


def new_event_loop() -> asyncio.AbstractEventLoop:
    return uvloop.new_event_loop() if uvloop is not None else asyncio.new_event_loop()


def run(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on this loop."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)

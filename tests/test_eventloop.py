"""`kopiena run` and its tests share one event loop: uvloop where it is installed."""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot import eventloop


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop has no Windows build")
async def test_the_tests_run_on_the_loop_the_bot_runs_on() -> None:
    loop = asyncio.get_running_loop()
    assert type(loop).__module__.startswith("uvloop")
    made = eventloop.new_event_loop()
    try:
        assert type(made) is type(loop)
    finally:
        made.close()


def test_run_returns_what_the_coroutine_returns() -> None:
    async def answer() -> str:
        await asyncio.sleep(0)
        return type(asyncio.get_running_loop()).__module__

    assert eventloop.run(answer()).startswith("uvloop" if eventloop.uvloop else "asyncio")

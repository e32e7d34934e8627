"""`kopiena run` as a real process polling the fake Bot API, and the fault injection itself."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.fakeapi import FakeBotApi, Fault
from bot.sandbox import SANDBOX_TOKEN
from storage.migrate import alembic_config
from tests.helpers import wait_for

from .test_config import GOOD_TOKEN


def text_update(update_id: int, user_id: int, text: str) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": "Ilze", "language_code": "en"}
    message = {
        "message_id": 1,
        "date": 1700000000,
        "chat": {"id": user_id, "type": "private"},
        "from": user,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id, "message": message}


async def test_run_polls_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    api = FakeBotApi()
    root = await api.start()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
        "TELEGRAM_API_BASE_URL": root,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await wait_for(lambda: len(api.commands) == 4)
        api.put_update(text_update(1, 555, "/start"))
        await wait_for(lambda: any(c.chat_id == 555 for c in api.calls_to("sendMessage")))
        reply = next(c for c in api.calls_to("sendMessage") if c.chat_id == 555)
        assert reply.params["text"].startswith("Hello! I am Kopiena")
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
        await api.stop()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log
    revisions = list(ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions())
    assert f"{len(revisions)} pending migration(s) applied" in log
    assert "@kopiena_sandbox_bot" in log and "run.db" in log
    assert GOOD_TOKEN.split(":")[1] not in log  # the secret half of the token never hits logs


@pytest.fixture
async def bot_and_api():  # type: ignore[no-untyped-def]
    api = FakeBotApi()
    root = await api.start()
    bot = Bot(SANDBOX_TOKEN, base_url=f"{root}/bot")
    async with bot:
        yield bot, api
    await api.stop()


async def test_each_fault_reaches_the_bot_as_its_exception(bot_and_api) -> None:  # type: ignore[no-untyped-def]
    bot, api = bot_and_api
    api.inject(Fault.RETRY_AFTER, method="sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(1, "hi")
    assert "Retry in 3 seconds" in str(retry.value)

    api.inject(Fault.SERVER_ERROR, method="sendMessage")
    with pytest.raises(NetworkError) as server_error:
        await bot.send_message(1, "hi")
    assert "Internal Server Error" in str(server_error.value)
    assert type(server_error.value) is NetworkError

    api.inject(Fault.TIMEOUT, method="sendMessage", delay=2)
    with pytest.raises(TimedOut):
        await bot.send_message(1, "hi", read_timeout=0.3)

    api.inject(Fault.BLOCKED, chat_id=2)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(2, "hi")

    api.block(3)
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(3, "hi")

    # Faults are used up; normal service resumes with increasing message ids.
    first = await bot.send_message(1, "one")
    second = await bot.send_message(1, "two")
    assert second.message_id > first.message_id
    assert [c.answered for c in api.calls_to("sendMessage")] == [
        "429",
        "500",
        "504",
        "403",
        "403",
        "403",
        "ok",
        "ok",
    ]


async def test_fake_api_rejects_what_telegram_rejects(bot_and_api) -> None:  # type: ignore[no-untyped-def]
    bot, _ = bot_and_api
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(1, "x" * 4097)
    with pytest.raises(BadRequest, match="parse entities"):
        await bot.send_message(1, "a <b>bold", parse_mode="HTML")
    message = await bot.send_message(1, "same")
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("same", chat_id=1, message_id=message.message_id)
    assert await bot.answer_callback_query("42") is True

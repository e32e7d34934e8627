"""Webhook mode: updates come in over HTTP, are answered 200 only once stored, and only
with the secret Telegram was given."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.config import ConfigError, Settings, load_settings
from bot.fakeapi import SECRET_HEADER, FakeBotApi
from bot.sandbox import Sandbox
from bot.server import start_servers
from storage import inbox
from tests.helpers import start_bot, wait_for
from tests.test_config import GOOD_TOKEN
from tests.test_run_and_faults import text_update

SECRET = "s3cret-Token_for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def replies_to(api: FakeBotApi, chat: int) -> list[str]:
    return [str(c.params["text"]) for c in api.sent_to(chat) if c.method == "sendMessage"]


def test_webhook_settings_need_a_secret_and_a_real_url() -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET must be set"):
        load_settings(_env_file=None, webhook_url="https://bot.example.lv/tg")
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET: must be 1-256 characters"):
        load_settings(_env_file=None, webhook_url="https://bot.example.lv/tg", webhook_secret="a b")
    with pytest.raises(ConfigError, match="WEBHOOK_URL: must be the public https://"):
        load_settings(_env_file=None, webhook_url="bot.example.lv", webhook_secret=SECRET)
    settings = load_settings(
        _env_file=None, webhook_url="https://bot.example.lv/kopiena/tg", webhook_secret=SECRET
    )
    assert settings.webhook_path == "/kopiena/tg"
    assert load_settings(_env_file=None).webhook_url is None  # long polling by default


@pytest.fixture
async def webhook(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The real Application with its webhook server on a free port; yields the sandbox and
    a function that posts one update with the given headers and returns the status."""
    port = free_port()
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hook.db'}",
        webhook_url=f"https://bot.example.lv/tg/{port}",
        webhook_secret=SecretStr(SECRET),
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    async with Sandbox(settings) as sandbox:
        assert sandbox.application is not None
        runners = await start_servers(sandbox.application, settings)
        async with aiohttp.ClientSession() as client:

            async def post(body: Any, headers: dict[str, str]) -> int:
                async with client.post(
                    f"http://127.0.0.1:{port}/tg/{port}", json=body, headers=headers
                ) as answer:
                    return answer.status

            try:
                yield sandbox, post
            finally:
                for runner in runners:
                    await runner.cleanup()


async def test_only_requests_with_the_secret_are_taken(webhook) -> None:  # type: ignore[no-untyped-def]
    sandbox, post = webhook
    update = text_update(11, 701, "/start")
    assert await post(update, {}) == 401
    assert await post(update, {SECRET_HEADER: "wrong"}) == 403
    assert await post(update, {SECRET_HEADER: SECRET[:-1]}) == 403
    assert await post({"no": "update"}, {SECRET_HEADER: SECRET}) == 400
    await asyncio.sleep(0.2)
    assert replies_to(sandbox.api, 701) == []
    assert await inbox.status_of(sandbox.runtime.db, 11) is None  # nothing stored

    assert await post(update, {SECRET_HEADER: SECRET}) == 200
    await wait_for(lambda: len(replies_to(sandbox.api, 701)) == 1)
    assert replies_to(sandbox.api, 701)[0].startswith("Hello! I am Kopiena")


async def test_a_repeated_update_is_answered_200_and_handled_once(webhook) -> None:  # type: ignore[no-untyped-def]
    sandbox, post = webhook
    update = text_update(21, 702, "/start")
    statuses = await asyncio.gather(*(post(update, {SECRET_HEADER: SECRET}) for _ in range(3)))
    assert statuses == [200, 200, 200]
    await wait_for(lambda: replies_to(sandbox.api, 702) != [])
    await wait_for(lambda: sandbox.application.bot_data["pipeline"].waiting == 0)
    assert await post(update, {SECRET_HEADER: SECRET}) == 200  # a retry, later
    await asyncio.sleep(0.3)
    assert len(replies_to(sandbox.api, 702)) == 1


async def test_an_update_that_cannot_be_stored_is_answered_500(webhook, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox, post = webhook
    raw = sqlite3.connect(tmp_path / "hook.db")
    raw.execute("ALTER TABLE inbound_updates RENAME TO inbound_updates_away")
    raw.commit()
    update = text_update(31, 703, "/start")
    try:
        assert await post(update, {SECRET_HEADER: SECRET}) == 500
    finally:
        raw.execute("ALTER TABLE inbound_updates_away RENAME TO inbound_updates")
        raw.commit()
        raw.close()
    await asyncio.sleep(0.2)
    assert replies_to(sandbox.api, 703) == []  # not taken, so not handled
    # Telegram sends it again: now it is stored and handled, once.
    assert await post(update, {SECRET_HEADER: SECRET}) == 200
    await wait_for(lambda: len(replies_to(sandbox.api, 703)) == 1)


async def test_kopiena_run_sets_the_webhook_and_takes_updates_through_it(tmp_path: Path) -> None:
    api = FakeBotApi()
    root = await api.start()
    port = free_port()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
        "TELEGRAM_API_BASE_URL": root,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_PORT": str(port),
        "LOG_LEVEL": "INFO",
    }
    # Updates that came while the bot was down wait at Telegram and arrive once it is up.
    api.put_update(text_update(1, 801, "/start"))
    process = await start_bot(tmp_path, env)
    try:
        await wait_for(lambda: api.webhook is not None)
        assert api.webhook is not None
        assert api.webhook["url"] == f"http://127.0.0.1:{port}/telegram"
        assert api.webhook["secret_token"] == SECRET
        assert "callback_query" in api.webhook["allowed_updates"]
        assert api.calls_to("getUpdates") == [] and api.polls == 0  # no polling
        api.put_update(text_update(2, 802, "/start"))
        await wait_for(lambda: replies_to(api, 801) != [] and replies_to(api, 802) != [])
        info = await api._api_getWebhookInfo({})
        assert info["pending_update_count"] == 0
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
        await api.stop()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log and SECRET not in log
    assert api.webhook is not None  # left set: other instances may still be serving


async def test_the_fake_api_posts_again_until_the_webhook_answers_200(tmp_path: Path) -> None:
    """The fake Telegram retries a webhook that is down or refuses, and balances posts."""
    seen: list[tuple[str, int]] = []
    answers = iter([500, 200, 200, 200])

    from aiohttp import web

    async def hook(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append((request.path, body["update_id"]))
        assert request.headers[SECRET_HEADER] == SECRET
        return web.Response(status=next(answers))

    app = web.Application()
    app.router.add_post("/a", hook)
    app.router.add_post("/b", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    api = FakeBotApi()
    await api.start()
    try:
        down = f"http://127.0.0.1:{free_port()}/nobody"
        api.balance([down, f"http://127.0.0.1:{port}/a", f"http://127.0.0.1:{port}/b"])
        await api._api_setWebhook({"url": "https://bot.example.lv/", "secret_token": SECRET})
        with pytest.raises(Exception, match=r"409|Conflict"):
            await api._api_getUpdates({})
        api.put_update(text_update(5, 1, "hi"))
        api.put_update(text_update(6, 2, "hi"))
        await wait_for(lambda: len(api.webhook_delivered) == 2)
    finally:
        await api.stop()
        await runner.cleanup()
    assert api.webhook_posts["error"] >= 1 and api.webhook_posts["500"] == 1
    assert sorted(update for update, _ in api.webhook_delivered) == [5, 6]
    assert {path for path, _ in seen} == {"/a", "/b"}

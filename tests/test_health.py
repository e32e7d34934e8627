"""/health and /metrics: what an operator's monitoring sees."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import aiohttp
from pydantic import SecretStr

from bot.config import Settings
from bot.fakeapi import Fault
from bot.outbox import stop_dispatcher
from bot.sandbox import Sandbox
from bot.server import start_servers
from storage.models import Delivery, User
from tests.helpers import Clock
from tests.test_webhook import free_port


async def queue_messages(sandbox: Sandbox, first: int, count: int) -> None:
    """`count` outbox messages due now, to new people."""
    assert sandbox.runtime is not None
    now = sandbox.runtime.clock()
    async with sandbox.runtime.db.begin() as session:
        for n in range(first, first + count):
            user = User(telegram_id=600_000 + n, full_name="X", language="lv", consented_at=now)
            session.add(user)
            await session.flush()
            session.add(
                Delivery(
                    dedupe_key=f"test:{n}",
                    user_id=user.id,
                    kind="announcement",
                    due_at=now,
                    status="pending",
                )
            )


def sample(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert found, f"{name} missing from /metrics"
    return float(found.group(1))


async def test_health_reports_a_stopped_dispatcher_and_a_growing_backlog(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'health.db'}",
        metrics_port=port,
    )
    clock = Clock(datetime.now(UTC))
    async with Sandbox(settings, clock=clock) as sandbox, aiohttp.ClientSession() as client:
        assert sandbox.application is not None
        runners = await start_servers(sandbox.application, settings)

        async def get(path: str) -> tuple[int, str]:
            async with client.get(f"http://127.0.0.1:{port}{path}") as answer:
                return answer.status, await answer.text()

        async def health() -> tuple[int, dict]:  # type: ignore[type-arg]
            async with client.get(f"http://127.0.0.1:{port}/health") as answer:
                return answer.status, await answer.json()

        try:
            status, body = await health()
            assert status == 200, body
            assert body["healthy"] and body["database"] and body["dispatcher_alive"]
            assert body["outbox_backlog"] == 0

            await stop_dispatcher(sandbox.application)
            await queue_messages(sandbox, 0, 3)
            status, body = await health()
            assert status == 503
            assert body["healthy"] is False and body["dispatcher_alive"] is False
            assert body["database"] is True
            assert body["outbox_backlog"] == 3

            clock.advance(minutes=2)
            await queue_messages(sandbox, 3, 4)
            status, body = await health()
            assert status == 503
            assert body["outbox_backlog"] == 7
            assert body["outbox_oldest_due_seconds"] == 120

            status, text = await get("/metrics")
            assert status == 200
            assert sample(text, "kopiena_outbox_backlog") == 7
            assert sample(text, "kopiena_outbox_oldest_due_seconds") == 120
            assert sample(text, "kopiena_dispatcher_alive") == 0
            assert sample(text, "kopiena_up") == 0
        finally:
            for runner in runners:
                await runner.cleanup()


async def test_metrics_count_updates_sends_429s_and_errors(sandbox: Sandbox) -> None:
    port = free_port()
    settings = sandbox.settings.model_copy(
        update={
            "webhook_url": f"https://bot.example.lv/{port}",
            "webhook_secret": SecretStr("x"),
            "webhook_port": port,
            "metrics_port": port,  # one server for the webhook and /metrics
        }
    )
    assert sandbox.application is not None
    runners = await start_servers(sandbox.application, settings)
    try:
        assert len(runners) == 1
        sandbox.api.inject(Fault.RETRY_AFTER, method="sendMessage", retry_after=0)
        user = sandbox.user(501, "Ilze", language_code="en")
        await user.send("/start")  # first try meets the 429, the second is answered
        await user.send("/help")
        async with (
            aiohttp.ClientSession() as client,
            client.get(f"http://127.0.0.1:{port}/metrics") as answer,
        ):
            assert answer.status == 200
            assert answer.content_type == "text/plain"
            text = await answer.text()
    finally:
        for runner in runners:
            await runner.cleanup()
    sandbox.errors.clear()  # the 429 reached the error handler, as it should
    assert sample(text, 'kopiena_updates_handled_total{outcome="done"}') == 2
    assert sample(text, "kopiena_update_seconds_count") == 2
    assert sample(text, 'kopiena_update_seconds_bucket{le="+Inf"}') == 2
    sent = [c for c in sandbox.api.calls if c.method.startswith("send") and c.answered == "ok"]
    assert sample(text, "kopiena_messages_sent_total") == len(sent) >= 2
    assert sample(text, "kopiena_telegram_rate_limited_total") == 1
    assert sample(text, 'kopiena_errors_total{where="handler"}') == 1
    assert sample(text, 'kopiena_errors_total{where="update_parked"}') == 0
    assert "# TYPE kopiena_update_seconds histogram" in text

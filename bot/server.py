"""The bot's own HTTP server: the Telegram webhook, /health and /metrics.

Webhook mode (WEBHOOK_URL set): Telegram posts each update to WEBHOOK_URL with the
secret in the X-Telegram-Bot-Api-Secret-Token header. The answer is 200 only once the
update is stored in the database (Pipeline.receive); if it cannot be stored the answer is
500, and Telegram sends it again later. Several instances behind one load balancer each
store and handle what they receive; an update id stored before (a retry that went to
another instance) is ignored. python-telegram-bot's own webhook server is not used: it
answers 200 before the update is stored.

/health (JSON; 503 when unhealthy) and /metrics (Prometheus text) are served on
METRICS_PORT, and on the webhook's port when it is the same one.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime

from aiohttp import web
from sqlalchemy import func, select, text
from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.config import ConfigError, Settings
from bot.metrics import metrics_of
from bot.outbox.sender import DISPATCHER_KEY, WAKE_EVERY
from bot.pipeline import Intake, Pipeline, long_polling
from bot.runtime import RUNTIME_KEY, Runtime
from storage.models import Delivery, DeliveryStatus

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The dispatcher wakes every minute when idle: two missed wake-ups and it counts as dead.
DISPATCHER_STALE = 2 * WAKE_EVERY.total_seconds() + 30
DATABASE_TIMEOUT = 5.0  # seconds /health waits for the database
SHUTDOWN_TIMEOUT = 10.0  # seconds requests in progress get to finish at a stop
MAX_BODY = 1024 * 1024  # an update is a few kB; Telegram's largest are far below this


@dataclass
class Health:
    healthy: bool
    database: bool
    dispatcher_alive: bool
    dispatcher_last_run_seconds: float | None  # how long ago its loop last ran
    outbox_backlog: int  # due and not yet sent (pending, or being sent)
    outbox_oldest_due_seconds: float  # how long the oldest of those has been due
    waiting_updates: int  # stored here and not yet handled


async def outbox_backlog(runtime: Runtime, now: datetime) -> tuple[int, float]:
    """Messages due and not yet sent, and how long the oldest of them has been due."""
    due = Delivery.due_at <= now
    waiting = ((Delivery.status == DeliveryStatus.PENDING) & due) | (
        Delivery.status == DeliveryStatus.SENDING
    )
    async with runtime.db() as session:
        count, oldest = (
            await session.execute(select(func.count(), func.min(Delivery.due_at)).where(waiting))
        ).one()
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return int(count), age


async def check_health(application: Application) -> Health:  # type: ignore[type-arg]
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    database = True
    backlog, oldest = 0, 0.0
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            async with runtime.db() as session:
                await session.execute(text("SELECT 1"))
            backlog, oldest = await outbox_backlog(runtime, runtime.clock())
    except Exception as error:
        log.warning("Health check: the database did not answer (%s)", type(error).__name__)
        database = False
    dispatcher = application.bot_data.get(DISPATCHER_KEY)
    beat = getattr(dispatcher, "beat", None)
    since = round(time.monotonic() - beat, 3) if beat is not None else None
    alive = (
        dispatcher is not None
        and not getattr(dispatcher, "stopping", True)
        and since is not None
        and since < DISPATCHER_STALE
    )
    pipeline: Pipeline | None = application.bot_data.get("pipeline")
    return Health(
        healthy=database and alive,
        database=database,
        dispatcher_alive=alive,
        dispatcher_last_run_seconds=since,
        outbox_backlog=backlog,
        outbox_oldest_due_seconds=round(oldest, 3),
        waiting_updates=pipeline.waiting if pipeline is not None else 0,
    )


def build_web_app(
    application: Application,  # type: ignore[type-arg]
    settings: Settings,
    *,
    webhook: bool,
    ops: bool,
) -> web.Application:
    """The routes one listening port serves: the webhook, /health and /metrics, or both."""
    app = web.Application(client_max_size=MAX_BODY)
    metrics = metrics_of(application)

    async def health(request: web.Request) -> web.Response:
        found = await check_health(application)
        return web.json_response(asdict(found), status=200 if found.healthy else 503)

    async def prometheus(request: web.Request) -> web.Response:
        found = await check_health(application)
        gauges = {
            "kopiena_up": ("1 when the database answers and the dispatcher runs.", found.healthy),
            "kopiena_database_up": ("1 when the database answers.", found.database),
            "kopiena_dispatcher_alive": (
                "1 when the outbox loop ran recently.",
                found.dispatcher_alive,
            ),
            "kopiena_outbox_backlog": (
                "Outbox messages due and not yet sent.",
                found.outbox_backlog,
            ),
            "kopiena_outbox_oldest_due_seconds": (
                "How long the oldest unsent due message has been due.",
                found.outbox_oldest_due_seconds,
            ),
            "kopiena_updates_waiting": (
                "Updates stored by this process and not yet handled.",
                found.waiting_updates,
            ),
        }
        body = metrics.render({k: (h, float(v)) for k, (h, v) in gauges.items()})
        return web.Response(text=body, content_type="text/plain", charset="utf-8")

    async def update(request: web.Request) -> web.Response:
        status = await _take_update(request, application, settings)
        metrics.webhook_answered(status)
        return web.Response(status=status)

    if ops:
        app.router.add_get("/health", health)
        app.router.add_get("/metrics", prometheus)
    if webhook:
        app.router.add_post(settings.webhook_path, update)
    return app


async def _take_update(
    request: web.Request,
    application: Application,  # type: ignore[type-arg]
    settings: Settings,
) -> int:
    assert settings.webhook_secret is not None
    given = request.headers.get(SECRET_HEADER)
    if given is None:
        return 401
    if not hmac.compare_digest(given.encode(), settings.webhook_secret.get_secret_value().encode()):
        log.warning("Webhook request with a wrong secret refused")
        return 403
    try:
        raw = await request.json(loads=json.loads)
    except ValueError:
        return 400
    if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
        return 400
    try:
        await application.bot_data["pipeline"].receive(raw)
    except Exception as error:
        log.error(
            "Could not store update %s (%s); answered 500, Telegram sends it again",
            raw["update_id"],
            type(error).__name__,
        )
        return 500
    return 200


Listener = tuple[str, int, bool, bool]  # host, port, serves the webhook, serves /health


def listeners(settings: Settings) -> list[Listener]:
    webhook = settings.webhook_url is not None
    ops = settings.metrics_port != 0
    if webhook and ops and settings.metrics_port == settings.webhook_port:
        if settings.metrics_listen != settings.webhook_listen:
            raise ConfigError(
                "METRICS_PORT is WEBHOOK_PORT but METRICS_LISTEN is not WEBHOOK_LISTEN: "
                "one port listens on one address"
            )
        return [(settings.webhook_listen, settings.webhook_port, True, True)]
    found: list[Listener] = []
    if webhook:
        found.append((settings.webhook_listen, settings.webhook_port, True, False))
    if ops:
        found.append((settings.metrics_listen, settings.metrics_port, False, True))
    return found


async def start_servers(
    application: Application,  # type: ignore[type-arg]
    settings: Settings,
) -> list[web.AppRunner]:
    runners: list[web.AppRunner] = []
    try:
        for host, port, webhook, ops in listeners(settings):
            runner = web.AppRunner(
                build_web_app(application, settings, webhook=webhook, ops=ops),
                access_log=None,
                handle_signals=False,
                shutdown_timeout=SHUTDOWN_TIMEOUT,
            )
            await runner.setup()
            runners.append(runner)
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as error:
                setting = "WEBHOOK_PORT" if webhook else "METRICS_PORT"
                raise ConfigError(f"{setting}: cannot listen on {host}:{port}: {error}") from None
            log.info(
                "Listening on %s:%d for %s",
                host,
                port,
                " and ".join(
                    [name for name, on in (("the webhook", webhook), ("/health", ops)) if on]
                ),
            )
    except BaseException:
        for runner in runners:
            await runner.cleanup()
        raise
    return runners


async def set_webhook(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    try:
        await application.bot.set_webhook(
            url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
    except InvalidToken:
        raise
    except TelegramError as error:
        raise ConfigError(f"WEBHOOK_URL: Telegram refused the webhook: {error}") from None
    log.info("Telegram posts updates to the webhook (%s)", settings.webhook_path)


def intake_for(settings: Settings) -> Intake:
    """How `kopiena run` receives updates: the webhook when WEBHOOK_URL is set, else long
    polling; with the HTTP servers the settings ask for running alongside."""

    async def intake(pipeline: Pipeline, stop: asyncio.Event) -> None:
        runners = await start_servers(pipeline.application, settings)
        try:
            if settings.webhook_url is None:
                await long_polling(pipeline, stop)
            else:
                await set_webhook(pipeline.application, settings)
                await stop.wait()
        finally:
            # Requests in progress finish (their updates stored); the webhook stays set
            # for the other instances, and Telegram keeps new updates until one answers.
            for runner in runners:
                await runner.cleanup()

    return intake

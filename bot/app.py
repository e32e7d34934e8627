"""The one place that builds the python-telegram-bot Application."""

from __future__ import annotations

import logging

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, Defaults

import handlers
from bot.aiohttp_request import AiohttpRequest
from bot.config import LANGUAGES
from bot.i18n import Translator
from bot.metrics import METRICS_KEY, Metrics
from bot.outbox import start_dispatcher, stop_dispatcher
from bot.pipeline import install
from bot.retention import start_retention
from bot.runtime import RUNTIME_KEY, Runtime
from bot.screens.menu import public_commands
from bot.services import faq, reminders
from bot.survey_jobs import start_survey_planner
from handlers.common import Context
from storage.db import describe

log = logging.getLogger(__name__)


def build_application(
    runtime: Runtime, token: str, *, api_root: str | None = None, read_timeout: float = 10.0
) -> Application:
    """Build the Application; `api_root` points it at another Bot API server."""
    metrics = Metrics()
    builder = (
        Application.builder()
        .token(token)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                tzinfo=runtime.settings.tz,
            )
        )
        .context_types(ContextTypes(context=Context))
        .request(AiohttpRequest(read_timeout=read_timeout, observer=metrics.telegram_call))
        .get_updates_request(AiohttpRequest(read_timeout=read_timeout, connection_pool_size=1))
    )
    if api_root:
        builder = builder.base_url(f"{api_root}/bot").base_file_url(f"{api_root}/file/bot")
    application = builder.updater(None).build()
    application.bot_data[RUNTIME_KEY] = runtime
    application.bot_data[METRICS_KEY] = metrics
    pipeline = install(
        application,
        runtime.db,
        concurrency=runtime.settings.update_concurrency,
        attempts=runtime.settings.update_attempts,
        lease_seconds=runtime.settings.outbox_lease_seconds,
    )
    pipeline.on_handled = metrics.update_handled
    reminders.set_defaults(runtime.settings.reminder_offsets_minutes)
    handlers.register_all(application)
    _count_handler_errors(application, metrics)
    return application


def _count_handler_errors(application: Application, metrics: Metrics) -> None:  # type: ignore[type-arg]
    """First among the error handlers: the others may stop the chain."""

    async def count(update: object, context: Context) -> None:
        metrics.handler_failed()

    others = dict(application.error_handlers)
    application.error_handlers.clear()
    application.add_error_handler(count)
    application.error_handlers.update(others)


async def register_command_menu(application: Application) -> None:
    """Telegram's command menu, in each language (and the default one for everyone else)."""
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    default = runtime.settings.default_language
    for language in (*LANGUAGES, None):
        tr = Translator(language or default, runtime.settings.tz)
        commands = [BotCommand(c.name, tr._(c.description)) for c in public_commands()]
        await application.bot.set_my_commands(commands, language_code=language)


async def on_startup(application: Application) -> None:
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    await register_command_menu(application)
    planned = await reminders.plan_all(runtime.db, runtime.clock())
    if planned:
        log.info("Planned %d reminder(s) at start-up", planned)
    # Surveys due while the bot was down are planned before the dispatcher's start-up
    # pass, so that pass sends them rather than racing the planner.
    await start_survey_planner(application)  # feedback surveys (issue 7)
    await start_dispatcher(application)
    await faq.warm_up(runtime.db)
    await start_retention(application)
    log.info(
        "Kopiena started as @%s, database %s",
        application.bot.username,
        describe(runtime.settings.database_url),
    )


async def on_stop(application: Application) -> None:
    """Let the messages in flight finish and be recorded; the rest wait in the outbox."""
    await stop_dispatcher(application)


async def on_shutdown(application: Application) -> None:
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    await runtime.close()

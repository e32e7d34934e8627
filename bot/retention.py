"""RETENTION_MONTHS: at start-up and every six hours, forget the people who have not used
the bot for that many months (bot/services/privacy.py). Off when the setting is 0."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import Application, ContextTypes

from bot.runtime import RUNTIME_KEY, Runtime
from bot.services.privacy import forget_inactive

log = logging.getLogger(__name__)

EVERY = timedelta(hours=6)


async def apply_retention(application: Application) -> int:  # type: ignore[type-arg]
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    months = runtime.settings.retention_months
    forgotten = await forget_inactive(runtime.db, months, runtime.clock())
    if forgotten:
        log.info("Forgot %d person(s) not seen for %d months", forgotten, months)
    return forgotten


async def _tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    await apply_retention(context.application)


async def start_retention(application: Application) -> None:  # type: ignore[type-arg]
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    if runtime.settings.retention_months <= 0:
        return
    await apply_retention(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _tick,
            interval=EVERY,
            first=EVERY,
            name="retention",
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )

"""Scheduler wiring for feedback surveys: make sure the default template exists, then
plan the surveys that are due now at start-up and every minute. Planning only writes
outbox rows (idempotent by their dedupe keys); the dispatcher sends them."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import Application, ContextTypes

from bot.runtime import RUNTIME_KEY, Runtime
from bot.services import surveys
from bot.services.survey_templates import ensure_default_template

log = logging.getLogger(__name__)

PLAN_EVERY = timedelta(minutes=1)


async def plan_surveys(application: Application) -> int:  # type: ignore[type-arg]
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    added = await surveys.plan(runtime.db, runtime.clock())
    released = await surveys.release(runtime.db, runtime.sealer, runtime.clock())
    if released:
        log.info("Released %d anonymous survey response(s)", released)
    if added:
        log.info("Planned %d survey(s)", added)
    return added


async def _tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    await plan_surveys(context.application)


async def start_survey_planner(application: Application) -> None:  # type: ignore[type-arg]
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    await ensure_default_template(runtime.db)
    await plan_surveys(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _tick,
            interval=PLAN_EVERY,
            first=PLAN_EVERY,
            name="survey-planner",
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )

"""Telegram handlers: parse the update, ask a service, render the reply."""

from __future__ import annotations

from telegram.ext import Application, TypeHandler

from handlers import (
    admin,
    announcements,
    attendance,
    certificates,
    dialogs,
    edit_event,
    event_notices,
    event_staff,
    event_team,
    events,
    fallback,
    faq,
    faq_staff,
    funder_report,
    hours,
    new_event,
    onboarding,
    privacy,
    profile,
    reminders,
    reports,
    start,
    survey_results,
    survey_staff,
    surveys,
)
from handlers.common import start_update
from handlers.errors import on_error

FIRST_GROUP = -1000


def register_all(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(TypeHandler(object, start_update), group=FIRST_GROUP)
    fallback.register_first(application)
    dialogs.register(application)
    for module in (
        start,
        onboarding,
        profile,
        privacy,
        admin,
        events,
        event_staff,
        event_notices,
        new_event,
        edit_event,
        event_team,
        reports,
        attendance,
        faq,
        faq_staff,
        surveys,
        survey_staff,
        survey_results,
        reminders,
        announcements,
        certificates,
        hours,
        funder_report,
    ):
        module.register(application)
    faq.register_search(application)  # typed text nobody else took: searched in the FAQ
    fallback.register(application)  # last: it takes whatever nobody else did
    application.add_error_handler(on_error)

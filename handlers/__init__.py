"""Telegram handlers: parse the update, ask a service, render the reply."""

from __future__ import annotations

from telegram.ext import Application

from handlers import (
    admin,
    dialogs,
    fallback,
    faq,
    faq_staff,
    onboarding,
    privacy,
    profile,
    start,
)
from handlers.errors import on_error


def register_all(application: Application) -> None:  # type: ignore[type-arg]
    dialogs.register(application)
    for module in (start, onboarding, profile, privacy, admin, faq, faq_staff):
        module.register(application)
    fallback.register(application)  # last: it takes whatever nobody else did
    application.add_error_handler(on_error)

"""Telegram handlers: parse the update, ask a service, render the reply."""

from __future__ import annotations

from telegram.ext import Application

from handlers import fallback, start
from handlers.errors import on_error


def register_all(application: Application) -> None:
    start.register(application)
    fallback.register(application)
    application.add_error_handler(on_error)

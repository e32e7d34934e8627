"""Errors a service raises for the handler to explain. Messages are English msgids that
the handler translates; services stay free of Telegram and of the user's language."""

from __future__ import annotations

from bot.i18n import N_


class ServiceError(Exception):
    message = N_("Sorry, that did not work.")

    def __init__(self, message: str | None = None, **values: object) -> None:
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        self.values = values


class NotAllowed(ServiceError):
    message = N_("Sorry, you are not allowed to do that.")


class NotFound(ServiceError):
    message = N_("Sorry, I could not find that.")


class Stale(ServiceError):
    """A button from an old message, or forged callback data."""

    message = N_("This button is no longer valid.")


class InvalidInput(ServiceError):
    message = N_("Sorry, I could not accept that.")

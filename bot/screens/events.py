"""The event catalogue, the event card and /my: their buttons."""

from __future__ import annotations

from bot.buttons import Button, button


@button("evp")
class CataloguePage(Button):
    page: int


@button("ev")
class OpenCard(Button):
    event_id: int


@button("ev:r")
class AskToRegister(Button):
    event_id: int


@button("ev:rc")
class ConfirmRegistration(Button):
    event_id: int


@button("ev:ics")
class CalendarFile(Button):
    event_id: int


@button("my:list")
class MyList(Button):
    pass


@button("my:c")
class AskToCancel(Button):
    registration_id: int


@button("my:cc")
class ConfirmCancel(Button):
    registration_id: int

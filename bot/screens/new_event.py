"""/new_event, the guided conversation: its buttons."""

from __future__ import annotations

from bot.buttons import Button, button
from bot.services.event_wizard import Step


@button("nw:restart")
class Restart(Button):
    pass


@button("nw:resume")
class Resume(Button):
    pass


@button("nw")
class Choose(Button):
    """A button answer to a step (skip, yes, more, p70...); the wizard service checks it."""

    step: Step
    choice: str


@button("nw:publish")
class Publish(Button):
    pass


@button("nw:draft")
class SaveDraft(Button):
    pass


@button("nw:cancel")
class Discard(Button):
    pass

"""Deleting one's data (/forget): its buttons."""

from __future__ import annotations

from bot.buttons import Button, button


@button("fg:yes", before_onboarding=True)
class ForgetConfirmed(Button):
    pass


@button("fg:no", before_onboarding=True)
class ForgetCancelled(Button):
    pass

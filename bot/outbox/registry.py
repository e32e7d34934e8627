"""What feeds the outbox, per application: renderers and hooks.

Each feature registers, on its own Application, how to render its kind of delivery
(`register_renderer`) and may register a hook (`register_hook`) that runs before every
batch the sender claims: announcements turn into deliveries there when they are due,
and finished ones get their report. A hook's `next_due` says when it next has something
to do, for the wake-up timer.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.i18n import Translator

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    """A delivery as a renderer sees it."""

    id: int
    user_id: int
    kind: str
    ref_id: int | None
    payload: dict[str, Any]
    due_at: datetime


@dataclass(frozen=True)
class Outgoing:
    """What to send. `buttons` rows hold (label, callback data) or (label, "url:https://...")."""

    text: str
    buttons: Sequence[Sequence[tuple[str, str]]] = field(default_factory=tuple)
    # (file name, content): sent as a document with `text` as its caption.
    document: tuple[str, bytes] | None = None


# Returning None cancels the delivery.
Renderer = Callable[["Runtime", Due, Translator], Awaitable[Outgoing | None]]
Hook = Callable[["Runtime", datetime], Awaitable[None]]
NextDue = Callable[["Runtime"], Awaitable[datetime | None]]


@dataclass
class Registry:
    """The renderers by delivery kind and the hooks of one application."""

    renderers: dict[str, Renderer] = field(default_factory=dict)
    hooks: list[tuple[Hook, NextDue | None]] = field(default_factory=list)

    def add_renderer(self, kind: str, renderer: Renderer) -> None:
        self.renderers[kind] = renderer

    def add_hook(self, hook: Hook, next_due: NextDue | None = None) -> None:
        if all(existing is not hook for existing, _ in self.hooks):
            self.hooks.append((hook, next_due))

    async def run_hooks(self, runtime: Runtime, now: datetime) -> None:
        for hook, _ in self.hooks:
            try:
                await hook(runtime, now)
            except Exception:
                log.exception("Outbox hook %s failed", getattr(hook, "__name__", hook))

    async def next_due(self, runtime: Runtime) -> list[datetime]:
        moments = []
        for _, next_due in self.hooks:
            if next_due is not None:
                moment = await next_due(runtime)
                if moment is not None:
                    moments.append(moment)
        return moments

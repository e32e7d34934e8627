"""Logs without personal data above DEBUG.

At INFO, WARNING and ERROR a person appears only as an opaque pseudonym ("p-3f9a1c0b7e2d":
a keyed hash of their Telegram id with a per-installation key, bot/keys.py), and no name,
message text, callback data or exception message is written: exception messages can quote
what someone typed (`int('²')`), so tracebacks keep their frames and lose the message. At
DEBUG everything is written, for a developer chasing a bug on their own data.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import traceback
from typing import Any

from bot.keys import NO_TOKEN, derive

_key = derive(NO_TOKEN, "log-pseudonyms")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def set_pseudonym_secret(secret: bytes) -> None:
    global _key
    _key = derive(secret, "log-pseudonyms")


def pseudonym(telegram_id: int | None) -> str:
    if telegram_id is None:
        return "p-none"
    return "p-" + hmac.new(_key, str(telegram_id).encode(), hashlib.sha256).hexdigest()[:12]


def detailed() -> bool:
    return logging.getLogger("kopiena").isEnabledFor(logging.DEBUG)


def describe_update(update: Any) -> str:
    """An update for the log: its id, kind and the sender's pseudonym; at DEBUG also the
    ids, the text and the callback data."""
    from telegram import Update

    if not isinstance(update, Update):
        return f"non-update {type(update).__name__}" + (f" {update!r}"[:200] if detailed() else "")
    kind = next(
        (
            name
            for name in ("callback_query", "inline_query", "message", "edited_message")
            if getattr(update, name) is not None
        ),
        "other",
    )
    user = update.effective_user
    parts = [f"update_id={update.update_id}", kind, pseudonym(user.id if user else None)]
    if detailed():
        if user is not None:
            parts.append(f"user={user.id}")
        if update.effective_chat is not None:
            parts.append(f"chat={update.effective_chat.id}")
        if update.callback_query is not None:
            parts.append(f"callback={update.callback_query.data!r}")
        elif update.effective_message is not None and update.effective_message.text:
            parts.append(f"text={update.effective_message.text[:80]!r}")
    return " ".join(parts)


def _redacted(error: BaseException, seen: set[int]) -> list[str]:
    seen.add(id(error))
    lines: list[str] = []
    cause = error.__cause__
    context = None if error.__suppress_context__ else error.__context__
    if cause is not None and id(cause) not in seen:
        lines += _redacted(cause, seen)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif context is not None and id(context) not in seen:
        lines += _redacted(context, seen)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    lines.append("Traceback (most recent call last):\n")
    lines += traceback.format_tb(error.__traceback__)
    name = f"{type(error).__module__}.{type(error).__qualname__}"
    lines.append(f"{name} (message hidden; LOG_LEVEL=DEBUG shows it)\n")
    return lines


class RedactingFormatter(logging.Formatter):
    """Above DEBUG, tracebacks without exception messages (see the module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        self._hide = record.levelno > logging.DEBUG
        return super().format(record)

    def formatException(self, ei: Any) -> str:
        if not getattr(self, "_hide", True) or ei[1] is None:
            return super().formatException(ei)
        return "".join(_redacted(ei[1], set())).rstrip("\n")


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # httpx logs every request at INFO, which would include the bot token in the URL.
    logging.getLogger("httpx").setLevel(logging.WARNING)

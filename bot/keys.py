"""Per-installation secrets, derived from the bot token so that none is ever stored in the
database, its -wal file, a backup of it or the logs.

- the *drafts key* seals anonymous survey answers until the survey closes
  (bot/services/sealing.py, docs/privacy.md);
- the *log key* turns a user id into an opaque name in the logs (bot/logs.py).

Without a token (`kopiena console`, the tests) a fixed stand-in is used: fine for trying
the bot out, not for real people's answers.
"""

from __future__ import annotations

import hashlib
import hmac

from bot.config import Settings

NO_TOKEN = b"kopiena: no bot token (console or tests only)"


def installation_secret(settings: Settings) -> bytes:
    token = settings.telegram_bot_token
    return token.get_secret_value().encode() if token is not None else NO_TOKEN


def derive(secret: bytes, label: str) -> bytes:
    """A 32-byte key for one purpose (HMAC-SHA256 as the key-derivation function)."""
    return hmac.new(secret, b"kopiena/" + label.encode(), hashlib.sha256).digest()

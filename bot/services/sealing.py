"""Sealed drafts: anonymous survey answers, encrypted (AES-256-GCM) while the survey is open.

The key is derived from the bot token (bot/keys.py) and never stored, so the database,
its -wal file and backups hold only ciphertext next to the person who is answering.
Every draft of a survey is padded to the same length, so the ciphertext does not tell
how much someone wrote. The associated data binds a draft to its row: a draft copied
onto another person's row does not open.
"""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE = 12
PAD_STEP = 1024


class Unreadable(Exception):
    """A draft sealed with another key (the bot token changed) or damaged."""


class Sealer:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, payload: dict[str, Any], bound_to: str, size: int) -> bytes:
        """`size`: the padded plaintext length, the same for every draft of a survey."""
        plain = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        padded_size = max(size, len(plain) + 1)
        padded_size += -padded_size % PAD_STEP
        padded = plain + b"\n" + b" " * (padded_size - len(plain) - 1)
        nonce = os.urandom(NONCE)
        return nonce + self._aead.encrypt(nonce, padded, bound_to.encode())

    def open(self, sealed: bytes, bound_to: str) -> dict[str, Any]:
        try:
            padded = self._aead.decrypt(sealed[:NONCE], sealed[NONCE:], bound_to.encode())
        except InvalidTag as error:
            raise Unreadable() from error
        return json.loads(padded.split(b"\n", 1)[0])

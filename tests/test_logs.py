"""Logs carry no personal data above DEBUG: a person is an opaque pseudonym, and neither
names, message texts, callback data nor exception messages are written."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from bot.fakeapi import Fault
from bot.logs import FORMAT, RedactingFormatter, pseudonym
from bot.sandbox import Sandbox
from tests.helpers import Clock
from tests.survey_kit import FIRST, FIRST_ID, attach, course, tick

SECRET_ANSWER = "Trainer Z. was rude to me"


@pytest.fixture
def clock() -> Clock:
    return Clock(FIRST - timedelta(days=1))


@contextmanager
def log_at(level: int) -> Iterator[io.StringIO]:
    """The log as `kopiena run` writes it (its formatter) at `level`."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(FORMAT))
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


async def test_a_failure_while_answering_anonymously_logs_no_personal_data(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga, event_id, _sessions, people, _ids = await course(sandbox, sessions=1)
    await attach(olga, event_id, anonymous=True)
    clock.set(FIRST + timedelta(hours=4, minutes=15))
    await tick(sandbox)
    anna, baiba = people[0], people[1]
    for person in (anna, baiba):
        await person.press("📝 Answer")
        await person.press("4")
        await person.press("Just right")
        await person.press("5")

    # Telegram answers 500 to the bot's reply to a typed anonymous answer, on every try.
    with log_at(logging.INFO) as log:
        tries = sandbox.settings.update_attempts
        sandbox.api.inject(Fault.SERVER_ERROR, method="sendMessage", chat_id=anna.id, times=tries)
        await anna.send(SECRET_ANSWER)
        await anna.press_data(f"svs:{'²' * 3}")  # forged callback data, refused quietly
    sandbox.errors.clear()
    text = log.getvalue()
    assert "Handler failed" in text and "Traceback" in text
    assert pseudonym(anna.id) in text  # the same opaque name on every line about Anna
    for secret in (SECRET_ANSWER, "Trainer Z", "Anna", str(anna.id), "²", "svs:"):
        assert secret not in text, secret

    # At DEBUG a developer sees the detail.
    with log_at(logging.DEBUG) as log:
        sandbox.api.inject(Fault.SERVER_ERROR, method="sendMessage", chat_id=baiba.id)
        await baiba.send(SECRET_ANSWER)
    sandbox.errors.clear()
    text = log.getvalue()
    assert SECRET_ANSWER in text and f"user={FIRST_ID + 1}" in text


def test_pseudonyms_are_opaque_and_stable() -> None:
    assert pseudonym(700_000) == pseudonym(700_000)
    assert pseudonym(700_000) != pseudonym(700_001)
    assert "700000" not in pseudonym(700_000)


def test_exception_messages_are_hidden_above_debug() -> None:
    typed = "".join(["An", "na Bērziņa"])  # not in the source lines of the traceback

    def failing() -> None:
        try:
            int(typed)
        except ValueError as error:
            raise RuntimeError(f"while reading {typed!r}") from error

    logger = logging.getLogger("kopiena.test")
    logger.setLevel(logging.DEBUG)
    for level, shown in ((logging.ERROR, False), (logging.DEBUG, True)):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(RedactingFormatter(FORMAT))
        logger.addHandler(handler)
        try:
            failing()
        except RuntimeError:
            logger.log(level, "It failed", exc_info=True)
        finally:
            logger.removeHandler(handler)
        text = stream.getvalue()
        assert "failing" in text and "ValueError" in text and "RuntimeError" in text
        assert ("Anna" in text) is shown

"""Helpers for the certificate, learning record and funder's report tests: a four-session
course with seeded participants, attendance marked by the organiser through the bot, and
what the outbox delivered to a chat."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import update

from bot.fakeapi import UploadedFile
from bot.outbox import dispatch_due
from bot.sandbox import Sandbox, SandboxUser
from storage.models import SurveyParticipant, User
from tests.eventkit import START, create_event, daily_sessions, db, seed_people

FIRST = START + timedelta(days=1)  # four daily sessions, 08:00-12:00 UTC
COURSE = daily_sessions(4, FIRST)
AFTER = COURSE[-1][1] + timedelta(minutes=1)
CODE = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b")


async def course(
    sandbox: Sandbox,
    people: list[tuple[str, str]],
    *,
    organiser_telegram_id: int = 501,
    title: str = "Ģimenes asistentu kurss",
    first_telegram_id: int = 700_000,
    sessions: list | None = None,  # type: ignore[type-arg]
) -> tuple[int, list[int], list[int]]:
    """A course and its confirmed participants: (name, municipality)."""
    event_id, session_ids = await create_event(
        sandbox, organiser_telegram_id, sessions or COURSE, title=title
    )
    ids = await seed_people(
        sandbox,
        event_id,
        [(name, municipality, "Sociālais dienests", "confirmed") for name, municipality in people],
        first_telegram_id=first_telegram_id,
    )
    return event_id, session_ids, ids


async def mark(staff: SandboxUser, session_ids: list[int], user_id: int, present: bool) -> None:
    """The organiser marks a person present or absent from the session's roster."""
    for session_id in session_ids:
        replies = await staff.press_data(f"at:{session_id}:{user_id}:{int(present)}")
        assert replies.alert is None or "not" not in replies.alert.lower(), replies.alert


async def answered_survey(sandbox: Sandbox, survey_id: int, session_id: int, user_id: int) -> None:
    """What answering the survey leaves behind: the person counts as having answered."""
    async with db(sandbox).begin() as session:
        session.add(SurveyParticipant(survey_id=survey_id, session_id=session_id, user_id=user_id))


async def set_language(sandbox: Sandbox, user_id: int, language: str) -> None:
    async with db(sandbox).begin() as session:
        await session.execute(update(User).where(User.id == user_id).values(language=language))


async def tick(sandbox: Sandbox) -> int:
    assert sandbox.application is not None
    return await dispatch_due(sandbox.application)


def documents(sandbox: Sandbox, chat_id: int) -> list[tuple[str, UploadedFile]]:
    """(caption, file) of every certificate sent to this chat, oldest first."""
    return [
        (str(call.params.get("caption", "")), call.params["document"])
        for call in sandbox.api.sent_to(chat_id)
        if call.method == "sendDocument"
        and isinstance(call.params.get("document"), UploadedFile)
        and call.params["document"].filename.startswith("certificate-")
    ]


def messages(sandbox: Sandbox, chat_id: int) -> list[str]:
    return [
        str(call.params.get("text", ""))
        for call in sandbox.api.sent_to(chat_id)
        if call.method == "sendMessage"
    ]


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)

"""The shared FAQ: questions participants send to the organisers, and the answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Language
from bot.i18n import N_, pick_language
from bot.services import dialogs
from bot.services.errors import InvalidInput, NotFound, Stale
from bot.services.faq import (
    ANSWER_LIMIT,
    FAQ_ANSWER,
    FAQ_ASK,
    QUESTION_LIMIT,
    QUEUE_PAGE,
    Answered,
    Asked,
    QuestionView,
    Recipient,
    clean_text,
)
from bot.services.roles import require
from bot.services.users import Person, Role
from storage.batching import GroupCommit
from storage.db import derived
from storage.models import (
    Dialog,
    FaqQuestion,
    User,
    UserRole,
    utcnow,
)


class QuestionStatus(StrEnum):
    """Where a question asked to the organisers stands."""

    OPEN = "open"
    ANSWERED = "answered"


# The last text searched in the FAQ, kept (as a dialog no handler reads typed text for)
# so "Ask the organisers" can offer to send it instead of making the person retype it.
SEARCHED = "faq_searched"


async def remember_search(
    db: async_sessionmaker[AsyncSession], person: Person, text: str, now: datetime
) -> None:
    """Searches made at the same moment are remembered in one transaction."""
    if person.dialog is not None and person.dialog.name != SEARCHED:
        return  # never replace a dialog in progress
    desk = derived(db, "faq.searched", lambda: GroupCommit(_remember_all))
    await desk.submit(db, (person.id, SEARCHED, "searched", {"text": text}, now))


async def _remember_all(session: AsyncSession, openings: Sequence[dialogs.Opening]) -> list[None]:
    await dialogs.put_dialogs(session, openings)
    return [None] * len(openings)


async def start_question(
    db: async_sessionmaker[AsyncSession], person: Person, now: datetime | None = None
) -> str | None:
    """Wait for the question; returns the text just searched (if any) to offer instead."""
    searched = None
    if person.dialog is not None and person.dialog.name == SEARCHED:
        text = person.dialog.data.get("text")
        if isinstance(text, str) and 0 < len(text) <= QUESTION_LIMIT:
            searched = text
    data = {"suggested": searched} if searched else {}
    await dialogs.open_dialog(db, person.id, FAQ_ASK, "text", data, now)
    return searched


def suggested(person: Person) -> str:
    """The question offered by `start_question`, while the ask dialog is open."""
    dialog = person.dialog
    if dialog is None or dialog.name != FAQ_ASK or not dialog.data.get("suggested"):
        raise Stale()
    return str(dialog.data["suggested"])


async def _recipients(
    session: AsyncSession,
    exclude: int,
    admin_ids: frozenset[int],
    default_language: Language,
) -> list[Recipient]:
    staff = select(UserRole.user_id).where(
        UserRole.role.in_([Role.ORGANISER.value, Role.ADMIN.value])
    )
    rows = await session.execute(
        select(User.telegram_id, User.language, User.telegram_language)
        .where(
            User.onboarded_at.is_not(None),
            User.forgotten_at.is_(None),
            User.telegram_id.is_not(None),
            User.id != exclude,
            or_(User.id.in_(staff), User.telegram_id.in_(admin_ids)),
        )
        .order_by(User.id)
    )
    return [
        Recipient(telegram_id, pick_language(language, code, default_language))
        for telegram_id, language, code in rows
    ]


def _question_view(question: FaqQuestion, asker: User | None) -> QuestionView:
    name = (asker.full_name if asker else None) or "—"
    return QuestionView(
        id=question.id,
        text=question.text,
        language=question.language,
        asker=name,
        created_at=question.created_at,
        status=question.status,
        answer=question.answer,
        entry_id=question.entry_id,
    )


async def ask(
    db: async_sessionmaker[AsyncSession],
    person: Person,
    text: str,
    admin_ids: frozenset[int],
    default_language: Language,
) -> Asked:
    """Store the question typed in the ask dialog; say whom to notify."""
    value = clean_text(text, QUESTION_LIMIT, N_("Please type your question."))
    async with db.begin() as session:
        claimed = await session.execute(
            delete(Dialog).where(Dialog.user_id == person.id, Dialog.name == FAQ_ASK)
        )
        if not claimed.rowcount:
            raise Stale()
        question = FaqQuestion(asker_id=person.id, text=value, language=person.language)
        session.add(question)
        await session.flush()
        asker = await session.get(User, person.id)
        recipients = await _recipients(session, person.id, admin_ids, default_language)
        return Asked(_question_view(question, asker), recipients)


async def open_questions(
    db: async_sessionmaker[AsyncSession], person: Person, page: int = 0
) -> tuple[list[QuestionView], int, int]:
    """One page of the open questions, oldest first; the number open and of pages."""
    require(person, Role.ORGANISER)
    async with db() as session:
        waiting = select(FaqQuestion).where(FaqQuestion.status == QuestionStatus.OPEN)
        total = await session.scalar(select(func.count()).select_from(waiting.subquery())) or 0
        pages = max(1, -(-total // QUEUE_PAGE))
        page = min(max(page, 0), pages - 1)
        rows = await session.execute(
            select(FaqQuestion, User)
            .outerjoin(User, User.id == FaqQuestion.asker_id)
            .where(FaqQuestion.status == QuestionStatus.OPEN)
            .order_by(FaqQuestion.created_at, FaqQuestion.id)
            .offset(page * QUEUE_PAGE)
            .limit(QUEUE_PAGE)
        )
        return [_question_view(q, u) for q, u in rows], total, pages


async def question_row(session: AsyncSession, question_id: int) -> tuple[FaqQuestion, User | None]:
    question = await session.get(FaqQuestion, question_id)
    if question is None:
        raise NotFound(N_("This question no longer exists."))
    return question, await session.get(User, question.asker_id)


async def start_answer(
    db: async_sessionmaker[AsyncSession], person: Person, question_id: int
) -> QuestionView:
    require(person, Role.ORGANISER)
    async with db() as session:
        question, asker = await question_row(session, question_id)
        if question.status != QuestionStatus.OPEN:
            raise InvalidInput(N_("This question has already been answered."))
        view = _question_view(question, asker)
    await dialogs.open_dialog(db, person.id, FAQ_ANSWER, "text", {"question": question_id})
    return view


async def answer(
    db: async_sessionmaker[AsyncSession],
    person: Person,
    text: str,
    default_language: Language,
) -> Answered:
    """Store the answer typed in the answer dialog, once; say whom to send it to."""
    require(person, Role.ORGANISER)
    dialog = person.dialog
    question_id = (dialog.data or {}).get("question") if dialog else None
    if dialog is None or dialog.name != FAQ_ANSWER or not isinstance(question_id, int):
        raise Stale()
    value = clean_text(text, ANSWER_LIMIT, N_("Please type your answer."))
    async with db.begin() as session:
        await session.execute(
            delete(Dialog).where(Dialog.user_id == person.id, Dialog.name == FAQ_ANSWER)
        )
        result = await session.execute(
            update(FaqQuestion)
            .where(FaqQuestion.id == question_id, FaqQuestion.status == QuestionStatus.OPEN)
            .values(
                status=QuestionStatus.ANSWERED,
                answer=value,
                answered_by=person.id,
                answered_at=utcnow(),
            )
        )
        answered = None  # the dialog is closed either way
        if result.rowcount:
            question, asker = await question_row(session, question_id)
            await session.refresh(question)
            recipient = None
            if asker is not None and asker.telegram_id is not None and asker.forgotten_at is None:
                language = pick_language(asker.language, asker.telegram_language, default_language)
                recipient = Recipient(asker.telegram_id, language)
            answered = Answered(_question_view(question, asker), recipient)
    if answered is None:
        raise InvalidInput(N_("This question has already been answered."))
    return answered


# -- drafts: new entries, edits, and publishing answered questions ----------------------


async def questions_of(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    """What the person asked the organisers, for /mydata."""
    questions = await session.scalars(
        select(FaqQuestion).where(FaqQuestion.asker_id == user_id).order_by(FaqQuestion.id)
    )
    return [
        {
            "question": q.text,
            "language": q.language,
            "status": q.status,
            "answer": q.answer,
            "asked_at": q.created_at.isoformat(),
            "answered_at": q.answered_at.isoformat() if q.answered_at else None,
        }
        for q in questions
    ]


async def forget_questions(session: AsyncSession, user_id: int) -> None:
    """/forget: the questions a person asked go; entries made from them stay."""
    await session.execute(delete(FaqQuestion).where(FaqQuestion.asker_id == user_id))

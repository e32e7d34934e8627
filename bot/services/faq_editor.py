"""The shared FAQ: organisers write and edit entries in the chat, import and export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import LANGUAGES
from bot.i18n import N_
from bot.services import dialogs
from bot.services.errors import InvalidInput, NotFound, ServiceError, Stale
from bot.services.faq import (
    ANSWER_LIMIT,
    CATEGORIES,
    DEFAULT_CATEGORY,
    FAQ_ANSWER,
    FAQ_ASK,
    FAQ_DRAFT,
    QUESTION_LIMIT,
    Draft,
    DraftState,
    EntryData,
    EntryView,
    clean_text,
    entry,
    entry_view,
    forget_index,
    slugify,
)
from bot.services.faq_questions import QuestionStatus, question_row
from bot.services.roles import require
from bot.services.users import Person, Role
from storage.db import insert
from storage.models import (
    Dialog,
    FaqEntry,
    FaqQuestion,
    FaqTranslation,
    utcnow,
)


async def _open_draft(db: async_sessionmaker[AsyncSession], person: Person, draft: Draft) -> str:
    step = draft.next_step
    await dialogs.open_dialog(db, person.id, FAQ_DRAFT, step, draft.data())
    return step


async def start_new(
    db: async_sessionmaker[AsyncSession], person: Person, category: str | None = None
) -> DraftState:
    require(person, Role.ORGANISER)
    if category is not None and category not in CATEGORIES:
        raise Stale()
    draft = Draft(mode="new", language=person.language, category=category)
    return DraftState(await _open_draft(db, person, draft), draft)


async def start_publish(
    db: async_sessionmaker[AsyncSession], person: Person, question_id: int
) -> DraftState:
    require(person, Role.ORGANISER)
    async with db() as session:
        question, _ = await question_row(session, question_id)
        if question.entry_id is not None:
            raise InvalidInput(N_("This question is already in the FAQ."))
        if question.status != QuestionStatus.ANSWERED or not question.answer:
            raise InvalidInput(N_("Answer the question first."))
        draft = Draft(
            mode="publish",
            language=question.language,
            question=question.text,
            answer=question.answer,
            question_id=question.id,
        )
    return DraftState(await _open_draft(db, person, draft), draft)


async def start_edit(
    db: async_sessionmaker[AsyncSession], person: Person, entry_id: int
) -> DraftState:
    require(person, Role.ORGANISER)
    async with db() as session:
        shown = await entry_view(session, entry_id, person.language)
    draft = Draft(
        mode="edit",
        language=shown.language,
        question=shown.question,
        answer=shown.answer,
        category=shown.category,
        entry_id=shown.id,
    )
    return DraftState(await _open_draft(db, person, draft), draft)


def _current_draft(person: Person, steps: Sequence[str]) -> tuple[str, Draft]:
    dialog = person.dialog
    if dialog is None or dialog.name != FAQ_DRAFT or dialog.step not in steps:
        raise Stale()
    return dialog.step, Draft.from_data(dialog.data)


async def _move(
    db: async_sessionmaker[AsyncSession], person: Person, step: str, draft: Draft, to: str
) -> DraftState:
    if not await dialogs.move_dialog(db, person.id, FAQ_DRAFT, step, to, draft.data()):
        raise Stale()
    return DraftState(to, draft)


async def change_draft(
    db: async_sessionmaker[AsyncSession], person: Person, part: str
) -> DraftState:
    """From the review: ask again for the question, the answer, the category or language."""
    require(person, Role.ORGANISER)
    if part not in ("question", "answer", "category", "language"):
        raise Stale()
    step, draft = _current_draft(person, ["review"])
    return await _move(db, person, step, draft, part)


async def set_draft_category(
    db: async_sessionmaker[AsyncSession], person: Person, category: str
) -> DraftState:
    require(person, Role.ORGANISER)
    if category not in CATEGORIES:
        raise Stale()
    step, draft = _current_draft(person, ["category"])
    draft = replace(draft, category=category)
    return await _move(db, person, step, draft, draft.next_step)


async def set_draft_language(
    db: async_sessionmaker[AsyncSession], person: Person, language: str
) -> DraftState:
    """Switch the draft's language. Editing an entry, it loads that language's version
    (or asks for one if there is none yet); a new entry keeps its text."""
    require(person, Role.ORGANISER)
    if language not in LANGUAGES:
        raise Stale()
    step, draft = _current_draft(person, ["language"])
    if draft.mode == "edit" and draft.entry_id is not None and language != draft.language:
        async with db() as session:
            version = await session.scalar(
                select(FaqTranslation).where(
                    FaqTranslation.entry_id == draft.entry_id, FaqTranslation.language == language
                )
            )
        question, answer = (version.question, version.answer) if version else ("", "")
        draft = replace(draft, question=question, answer=answer)
    draft = replace(draft, language=language)
    return await _move(db, person, step, draft, draft.next_step)


async def draft_text(db: async_sessionmaker[AsyncSession], person: Person, text: str) -> DraftState:
    """The question or answer typed while a draft waits for it."""
    require(person, Role.ORGANISER)
    step, draft = _current_draft(person, ["question", "answer"])
    if step == "question":
        value = clean_text(text, QUESTION_LIMIT, N_("Please type the question."))
        draft = replace(draft, question=value)
    else:
        value = clean_text(text, ANSWER_LIMIT, N_("Please type the answer."))
        draft = replace(draft, answer=value)
    return await _move(db, person, step, draft, draft.next_step)


async def _free_key(session: AsyncSession, base: str) -> str:
    candidate, number = base, 1
    while await session.scalar(select(FaqEntry.id).where(FaqEntry.key == candidate)):
        number += 1
        candidate = f"{base[:55]}-{number}"
    return candidate


async def save_draft(db: async_sessionmaker[AsyncSession], person: Person) -> int:
    """Write the reviewed draft into the FAQ, once; returns the entry's id."""
    require(person, Role.ORGANISER)
    _, draft = _current_draft(person, ["review"])
    if draft.category not in CATEGORIES or not draft.question or not draft.answer:
        raise Stale()
    async with db.begin() as session:
        claimed = await session.execute(
            delete(Dialog).where(
                Dialog.user_id == person.id, Dialog.name == FAQ_DRAFT, Dialog.step == "review"
            )
        )
        if not claimed.rowcount:
            raise Stale()
        # The dialog is closed whatever follows; a refusal is raised after the commit.
        entry_id, refusal = await _write_draft(session, person, draft)
    if refusal is not None:
        raise refusal
    forget_index(db)
    return entry_id


async def _write_draft(
    session: AsyncSession, person: Person, draft: Draft
) -> tuple[int, ServiceError | None]:
    now = utcnow()
    if draft.mode == "edit":
        entry = await session.get(FaqEntry, draft.entry_id or 0)
        if entry is None:
            return 0, NotFound(N_("This FAQ entry no longer exists."))
        entry.category = draft.category or DEFAULT_CATEGORY
        entry.updated_at = now
    else:
        if draft.mode == "publish":
            # The delete before took SQLite's write lock; FOR UPDATE does it elsewhere.
            already = await session.scalar(
                select(FaqQuestion.entry_id)
                .where(FaqQuestion.id == draft.question_id)
                .with_for_update()
            )
            if already is not None:
                return 0, InvalidInput(N_("This question is already in the FAQ."))
        entry = FaqEntry(
            key=await _free_key(session, slugify(draft.question)),
            category=draft.category or DEFAULT_CATEGORY,
            author_id=person.id,
            created_at=now,
            updated_at=now,
        )
        session.add(entry)
        await session.flush()
        if draft.mode == "publish":
            await session.execute(
                update(FaqQuestion)
                .where(FaqQuestion.id == draft.question_id)
                .values(entry_id=entry.id)
            )
    await _put_version(session, entry.id, draft.language, draft.question, draft.answer)
    return entry.id, None


async def _put_version(
    session: AsyncSession, entry_id: int, language: str, question: str, answer: str
) -> None:
    await session.execute(
        insert(session)(FaqTranslation)
        .values(entry_id=entry_id, language=language, question=question, answer=answer)
        .on_conflict_do_update(
            index_elements=[FaqTranslation.entry_id, FaqTranslation.language],
            set_={"question": question, "answer": answer},
        )
    )


async def cancel_draft(db: async_sessionmaker[AsyncSession], person: Person) -> None:
    for name in (FAQ_DRAFT, FAQ_ANSWER, FAQ_ASK):
        await dialogs.close_dialog(db, person.id, name)


async def delete_entry(db: async_sessionmaker[AsyncSession], person: Person, entry_id: int) -> None:
    require(person, Role.ORGANISER)
    async with db.begin() as session:
        result = await session.execute(delete(FaqEntry).where(FaqEntry.id == entry_id))
        if not result.rowcount:
            raise NotFound(N_("This FAQ entry no longer exists."))
    forget_index(db)


async def entry_for_staff(
    db: async_sessionmaker[AsyncSession], person: Person, entry_id: int
) -> EntryView:
    require(person, Role.ORGANISER)
    return await entry(db, entry_id, person.language)


# -- import and export ------------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    unchanged: int


async def import_entries(
    db: async_sessionmaker[AsyncSession], entries: Sequence[EntryData]
) -> ImportReport:
    """Add or update entries by key; running it twice changes nothing the second time."""
    added = updated = unchanged = 0
    now = utcnow()
    async with db.begin() as session:
        for item in entries:
            entry = await session.scalar(select(FaqEntry).where(FaqEntry.key == item.key))
            if entry is None:
                entry = FaqEntry(key=item.key, category=item.category, created_at=now)
                entry.updated_at = now
                session.add(entry)
                await session.flush()
                for language, (question, answer) in item.versions.items():
                    await _put_version(session, entry.id, language, question, answer)
                added += 1
                continue
            current = {
                t.language: (t.question, t.answer)
                for t in await session.scalars(
                    select(FaqTranslation).where(FaqTranslation.entry_id == entry.id)
                )
            }
            changed = entry.category != item.category
            for language, version in item.versions.items():
                if current.get(language) != version:
                    await _put_version(session, entry.id, language, *version)
                    changed = True
            if changed:
                entry.category = item.category
                entry.updated_at = now
                updated += 1
            else:
                unchanged += 1
    forget_index(db)
    return ImportReport(added, updated, unchanged)


async def export_entries(db: async_sessionmaker[AsyncSession]) -> list[EntryData]:
    async with db() as session:
        entries = list(await session.scalars(select(FaqEntry).order_by(FaqEntry.id)))
        versions: dict[int, dict[str, tuple[str, str]]] = {}
        for t in await session.scalars(select(FaqTranslation)):
            versions.setdefault(t.entry_id, {})[t.language] = (t.question, t.answer)
    return [
        EntryData(
            e.key,
            e.category,
            {code: versions[e.id][code] for code in LANGUAGES if code in versions.get(e.id, {})},
        )
        for e in entries
    ]


# -- privacy ----------------------------------------------------------------------------

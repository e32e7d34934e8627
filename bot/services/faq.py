"""The shared FAQ: entries in up to three languages, search, votes, questions to the
organisers and the drafts organisers edit in the chat.

The database is the source of truth. The search index (bot/services/faq_search.py) is a
cache per database, rebuilt when a cheap stamp (number of entries and translations,
latest `updated_at`) differs, so an edit made by another process is seen too.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import LANGUAGES, Language
from bot.i18n import N_, pick_language
from bot.services import dialogs
from bot.services.errors import InvalidInput, NotFound, ServiceError, Stale
from bot.services.faq_search import Document, SearchIndex, has_words
from bot.services.municipalities import fold
from bot.services.roles import require
from bot.services.users import Person, Role
from storage.db import insert
from storage.models import (
    Dialog,
    FaqEntry,
    FaqQuestion,
    FaqTranslation,
    FaqVote,
    User,
    UserRole,
    utcnow,
)

FAQ_ASK = "faq_ask"  # a user types a question for the organisers
FAQ_ANSWER = "faq_answer"  # an organiser types the answer to a question
FAQ_DRAFT = "faq_draft"  # an organiser writes or edits an entry, step by step

# A question for the organisers fits in one notification with room to spare, and is
# short enough to become an entry's question. Longer texts are refused, not trimmed:
# cutting would silently lose what the person actually asked.
QUESTION_LIMIT = 500
ANSWER_LIMIT = 3000  # an answer with its question and buttons stays under Telegram's 4096
SEARCH_LIMIT = 500  # characters of a typed text that are searched
PAGE_SIZE = 8
QUEUE_PAGE = 5
INLINE_RESULTS = 10

CATEGORIES: dict[str, str] = {
    "registration": N_("Registration and cancelling"),
    "venues": N_("Venues and times"),
    "certificates": N_("Certificates and hours"),
    "online": N_("Online sessions"),
    "costs": N_("Costs and travel"),
    "accessibility": N_("Accessibility"),
    "privacy": N_("Data and surveys"),
    "contacts": N_("Contacts"),
    "other": N_("Other questions"),
}
DEFAULT_CATEGORY = "other"


@dataclass(frozen=True)
class EntryTitle:
    id: int
    question: str


@dataclass(frozen=True)
class EntryView:
    id: int
    key: str
    category: str
    language: str  # the language of the version shown
    question: str
    answer: str
    updated_at: datetime
    helpful: int
    not_helpful: int
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Recipient:
    telegram_id: int
    language: Language


@dataclass(frozen=True)
class QuestionView:
    id: int
    text: str
    language: str
    asker: str
    created_at: datetime
    status: str
    answer: str | None
    entry_id: int | None


@dataclass(frozen=True)
class Asked:
    question: QuestionView
    recipients: list[Recipient]


@dataclass(frozen=True)
class Answered:
    question: QuestionView
    asker: Recipient | None  # None when the asker has since deleted their data


@dataclass(frozen=True)
class Draft:
    """An entry being written or edited; kept in the organiser's dialog row."""

    mode: str  # "new", "edit" or "publish"
    language: str
    question: str = ""
    answer: str = ""
    category: str | None = None
    entry_id: int | None = None
    question_id: int | None = None

    @property
    def next_step(self) -> str:
        if self.category is None:
            return "category"
        if not self.question:
            return "question"
        if not self.answer:
            return "answer"
        return "review"

    def data(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "language": self.language,
            "question": self.question,
            "answer": self.answer,
            "category": self.category,
            "entry": self.entry_id,
            "question_id": self.question_id,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Draft:
        return cls(
            mode=str(data.get("mode", "new")),
            language=str(data.get("language", "lv")),
            question=str(data.get("question") or ""),
            answer=str(data.get("answer") or ""),
            category=data.get("category"),
            entry_id=data.get("entry"),
            question_id=data.get("question_id"),
        )


@dataclass(frozen=True)
class DraftState:
    step: str
    draft: Draft


@dataclass(frozen=True)
class EntryData:
    """One entry as the YAML file has it: versions by language."""

    key: str
    category: str
    versions: dict[str, tuple[str, str]] = field(default_factory=dict)


# -- text rules -------------------------------------------------------------------------


def clean_text(text: str, limit: int, empty: str) -> str:
    """Trim and normalise a typed text; refuse an empty, wordless or too long one."""
    value = unicodedata.normalize("NFC", text).strip()
    value = re.sub(r"[ \t]+", " ", value)
    value = re.sub(r"\n{3,}", "\n\n", value)
    if not value:
        raise InvalidInput(empty)
    if not any(char.isalnum() for char in value):
        raise InvalidInput(N_("Please write it in words, not only with emoji or symbols."))
    if len(value) > limit:
        raise InvalidInput(
            N_(
                "That is {length} characters long; the limit is {limit}. "
                "Please shorten it and send it again."
            ),
            length=len(value),
            limit=limit,
        )
    return value


def slugify(text: str) -> str:
    slug = re.sub(r"[^\w]+", "-", fold(text)).strip("-_")
    return slug[:60].strip("-") or "entry"


def _versions_order(language: str) -> list[str]:
    return list(dict.fromkeys([language, "lv", *LANGUAGES]))


def _pick(versions: dict[str, Any], language: str) -> str:
    for code in _versions_order(language):
        if code in versions:
            return code
    return next(iter(versions))


# -- the search index cache -------------------------------------------------------------


@dataclass
class _Cache:
    stamp: tuple[Any, ...]
    index: SearchIndex
    questions: dict[int, dict[str, str]]  # entry id -> language -> question


_caches: dict[str, _Cache] = {}


def _cache_key(db: async_sessionmaker[AsyncSession]) -> str:
    bind = db.kw.get("bind")
    return str(getattr(bind, "url", id(db)))


async def _stamp(session: AsyncSession) -> tuple[Any, ...]:
    """Changes whenever an entry or a version is added, edited or deleted (one query)."""
    translations = select(func.count(FaqTranslation.id)).scalar_subquery()
    row = await session.execute(
        select(func.count(FaqEntry.id), func.max(FaqEntry.updated_at), translations)
    )
    return tuple(row.one())


def _build(rows: Sequence[tuple[int, str, str, str]]) -> tuple[SearchIndex, dict]:
    questions: dict[int, dict[str, str]] = {}
    texts: dict[int, list[tuple[str, str]]] = {}
    for entry_id, language, question, answer in rows:
        questions.setdefault(entry_id, {})[language] = question
        texts.setdefault(entry_id, []).append((question, answer))
    documents = [Document(entry_id, pairs) for entry_id, pairs in texts.items()]
    return SearchIndex(documents), questions


async def _index(db: async_sessionmaker[AsyncSession]) -> _Cache:
    """The index for this database, rebuilt first if the FAQ changed since it was built."""
    key = _cache_key(db)
    async with db() as session:
        stamp = await _stamp(session)
        cached = _caches.get(key)
        if cached is not None and cached.stamp == stamp:
            return cached
        rows = (
            await session.execute(
                select(
                    FaqTranslation.entry_id,
                    FaqTranslation.language,
                    FaqTranslation.question,
                    FaqTranslation.answer,
                ).order_by(FaqTranslation.entry_id, FaqTranslation.language)
            )
        ).all()
    index, questions = await asyncio.to_thread(_build, [tuple(row) for row in rows])
    cached = _Cache(stamp, index, questions)
    _caches[key] = cached
    return cached


def forget_index(db: async_sessionmaker[AsyncSession]) -> None:
    _caches.pop(_cache_key(db), None)


async def warm_up(db: async_sessionmaker[AsyncSession]) -> None:
    """Build the index at start, so the first question is answered as fast as the rest."""
    await _index(db)


def _title(questions: dict[str, str], entry_id: int, language: str) -> EntryTitle:
    return EntryTitle(entry_id, questions[_pick(questions, language)])


async def search(
    db: async_sessionmaker[AsyncSession], text: str, language: str, limit: int = 3
) -> list[EntryTitle]:
    """The entries that best answer `text`, best first (none when nothing fits)."""
    text = text[:SEARCH_LIMIT]
    if not has_words(text):
        raise InvalidInput(
            N_(
                "Type a question in words and I will look for it in the FAQ. "
                "Send /help to see what else I can do."
            )
        )
    cache = await _index(db)
    hits = cache.index.search(text, limit)
    return [
        _title(cache.questions[hit.entry_id], hit.entry_id, language)
        for hit in hits
        if hit.entry_id in cache.questions
    ]


# -- reading entries --------------------------------------------------------------------


async def _entry_view(session: AsyncSession, entry_id: int, language: str) -> EntryView:
    entry = await session.get(FaqEntry, entry_id)
    if entry is None:
        raise NotFound(N_("This FAQ entry no longer exists."))
    versions = {
        t.language: t
        for t in await session.scalars(
            select(FaqTranslation).where(FaqTranslation.entry_id == entry_id)
        )
    }
    if not versions:
        raise NotFound(N_("This FAQ entry no longer exists."))
    shown = versions[_pick(versions, language)]
    votes = dict(
        (
            await session.execute(
                select(FaqVote.helpful, func.count())
                .where(FaqVote.entry_id == entry_id)
                .group_by(FaqVote.helpful)
            )
        ).all()
    )
    return EntryView(
        id=entry.id,
        key=entry.key,
        category=entry.category,
        language=shown.language,
        question=shown.question,
        answer=shown.answer,
        updated_at=entry.updated_at,
        helpful=votes.get(True, 0),
        not_helpful=votes.get(False, 0),
        languages=tuple(code for code in LANGUAGES if code in versions),
    )


async def entry(db: async_sessionmaker[AsyncSession], entry_id: int, language: str) -> EntryView:
    async with db() as session:
        return await _entry_view(session, entry_id, language)


async def categories(db: async_sessionmaker[AsyncSession]) -> list[tuple[str, int]]:
    """Categories that have entries, in the fixed order, with how many each has."""
    async with db() as session:
        counts = dict(
            (
                await session.execute(
                    select(FaqEntry.category, func.count()).group_by(FaqEntry.category)
                )
            ).all()
        )
    return [(key, counts[key]) for key in CATEGORIES if counts.get(key)]


async def entries_in(
    db: async_sessionmaker[AsyncSession], category: str, language: str, page: int = 0
) -> tuple[list[EntryTitle], int]:
    if category not in CATEGORIES:
        raise Stale()
    cache = await _index(db)
    async with db() as session:
        ids = list(
            await session.scalars(
                select(FaqEntry.id).where(FaqEntry.category == category).order_by(FaqEntry.id)
            )
        )
    pages = max(1, -(-len(ids) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chosen = ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    return [_title(cache.questions[i], i, language) for i in chosen if i in cache.questions], pages


async def inline_entries(
    db: async_sessionmaker[AsyncSession], text: str, language: str
) -> list[EntryView]:
    """Entries to offer in inline mode: matches for `text`, or the most helpful ones."""
    text = text[:SEARCH_LIMIT]
    if has_words(text):
        cache = await _index(db)
        ids = [hit.entry_id for hit in cache.index.search(text, INLINE_RESULTS)]
    else:
        async with db() as session:
            helpful = func.count(FaqVote.user_id).filter(FaqVote.helpful.is_(True))
            ids = list(
                await session.scalars(
                    select(FaqEntry.id)
                    .outerjoin(FaqVote, FaqVote.entry_id == FaqEntry.id)
                    .group_by(FaqEntry.id)
                    .order_by(helpful.desc(), FaqEntry.id)
                    .limit(INLINE_RESULTS)
                )
            )
    found = []
    async with db() as session:
        for entry_id in ids:
            try:
                found.append(await _entry_view(session, entry_id, language))
            except NotFound:
                continue  # deleted since the index was built
    return found


async def viewer_language(
    db: async_sessionmaker[AsyncSession],
    telegram_id: int,
    telegram_code: str | None,
    default: Language,
) -> Language:
    """The language for someone using inline mode, without creating a user for them."""
    async with db() as session:
        chosen = await session.scalar(select(User.language).where(User.telegram_id == telegram_id))
    return pick_language(chosen, telegram_code, default)


# -- "did this help?" -------------------------------------------------------------------


async def vote(
    db: async_sessionmaker[AsyncSession], person: Person, entry_id: int, helpful: bool
) -> tuple[EntryView, bool]:
    """Record the person's answer; pressing again changes nothing. Returns (entry, changed)."""
    try:
        async with db.begin() as session:
            if await session.get(FaqEntry, entry_id) is None:
                raise NotFound(N_("This FAQ entry no longer exists."))
            result = await session.execute(
                insert(session)(FaqVote)
                .values(entry_id=entry_id, user_id=person.id, helpful=helpful, at=utcnow())
                .on_conflict_do_update(
                    index_elements=[FaqVote.entry_id, FaqVote.user_id],
                    set_={"helpful": helpful, "at": utcnow()},
                    where=FaqVote.helpful != helpful,
                )
            )
            changed = bool(result.rowcount)
            return await _entry_view(session, entry_id, person.language), changed
    except IntegrityError:  # the entry was deleted at this very moment
        raise NotFound(N_("This FAQ entry no longer exists.")) from None


# -- questions for the organisers -------------------------------------------------------


async def start_question(db: async_sessionmaker[AsyncSession], person: Person) -> None:
    await dialogs.open_dialog(db, person.id, FAQ_ASK, "text")


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
        waiting = select(FaqQuestion).where(FaqQuestion.status == "open")
        total = await session.scalar(select(func.count()).select_from(waiting.subquery())) or 0
        pages = max(1, -(-total // QUEUE_PAGE))
        page = min(max(page, 0), pages - 1)
        rows = await session.execute(
            select(FaqQuestion, User)
            .outerjoin(User, User.id == FaqQuestion.asker_id)
            .where(FaqQuestion.status == "open")
            .order_by(FaqQuestion.created_at, FaqQuestion.id)
            .offset(page * QUEUE_PAGE)
            .limit(QUEUE_PAGE)
        )
        return [_question_view(q, u) for q, u in rows], total, pages


async def _question(session: AsyncSession, question_id: int) -> tuple[FaqQuestion, User | None]:
    question = await session.get(FaqQuestion, question_id)
    if question is None:
        raise NotFound(N_("This question no longer exists."))
    return question, await session.get(User, question.asker_id)


async def start_answer(
    db: async_sessionmaker[AsyncSession], person: Person, question_id: int
) -> QuestionView:
    require(person, Role.ORGANISER)
    async with db() as session:
        question, asker = await _question(session, question_id)
        if question.status != "open":
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
            .where(FaqQuestion.id == question_id, FaqQuestion.status == "open")
            .values(status="answered", answer=value, answered_by=person.id, answered_at=utcnow())
        )
        answered = None  # the dialog is closed either way
        if result.rowcount:
            question, asker = await _question(session, question_id)
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
        question, _ = await _question(session, question_id)
        if question.entry_id is not None:
            raise InvalidInput(N_("This question is already in the FAQ."))
        if question.status != "answered" or not question.answer:
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
        shown = await _entry_view(session, entry_id, person.language)
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

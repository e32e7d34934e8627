"""The shared FAQ: entries in up to three languages, search, votes, questions to the
organisers and the drafts organisers edit in the chat.

The database is the source of truth. The search index (bot/services/faq_search.py) is a
cache per database, rebuilt when a cheap stamp (number of entries and translations,
latest `updated_at`) differs, so an edit made by another process is seen too.
"""

from __future__ import annotations

import asyncio
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import LANGUAGES, Language
from bot.i18n import N_, pick_language
from bot.services.errors import InvalidInput, NotFound, Stale
from bot.services.events import TitleMatch, named_in
from bot.services.faq_search import Document, SearchIndex, has_words
from bot.services.municipalities import fold
from bot.services.users import Person
from storage.batching import GroupCommit
from storage.db import Database, derived, insert
from storage.models import (
    FaqEntry,
    FaqTranslation,
    FaqVote,
    User,
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


CACHE = "faq_index"


def _derived(db: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """Where this database's index is kept (a plain sessionmaker keeps none)."""
    return db.derived if isinstance(db, Database) else {}


# Changes whenever an entry or a version is added, edited or deleted. Built once: it runs
# for every question.
_STAMP = select(
    func.count(FaqEntry.id),
    func.max(FaqEntry.updated_at),
    select(func.count(FaqTranslation.id)).scalar_subquery(),
)


async def _stamp(session: AsyncSession) -> tuple[Any, ...]:
    return tuple((await session.execute(_STAMP)).one())


def _build(rows: Sequence[tuple[int, str, str, str]]) -> tuple[SearchIndex, dict]:
    questions: dict[int, dict[str, str]] = {}
    texts: dict[int, list[tuple[str, str]]] = {}
    for entry_id, language, question, answer in rows:
        questions.setdefault(entry_id, {})[language] = question
        texts.setdefault(entry_id, []).append((question, answer))
    documents = [Document(entry_id, pairs) for entry_id, pairs in texts.items()]
    return SearchIndex(documents), questions


async def _index(
    db: async_sessionmaker[AsyncSession], session: AsyncSession | None = None
) -> _Cache:
    """The index for this database, rebuilt first if the FAQ changed since it was built
    (read in `session`, if given)."""
    if session is None:
        async with db() as own:
            return await _index(db, own)
    stamp = await _stamp(session)
    cached = _derived(db).get(CACHE)
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
    _derived(db)[CACHE] = cached
    return cached


def forget_index(db: async_sessionmaker[AsyncSession]) -> None:
    _derived(db).pop(CACHE, None)


async def warm_up(db: async_sessionmaker[AsyncSession]) -> None:
    """Build the index at start, so the first question is answered as fast as the rest."""
    await _index(db)


def _title(questions: dict[str, str], entry_id: int, language: str) -> EntryTitle:
    return EntryTitle(entry_id, questions[_pick(questions, language)])


def _searchable(text: str) -> str:
    text = text[:SEARCH_LIMIT]
    if not has_words(text):
        raise InvalidInput(
            N_(
                "Type a question in words and I will look for it in the FAQ. "
                "Send /help to see what else I can do."
            )
        )
    return text


def _best(cache: _Cache, text: str, language: str, limit: int) -> list[EntryTitle]:
    return [
        _title(cache.questions[hit.entry_id], hit.entry_id, language)
        for hit in cache.index.search(text, limit)
        if hit.entry_id in cache.questions
    ]


async def search(
    db: async_sessionmaker[AsyncSession], text: str, language: str, limit: int = 3
) -> list[EntryTitle]:
    """The entries that best answer `text`, best first (none when nothing fits)."""
    text = _searchable(text)
    return _best(await _index(db), text, language, limit)


async def answers(
    db: async_sessionmaker[AsyncSession], text: str, language: str, now: datetime
) -> tuple[list[EntryTitle], list[TitleMatch]]:
    """What a typed question gets, read in one session: the entries that best answer it
    (`search`), and the upcoming trainings it names, whose cards answer dates and places
    best."""
    text = _searchable(text)
    async with db() as session:
        cache = await _index(db, session)
        named = await named_in(session, text, now)
    return _best(cache, text, language, 3), named


# -- reading entries --------------------------------------------------------------------


_VERSIONS = select(FaqTranslation).where(FaqTranslation.entry_id == bindparam("entry"))
_VOTES = (
    select(FaqVote.helpful, func.count())
    .where(FaqVote.entry_id == bindparam("entry"))
    .group_by(FaqVote.helpful)
)


async def entry_view(session: AsyncSession, entry_id: int, language: str) -> EntryView:
    entry = await session.get(FaqEntry, entry_id)
    if entry is None:
        raise NotFound(N_("This FAQ entry no longer exists."))
    versions = {t.language: t for t in await session.scalars(_VERSIONS, {"entry": entry_id})}
    if not versions:
        raise NotFound(N_("This FAQ entry no longer exists."))
    shown = versions[_pick(versions, language)]
    votes = dict((await session.execute(_VOTES, {"entry": entry_id})).all())
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
        return await entry_view(session, entry_id, language)


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
                found.append(await entry_view(session, entry_id, language))
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


@dataclass(frozen=True)
class _Vote:
    entry_id: int
    user_id: int
    helpful: bool


async def vote(
    db: async_sessionmaker[AsyncSession], person: Person, entry_id: int, helpful: bool
) -> tuple[EntryView, bool]:
    """Record the person's answer; pressing again changes nothing. Returns (entry, changed).
    Votes made at the same moment (the minutes after a session) share one transaction."""
    desk = derived(db, "faq.votes", lambda: GroupCommit(_vote_all))
    try:
        changed = await desk.submit(db, _Vote(entry_id, person.id, helpful))
    except IntegrityError:  # the entry was deleted at this very moment
        raise NotFound(N_("This FAQ entry no longer exists.")) from None
    return await entry(db, entry_id, person.language), changed


async def _vote_all(session: AsyncSession, votes: Sequence[_Vote]) -> list[bool | Exception]:
    wanted = {vote.entry_id for vote in votes}
    present = set(await session.scalars(select(FaqEntry.id).where(FaqEntry.id.in_(wanted))))
    connection, upsert = await session.connection(), _vote_upsert(insert(session))
    results: list[bool | Exception] = []
    for vote in votes:
        if vote.entry_id not in present:
            results.append(NotFound(N_("This FAQ entry no longer exists.")))
            continue
        values = {
            "new_entry": vote.entry_id,
            "new_user": vote.user_id,
            "new_helpful": vote.helpful,
            "new_at": utcnow(),
        }
        result = await connection.execute(upsert, values)  # Core: the ORM has no rowcount
        results.append(bool(result.rowcount))
    return results


@functools.cache
def _vote_upsert(dialect_insert: Any) -> Any:
    """A vote, or a changed vote, for this dialect; built once. Voting the same again
    changes no row (its rowcount is 0)."""
    statement = dialect_insert(FaqVote).values(
        entry_id=bindparam("new_entry"),
        user_id=bindparam("new_user"),
        helpful=bindparam("new_helpful"),
        at=bindparam("new_at"),
    )
    return statement.on_conflict_do_update(
        index_elements=[FaqVote.entry_id, FaqVote.user_id],
        set_={"helpful": statement.excluded.helpful, "at": statement.excluded.at},
        where=FaqVote.helpful != statement.excluded.helpful,
    )


# -- questions for the organisers -------------------------------------------------------

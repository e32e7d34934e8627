"""Shared by the FAQ tests: the example FAQ in the sandbox's database, and a snapshot of
every FAQ table to show that a refused action changed nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.sandbox import Sandbox
from bot.services import faq_editor
from bot.services.faq_io import parse
from storage.models import Dialog, FaqEntry, FaqQuestion, FaqTranslation, FaqVote

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "faq.yaml"
QUERIES = ROOT / "bench" / "faq_queries.yaml"


async def load_examples(sandbox: Sandbox) -> None:
    assert sandbox.runtime is not None
    await faq_editor.import_entries(sandbox.runtime.db, parse(EXAMPLES.read_text(encoding="utf-8")))


async def entry_id(sandbox: Sandbox, key: str) -> int:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        found = await session.scalar(select(FaqEntry.id).where(FaqEntry.key == key))
    assert found is not None, key
    return found


async def faq_snapshot(sandbox: Sandbox) -> dict[str, Any]:
    """Every row of the FAQ tables, as plain tuples."""
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        entries = await session.execute(
            select(FaqEntry.id, FaqEntry.key, FaqEntry.category, FaqEntry.updated_at)
        )
        versions = await session.execute(
            select(
                FaqTranslation.entry_id,
                FaqTranslation.language,
                FaqTranslation.question,
                FaqTranslation.answer,
            )
        )
        votes = await session.execute(select(FaqVote.entry_id, FaqVote.user_id, FaqVote.helpful))
        questions = await session.execute(
            select(FaqQuestion.id, FaqQuestion.status, FaqQuestion.answer, FaqQuestion.entry_id)
        )
        return {
            "entries": sorted(tuple(row) for row in entries),
            "versions": sorted(tuple(row) for row in versions),
            "votes": sorted(tuple(row) for row in votes),
            "questions": sorted(tuple(row) for row in questions),
        }


async def dialog_of(sandbox: Sandbox, user_id: int) -> tuple[str, str] | None:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        dialog = await session.get(Dialog, user_id)
        return (dialog.name, dialog.step) if dialog else None

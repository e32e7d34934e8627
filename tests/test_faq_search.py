"""Search quality on the labelled queries, an index that follows the database, and the
`kopiena faq import/export` commands. Timing lives in bench/faq_search.py, not here."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import insert, select

from bot.services import faq, faq_editor
from bot.services.faq_io import FaqFormatError, parse
from bot.services.faq_search import Document, SearchIndex, has_words, stem, words
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.models import FaqEntry, FaqTranslation
from tests.faq_helpers import EXAMPLES, QUERIES
from tests.test_config import run_kopiena


def example_index() -> tuple[SearchIndex, dict[int, str]]:
    entries = parse(EXAMPLES.read_text(encoding="utf-8"))
    keys = {number: entry.key for number, entry in enumerate(entries, 1)}
    documents = [
        Document(number, list(entry.versions.values())) for number, entry in enumerate(entries, 1)
    ]
    return SearchIndex(documents), keys


def hit_rate(index: SearchIndex, keys: dict[int, str], queries: list[dict[str, str]]) -> float:
    found = 0
    for query in queries:
        top = [keys[hit.entry_id] for hit in index.search(query["query"], 3)]
        found += query["expect"] in top
    return found / len(queries)


def test_examples_are_fifteen_entries_in_three_languages() -> None:
    entries = parse(EXAMPLES.read_text(encoding="utf-8"))
    assert len(entries) == 15
    assert all(set(entry.versions) == {"lv", "en", "ru"} for entry in entries)


def test_labelled_queries_find_their_entry_in_the_top_three() -> None:
    labelled = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    assert len(labelled["queries"]) == 40
    assert {q["kind"] for q in labelled["queries"]} == {
        "typo",
        "diacritics",
        "language",
        "paraphrase",
    }
    index, keys = example_index()
    assert hit_rate(index, keys, labelled["queries"]) >= 0.9
    assert len(labelled["holdout"]) >= 60 and len(labelled["fresh"]) >= 20
    assert hit_rate(index, keys, labelled["holdout"]) >= 0.9
    assert hit_rate(index, keys, labelled["fresh"]) >= 0.9  # written after the tuning


def test_off_topic_questions_get_no_weak_matches() -> None:
    labelled = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    index, _ = example_index()
    answered = [text for text in labelled["negatives"] if index.search(text)]
    assert len(answered) <= 1, answered
    # A typo alone is still found; a typo next to words the FAQ does not know is not.
    assert index.search("regsitracija") and index.search("сертефикат")
    assert index.search("mans dators nestrādā") == []


def test_folding_stems_and_what_finds_nothing() -> None:
    assert words("Reģistrācija UN Сертификата!") == ["registracija", "сертификата"]
    assert stem("registracija") == stem("registreties") == "regist"
    assert stem("сертификата") == stem("сертификат")
    assert not has_words("🙂 🙂 ?!") and has_words("ok")
    index, _ = example_index()
    for text in ("weather in Paris", "SELECT * FROM users; --", "<b></b>", "🙂", "x" * 4000):
        assert index.search(text) == [], text


async def test_the_index_follows_changes_made_elsewhere(database_url: str) -> None:
    """Another process (here: a second engine) adds an entry; the next search sees it."""
    await asyncio.to_thread(upgrade, database_url)
    engine, other = create_engine(database_url), create_engine(database_url)
    db, other_db = create_sessionmaker(engine), create_sessionmaker(other)
    try:
        await faq_editor.import_entries(db, parse(EXAMPLES.read_text(encoding="utf-8")))
        assert await faq.search(db, "mājdzīvnieki", "lv") == []
        now = datetime.now(UTC)
        async with other_db.begin() as session:
            entry_id = (
                await session.execute(
                    insert(FaqEntry)
                    .values(key="pets", category="other", created_at=now, updated_at=now)
                    .returning(FaqEntry.id)
                )
            ).scalar_one()
            await session.execute(
                insert(FaqTranslation).values(
                    entry_id=entry_id,
                    language="lv",
                    question="Vai drīkst ņemt līdzi mājdzīvniekus?",
                    answer="Nē.",
                )
            )
        found = await faq.search(db, "majdzivnieki", "en")
        assert [title.question for title in found] == ["Vai drīkst ņemt līdzi mājdzīvniekus?"]
    finally:
        await engine.dispose()
        await other.dispose()


def test_bad_files_are_refused_with_the_place_named() -> None:
    with pytest.raises(FaqFormatError, match="entry 1: 'key'"):
        parse("entries:\n  - key: 'not a slug'\n")
    with pytest.raises(FaqFormatError, match=r"entry 1 \(a\): unknown category 'x'"):
        parse("entries:\n  - {key: a, category: x, en: {question: Q, answer: A}}\n")
    with pytest.raises(FaqFormatError, match="the key is used twice"):
        parse(
            "entries:\n  - {key: a, en: {question: Q, answer: A}}\n"
            "  - {key: a, en: {question: Q, answer: A}}\n"
        )
    with pytest.raises(FaqFormatError, match=r"entry 1 \(a\)\.en\.answer: 3001 characters"):
        parse(
            yaml.safe_dump(
                {"entries": [{"key": "a", "en": {"question": "Q", "answer": "a" * 3001}}]}
            )
        )


def test_import_is_idempotent_and_export_round_trips(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    first = run_kopiena(tmp_path, "faq", "import", str(EXAMPLES), DATABASE_URL=url)
    assert first.returncode == 0, first.stderr
    assert "15 new, 0 updated, 0 unchanged" in first.stdout
    again = run_kopiena(tmp_path, "faq", "import", str(EXAMPLES), DATABASE_URL=url)
    assert "0 new, 0 updated, 15 unchanged" in again.stdout

    exported = tmp_path / "out.yaml"
    result = run_kopiena(tmp_path, "faq", "export", str(exported), DATABASE_URL=url)
    assert result.returncode == 0 and "Exported 15 entries" in result.stdout
    assert parse(exported.read_text(encoding="utf-8")) == parse(EXAMPLES.read_text("utf-8"))

    # An edited file updates in place: no duplicates.
    text = exported.read_text(encoding="utf-8").replace(
        "Vai mācības ir bezmaksas?", "Vai dalība mācībās ir bezmaksas?"
    )
    exported.write_text(text, encoding="utf-8")
    result = run_kopiena(tmp_path, "faq", "import", str(exported), DATABASE_URL=url)
    assert "0 new, 1 updated, 14 unchanged" in result.stdout

    bad = tmp_path / "bad.yaml"
    bad.write_text("entries: [{key: a, category: nope, en: {question: Q, answer: A}}]\n")
    result = run_kopiena(tmp_path, "faq", "import", str(bad), DATABASE_URL=url)
    assert result.returncode == 1 and "unknown category 'nope'" in result.stderr
    missing = run_kopiena(tmp_path, "faq", "import", "nowhere.yaml", DATABASE_URL=url)
    assert missing.returncode == 1 and "cannot read nowhere.yaml" in missing.stderr

    async def count() -> int:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                return len(list(await session.scalars(select(FaqEntry.id))))
        finally:
            await engine.dispose()

    assert asyncio.run(count()) == 15

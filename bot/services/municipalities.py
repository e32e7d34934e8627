"""Latvia's local governments since the 2021 reform, and finding one by what people type."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

from bot.i18n import latvian_sort_key

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "municipalities.json"
OTHER = "other"  # people who do not work for a municipality (ministry, NGO, abroad)


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    places: tuple[str, ...]


def fold(text: str) -> str:
    """Lower case without diacritics: 'Cēsu novads' -> 'cesu novads'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def all_municipalities() -> tuple[Municipality, ...]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))["municipalities"]
    items = [Municipality(m["code"], m["name"], tuple(m["places"])) for m in raw]
    return tuple(sorted(items, key=lambda m: latvian_sort_key(m.name)))


@cache
def _by_code() -> dict[str, Municipality]:
    return {m.code: m for m in all_municipalities()}


def get(code: str) -> Municipality | None:
    return _by_code().get(code)


def is_known(code: str) -> bool:
    return code == OTHER or code in _by_code()


def page(number: int, size: int) -> tuple[list[Municipality], int]:
    """One page of the alphabetical list and the number of pages."""
    items = all_municipalities()
    pages = max(1, -(-len(items) // size))
    number = min(max(number, 0), pages - 1)
    return list(items[number * size : (number + 1) * size]), pages


def _word_score(query: str, word: str) -> float:
    if word == query:
        return 1.0
    if word.startswith(query) and len(query) >= 3:
        return 0.95
    score = SequenceMatcher(None, query, word).ratio()
    # Latvian endings change with case ("Cēsis" / "Cēsu novads"): reward a shared stem.
    stem = min(len(query), len(word), 4)
    if stem >= 3 and query[:stem] == word[:stem]:
        score = max(score, 0.85)
    return score


STRONG_MATCH = 0.8


def search(text: str, limit: int = 5) -> tuple[list[Municipality], bool]:
    """Best matches first, and whether they are real matches or only the closest names.

    Diacritics and case are ignored; typos, case endings and town names are tolerated.
    """
    query = " ".join(fold(text).replace("novads", " ").split())
    if not query:
        return [], False
    scored = []
    for municipality in all_municipalities():
        names = [municipality.name, *municipality.places]
        words = {w for name in names for w in fold(name).replace("-", " ").split()}
        words.discard("novads")
        whole = max(SequenceMatcher(None, query, fold(name)).ratio() for name in names)
        best = max([whole, *(_word_score(q, w) for q in query.split() for w in words)])
        # Prefer the municipality named after the place over one that merely contains it.
        if fold(municipality.name).startswith(query[:4]):
            best += 0.01
        scored.append((best, municipality))
    scored.sort(key=lambda pair: -pair[0])
    strong = [m for score, m in scored[:limit] if score >= STRONG_MATCH]
    return (strong, True) if strong else ([m for _, m in scored[:limit]], False)

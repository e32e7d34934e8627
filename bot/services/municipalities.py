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


# Russian letters as Latvian spells the same sounds ("Цесис" -> "cesis"). The iotated
# vowels are "ja", "ju", "je", "jo" at the start of a word or after a vowel ("Юрмала",
# "Лиепая", "Елгава"), and plain after a consonant, whose softness Latvian writes as ļ, ņ
# ("Вараклянский" -> "varaklan...").
_CYRILLIC = dict(zip("абвгдзиклмнопрстуфхцчшщыэжй", "abvgdziklmnoprstufhccssiezi", strict=True))
_IOTATED = {"я": "a", "ю": "u", "е": "e", "ё": "o"}
_VOWELS = set("аеёоуыэюяaeou")  # not "и": Russian writes Latvian "ie" as "ие" ("Лиепая")
# Latin spellings people use for Latvian letters: "sh" for š, "ch" for č, "ts" for c.
_DIGRAPHS = (("sh", "s"), ("ch", "c"), ("zh", "z"), ("kh", "h"), ("ts", "c"), ("y", "j"))


def _latin(text: str) -> str:
    out: list[str] = []
    previous = " "
    for char in text:
        if char in _IOTATED:
            starts = not previous.isalpha() or previous in _VOWELS or previous in "ъь"
            out.append(("j" if starts else "") + _IOTATED[char])
        elif char in "ъь":
            pass
        else:
            out.append(_CYRILLIC.get(char, char))
        previous = char
    return "".join(out)


def skeleton(text: str) -> str:
    """What a place name sounds like, spelling aside: 'Даугавпилс', 'Daugavpils' and
    'daugavpils' agree, as do 'Jekabpils' and 'Jēkabpils'."""
    latin = _latin(fold(text).replace("-", " "))
    for digraph, letter in _DIGRAPHS:
        latin = latin.replace(digraph, letter)
    return " ".join(latin.split())


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


def exact_match(text: str) -> Municipality | None:
    """The one municipality the text names exactly (any spelling, any script): its full
    name ('Talsu novads', 'Ventspils'), a town in it ('Talsi'), or its name without
    'novads' ('talsu'). None when nothing or more than one fits."""
    query = skeleton(text)
    if not query:
        return None
    for names in (_full_names, _short_names):
        found = [m for m in all_municipalities() if query in names(m)]
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None


def _full_names(municipality: Municipality) -> set[str]:
    return {skeleton(name) for name in (municipality.name, *municipality.places)}


def _short_names(municipality: Municipality) -> set[str]:
    name = skeleton(municipality.name)
    return {name.removesuffix(" novads")} if name.endswith(" novads") else set()


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
    query = " ".join(skeleton(text).replace("novads", " ").split())
    if not query:
        return [], False
    scored = []
    for municipality in all_municipalities():
        names = [skeleton(name) for name in (municipality.name, *municipality.places)]
        words = {w for name in names for w in name.split()}
        words.discard("novads")
        whole = max(SequenceMatcher(None, query, name).ratio() for name in names)
        best = max([whole, *(_word_score(q, w) for q in query.split() for w in words)])
        # Prefer the municipality named after the place over one that merely contains it.
        if names[0].startswith(query[:4]):
            best += 0.01
        scored.append((best, whole, municipality))
    # Closest first; the similarity of the whole name breaks ties between word matches.
    scored.sort(key=lambda item: (-item[0], -item[1]))
    strong = [m for score, _, m in scored[:limit] if score >= STRONG_MATCH]
    return (strong, True) if strong else ([m for _, _, m in scored[:limit]], False)

"""The FAQ's YAML file (docs/faq-format.md): read and check it, write it back.

Used by `kopiena faq import` and `kopiena faq export`; nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from bot.config import LANGUAGES
from bot.services.faq import ANSWER_LIMIT, CATEGORIES, QUESTION_LIMIT, EntryData

FORMAT_VERSION = 1
KEY_PATTERN = re.compile(r"^[\w][\w-]{0,79}$")


class FaqFormatError(ValueError):
    """The file is not a valid FAQ file; the message says where and why."""


def _text(value: object, where: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FaqFormatError(f"{where}: must be a non-empty text")
    text = value.strip()
    if len(text) > limit:
        raise FaqFormatError(f"{where}: {len(text)} characters, at most {limit} allowed")
    return text


def parse(text: str) -> list[EntryData]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FaqFormatError(f"not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise FaqFormatError("expected a mapping with a list under 'entries'")
    if document.get("version", FORMAT_VERSION) != FORMAT_VERSION:
        raise FaqFormatError(f"unsupported version {document.get('version')!r}")
    entries: list[EntryData] = []
    seen: set[str] = set()
    for number, item in enumerate(document["entries"], 1):
        where = f"entry {number}"
        if not isinstance(item, dict):
            raise FaqFormatError(f"{where}: expected a mapping")
        key = item.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            raise FaqFormatError(f"{where}: 'key' must be a slug like how-to-register")
        where = f"entry {number} ({key})"
        if key in seen:
            raise FaqFormatError(f"{where}: the key is used twice")
        seen.add(key)
        category = item.get("category", "other")
        if category not in CATEGORIES:
            raise FaqFormatError(
                f"{where}: unknown category {category!r}; use one of {', '.join(CATEGORIES)}"
            )
        unknown = set(item) - {"key", "category", *LANGUAGES}
        if unknown:
            raise FaqFormatError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        versions: dict[str, tuple[str, str]] = {}
        for language in LANGUAGES:
            version = item.get(language)
            if version is None:
                continue
            if not isinstance(version, dict):
                raise FaqFormatError(f"{where}.{language}: expected question and answer")
            versions[language] = (
                _text(version.get("question"), f"{where}.{language}.question", QUESTION_LIMIT),
                _text(version.get("answer"), f"{where}.{language}.answer", ANSWER_LIMIT),
            )
        if not versions:
            raise FaqFormatError(f"{where}: needs at least one of {', '.join(LANGUAGES)}")
        entries.append(EntryData(key, category, versions))
    return entries


class _Dumper(yaml.SafeDumper):
    pass


def _text_style(dumper: yaml.SafeDumper, value: str) -> Any:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text_style)


def dump(entries: Sequence[EntryData]) -> str:
    document = {
        "version": FORMAT_VERSION,
        "entries": [
            {
                "key": entry.key,
                "category": entry.category,
                **{
                    language: {"question": question, "answer": answer}
                    for language, (question, answer) in entry.versions.items()
                },
            }
            for entry in entries
        ],
    }
    header = "# Kopiena FAQ (format: docs/faq-format.md)\n"
    return header + yaml.dump(
        document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )

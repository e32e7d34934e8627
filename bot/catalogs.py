"""Maintain the gettext catalogs: `python -m bot.catalogs` extracts every message from
the code into `bot/locale/messages.pot` and merges it into the lv, en and ru catalogs.
The test suite calls `missing_translations` so a message without a translation fails CI.
"""

from __future__ import annotations

import copy
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.config import LANGUAGES
from bot.i18n import LOCALE_DIR, catalog_path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "handlers")
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    template = Catalog(project="Kopiena", msgid_bugs_address="", fuzzy=False)
    for folder in SOURCE_DIRS:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            template.add(
                message,
                None,
                [(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def _read(language: str) -> Catalog:
    with catalog_path(language).open("rb") as po_file:
        return read_po(po_file, locale=language)


def missing_translations(language: str) -> list[str]:
    """Messages the code uses that the catalog lacks or leaves untranslated."""
    catalog = _read(language)
    missing = []
    for message in extract():
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        strings = found.string if found else None
        values = strings if isinstance(strings, tuple | list) else (strings,)
        if found is None or found.fuzzy or not all(values):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update() -> None:
    template = extract()
    with (LOCALE_DIR / "messages.pot").open("wb") as pot:
        write_po(pot, template, omit_header=True, no_location=True, sort_output=True)
    for language in LANGUAGES:
        catalog = _read(language)
        # update() adopts the template's message objects, so give each catalog its own copy.
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
        if language == "en":  # message ids are the English texts
            for message in catalog:
                if not message.id:
                    continue
                if isinstance(message.id, tuple | list):
                    if not all(message.string):
                        message.string = tuple(message.id)
                elif not message.string:
                    message.string = message.id
        with catalog_path(language).open("wb") as po_file:
            write_po(po_file, catalog, no_location=True, sort_output=True, width=0)
        print(f"{language}: {len(missing_translations(language))} message(s) to translate")


if __name__ == "__main__":
    update()

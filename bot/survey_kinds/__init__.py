"""Survey question kinds: one module per kind in this package, each with a `KIND` (a
`QuestionKind`, see base.py) that declares how its questions are asked, how an answer is
checked, shown back, summarised, charted and exported. The rest of the code asks the
registry here, so a new kind is a new module (and its translations), nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil

from bot.services.errors import Stale
from bot.survey_kinds.base import Answer, QuestionKind, Tally

_NOT_KINDS = {"base"}


def _discover() -> dict[str, QuestionKind]:
    found: list[QuestionKind] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name in _NOT_KINDS or module.name.startswith("_"):
            continue
        kind = getattr(importlib.import_module(f"{__name__}.{module.name}"), "KIND", None)
        if isinstance(kind, QuestionKind):
            found.append(kind)
    found.sort(key=lambda kind: kind.order)
    return {kind.name: kind for kind in found}


KINDS: dict[str, QuestionKind] = _discover()  # by name, in the builder's order


def kind_of(name: str) -> QuestionKind:
    """The kind stored as `name`; an unknown name is a stale or forged reference."""
    try:
        return KINDS[name]
    except KeyError as error:
        raise Stale() from error


__all__ = ["KINDS", "Answer", "QuestionKind", "Tally", "kind_of"]

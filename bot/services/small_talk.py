"""Greetings and thanks are not questions: "Paldies!", "Sveiki", "Привет", "thanks a lot"
get a friendly answer instead of a search of the FAQ that finds nothing."""

from __future__ import annotations

import re
from enum import StrEnum

from bot.services.municipalities import fold


class SmallTalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"


# Folded (lower case, no diacritics; "й" folds to "и").
GREETINGS = frozenset(
    """
    sveiki sveika sveiks sveikas labdien labrit labvakar cau cav hello hi hey hei hallo
    morning afternoon evening привет приветствую здравствуите здравствуи здрасте добрыи
    доброе добрая день утро вечер салют
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
THANKS = frozenset(
    """
    paldies paldis pateicos thanks thank thx ty cheers спасибо спасибки благодарю спс
    """.split()  # noqa: SIM905
)
# Words that may come along without making it a question.
FILLERS = frozenset(
    """
    liels lielu loti jums tev visiem daudz good very much so you a lot all everyone again
    большое огромное вам всем еще очень и
    """.split()  # noqa: SIM905
)
WORD = re.compile(r"[^\W\d_]+")
MAX_WORDS = 6


def small_talk(text: str) -> SmallTalk | None:
    """Whether the whole message is a greeting or thanks (with at most a few fillers)."""
    words = WORD.findall(fold(text))
    if not words or len(words) > MAX_WORDS:
        return None
    if any(word not in GREETINGS | THANKS | FILLERS for word in words):
        return None
    if any(word in THANKS for word in words):
        return SmallTalk.THANKS
    if any(word in GREETINGS for word in words):
        return SmallTalk.GREETING
    return None

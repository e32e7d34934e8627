"""What the tests of sent buttons share: the data of every button the bot sent, and the
check that each parses back to a declared button that packs to the same data."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bot.buttons import Button, parse_any
from bot.sandbox import Sandbox


def sent_data(sandbox: Sandbox, since: int = 0) -> list[str]:
    """The callback data of every button in every message the bot sent or edited (from
    the fake API's call number `since` on)."""
    found: list[str] = []
    for call in sandbox.api.calls[since:]:
        if call.answered != "ok":
            continue
        markup: Any = call.params.get("reply_markup")
        if not isinstance(markup, dict):
            continue
        for row in markup.get("inline_keyboard", []):
            found += [button["callback_data"] for button in row if "callback_data" in button]
    return found


def round_trip(data: list[str]) -> Counter[type[Button]]:
    """Each data parses to a value that packs back to it; how often each kind was sent."""
    undeclared = sorted({item for item in data if parse_any(item) is None})
    assert undeclared == [], f"the bot sent buttons no feature declares: {undeclared}"
    kinds: Counter[type[Button]] = Counter()
    for item in data:
        value = parse_any(item)
        assert value is not None
        assert value.pack() == item, (item, value)
        kinds[type(value)] += 1
    return kinds

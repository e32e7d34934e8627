"""Typed buttons: every declared button packs within Telegram's limit and parses back to
itself, and no other button's pattern takes its data."""

from __future__ import annotations

import dataclasses
import enum
import typing

import handlers  # noqa: F401  (imports every feature, which declares its buttons)
from bot.buttons import MAX_BYTES, REGISTRY, Button, parse_any
from bot.screens.edit_event import FIELD_LABELS, Field
from bot.screens.events import CataloguePage, OpenCard
from bot.screens.keyboard import Noop, keyboard, markup, page_row
from bot.screens.menu import HelpButton, Item, MenuButton


def _largest(kind: type[Button]) -> Button:
    hints = typing.get_type_hints(kind)
    values: dict[str, object] = {}
    for field in dataclasses.fields(kind):
        hint = hints[field.name]
        args = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
        inner = args[0]
        if inner is bool:
            values[field.name] = True
        elif inner is int:
            values[field.name] = 999_999_999
        elif inner is str:
            values[field.name] = "x" * 16
        elif isinstance(inner, type) and issubclass(inner, enum.StrEnum):
            values[field.name] = max(inner, key=lambda member: len(member.value))
    return kind(**values)


def test_every_button_packs_within_the_limit_and_parses_back_to_itself_alone() -> None:
    assert REGISTRY, "no buttons declared"
    for kind in REGISTRY.values():
        value = _largest(kind)
        data = value.pack()
        assert len(data.encode()) <= MAX_BYTES, data
        assert kind.parse(data) == value
        takers = [other for other in REGISTRY.values() if other.parse(data) is not None]
        assert takers == [kind], (data, takers)
        assert parse_any(data) == value


def test_forged_data_parses_to_nothing() -> None:
    for data in ["", "ev:", "ev:-1", "ev:1:2", "ev:1234567890", "ev:x", "zz:1", "ev:1\n"]:
        assert parse_any(data) is None, data


def test_the_keyboard_packs_typed_buttons_and_makes_links() -> None:
    built = keyboard([[("Card", OpenCard(7)), ("Site", "url:https://example.org")], [("Raw", "x")]])
    card, site = built.inline_keyboard[0]
    assert card.callback_data == "ev:7" and card.url is None
    assert site.url == "https://example.org" and site.callback_data is None
    assert built.inline_keyboard[1][0].callback_data == "x"
    assert markup([]) is None


def test_page_row_offers_only_the_pages_that_exist() -> None:
    assert page_row(CataloguePage, 0, 1) == []
    assert page_row(CataloguePage, 0, 3) == [("1/3", Noop()), ("▶", CataloguePage(1))]
    assert page_row(CataloguePage, 2, 3) == [("◀", CataloguePage(1)), ("3/3", Noop())]
    middle = page_row(CataloguePage, 1, 3)
    assert [data.pack() for _, data in middle if isinstance(data, Button)] == [
        "evp:0",
        "noop",
        "evp:2",
    ]


def test_every_editable_field_has_a_button_and_every_button_a_field() -> None:
    assert list(FIELD_LABELS) == [field.value for field in Field]


def test_only_onboarding_language_privacy_help_and_page_numbers_work_before_onboarding() -> None:
    """A newcomer can choose a language, agree, name a municipality, skip the workplace,
    ask for help, delete their data or tap a page number; every other button waits until
    onboarding is finished (handlers/dialogs.py)."""
    open_before = sorted(kind.prefix for kind in REGISTRY.values() if kind.before_onboarding)
    assert open_before == [
        "fg:no",
        "fg:yes",
        "lang",
        "menu:help",
        "mun",
        "munp",
        "noop",
        "ob:agree",
        "ob:skip",
        "ob:tgname",
    ]


def test_a_menu_button_names_the_command_it_runs() -> None:
    assert [MenuButton(item).pack() for item in Item] == [
        "menu:home",
        "menu:events",
        "menu:my",
        "menu:profile",
        "menu:privacy",
        "menu:faq",
        "menu:users",
        "menu:audit",
        "menu:questions",
    ]
    assert {item.command for item in Item} == {
        "start",
        "events",
        "my",
        "profile",
        "privacy",
        "faq",
        "users",
        "audit",
        "questions",
    }
    assert parse_any("menu:help") == HelpButton()
    assert parse_any("menu:verify") is None

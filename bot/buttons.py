"""Typed button data.

Each feature declares its buttons as small values:

    @button("ev")
    class OpenCard(Button):
        event_id: int

`OpenCard(7).pack()` gives the callback data "ev:7" (the prefix, then each field in order,
joined by ':'; at most Telegram's 64 bytes), and `OpenCard.parse("ev:7")` gives the value
back, or None for data that is not this button's (a forged or stale press). Handlers
register `OpenCard.pattern()`, so no handler parses regex groups by hand.

Field types: int (0 to 999,999,999), bool, str (letters, digits, '_' and '-'), a StrEnum,
and `X | None` for trailing fields that older buttons lack (packed only when set).
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Self, TypeVar

MAX_BYTES = 64  # Telegram's limit for callback data
SEPARATOR = ":"


@dataclasses.dataclass(frozen=True)
class _Codec:
    regex: str
    parse: Callable[[str], Any]
    pack: Callable[[Any], str]


def _codec(kind: Any) -> _Codec:
    if kind is bool:
        return _Codec("[01]", lambda text: text == "1", lambda value: "1" if value else "0")
    if kind is int:
        return _Codec(r"\d{1,9}", int, str)
    if kind is str:
        return _Codec(r"[A-Za-z0-9_-]{1,48}", str, str)
    if isinstance(kind, type) and issubclass(kind, enum.StrEnum):
        choices = "|".join(re.escape(member.value) for member in kind)
        return _Codec(f"(?:{choices})", kind, lambda value: value.value)
    raise TypeError(f"a button field cannot be {kind!r}")


def _optional_of(kind: Any) -> Any | None:
    """X for `X | None`, else None."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        rest = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        if len(rest) == 1 and len(typing.get_args(kind)) == 2:
            return rest[0]
    return None


class Button:
    """The base of every button value; declare one with `@button(prefix)`."""

    prefix: ClassVar[str]
    # Pressable before onboarding is finished (language, municipality, privacy...).
    before_onboarding: ClassVar[bool] = False
    _fields: ClassVar[tuple[tuple[str, _Codec, bool], ...]]
    _regex: ClassVar[re.Pattern[str]]

    def pack(self) -> str:
        parts = [self.prefix]
        for name, codec, _optional in self._fields:
            value = getattr(self, name)
            if value is None:
                break
            parts.append(codec.pack(value))
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"button data longer than {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, data: object) -> Self | None:
        if not isinstance(data, str):
            return None
        match = cls._regex.fullmatch(data)
        if match is None:
            return None
        values = {
            name: codec.parse(text)
            for (name, codec, _optional), text in zip(cls._fields, match.groups(), strict=True)
            if text is not None
        }
        return cls(**values)

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        return cls._regex


B = TypeVar("B", bound=type[Button])

# Every declared button, by its class's full name. Declarations happen at import, once per
# process; the registry is read-only afterwards (tests use it to prove that no data parses
# as two different buttons). Two buttons may share a prefix when their fields differ.
REGISTRY: dict[str, type[Button]] = {}


@typing.dataclass_transform(frozen_default=True)
def button(prefix: str, *, before_onboarding: bool = False) -> Callable[[B], B]:
    if not prefix or not re.fullmatch(r"[a-z][a-z0-9_]*(?::[a-z0-9_]+)*", prefix):
        raise ValueError(f"bad button prefix {prefix!r}")

    def declare(cls: B) -> B:
        name = f"{cls.__module__}.{cls.__qualname__}"
        data_cls = dataclasses.dataclass(frozen=True)(cls)
        hints = typing.get_type_hints(data_cls)
        fields: list[tuple[str, _Codec, bool]] = []
        regex = re.escape(prefix)
        for field in dataclasses.fields(data_cls):
            inner = _optional_of(hints[field.name])
            codec = _codec(inner if inner is not None else hints[field.name])
            if inner is None and fields and fields[-1][2]:
                raise TypeError(f"{cls.__name__}.{field.name}: optional fields come last")
            fields.append((field.name, codec, inner is not None))
            part = f"{SEPARATOR}({codec.regex})"
            regex += f"(?:{part})?" if inner is not None else part
        data_cls.prefix = prefix
        data_cls.before_onboarding = before_onboarding
        data_cls._fields = tuple(fields)
        data_cls._regex = re.compile(f"^{regex}\\Z")
        for other_name, other in REGISTRY.items():
            if other_name != name and other._regex.pattern == data_cls._regex.pattern:
                raise ValueError(f"{name} has the same data as {other_name}")
        REGISTRY[name] = data_cls
        return data_cls

    return declare


def parse_any(data: object) -> Button | None:
    """The value of any declared button this data belongs to, or None."""
    for kind in REGISTRY.values():
        value = kind.parse(data)
        if value is not None:
            return value
    return None

"""/start, /help and what the bot says to anything else, through the real Application."""

from __future__ import annotations

import pytest
from telegram.ext import CommandHandler

from bot.sandbox import Sandbox

GREETINGS = {
    "lv": "Sveiki, Anna! Es esmu Kopiena",
    "en": "Hello, Anna! I am Kopiena",
    "ru": "Здравствуйте, Anna! Я Kopiena",
}
POINTERS = {
    "lv": "Šādu komandu es nezinu",
    "en": "I don't know that command",
    "ru": "Я не знаю такой команды",
}


@pytest.mark.parametrize("language", ["lv", "en", "ru"])
async def test_start_greets_in_the_users_language(sandbox: Sandbox, language: str) -> None:
    anna = sandbox.user(101, "Anna", language_code=language)
    replies = await anna.send("/start")
    assert len(replies) == 1
    assert replies[0].text.startswith(GREETINGS[language])
    assert "/help" in replies[0].text


async def test_unsupported_telegram_language_falls_back_to_latvian(sandbox: Sandbox) -> None:
    replies = await sandbox.user(102, "Anna", language_code="de").send("/start")
    assert replies[0].text.startswith(GREETINGS["lv"])


async def test_help_lists_commands(sandbox: Sandbox) -> None:
    replies = await sandbox.user(103, language_code="en").send("/help")
    assert "What I can do" in replies[0].text
    assert "/start" in replies[0].text and "/help" in replies[0].text


@pytest.mark.parametrize("language", ["lv", "en", "ru"])
async def test_unknown_command_points_to_help(sandbox: Sandbox, language: str) -> None:
    replies = await sandbox.user(104, language_code=language).send("/frobnicate now")
    assert len(replies) == 1
    assert replies[0].text.startswith(POINTERS[language])
    assert "/help" in replies[0].text


async def test_sticker_and_photo_get_a_pointer(sandbox: Sandbox) -> None:
    user = sandbox.user(105, language_code="en")
    for replies in (await user.send_sticker(), await user.send_photo()):
        assert [r.text for r in replies] == [
            "I didn't understand that. Send /help to see what I can do."
        ]


async def test_huge_text_gets_a_pointer(sandbox: Sandbox) -> None:
    replies = await sandbox.user(106, language_code="lv").send("ā" * 5000)
    assert len(replies) == 1
    assert "/help" in replies[0].text


async def test_names_with_markup_are_escaped(sandbox: Sandbox) -> None:
    # The fake API rejects broken HTML with 400 like Telegram, so this fails if unescaped.
    replies = await sandbox.user(107, "<b>Jānis & co", language_code="en").send("/start")
    assert replies[0].text.startswith("Hello, <b>Jānis & co!")


async def test_error_handler_apologises_in_the_users_language(sandbox: Sandbox) -> None:
    async def explode(update: object, context: object) -> None:
        raise RuntimeError("boom")

    assert sandbox.application is not None
    sandbox.application.add_handler(CommandHandler("explode", explode), group=-1)
    replies = await sandbox.user(108, language_code="ru").send("/explode")
    assert next(r.text for r in replies if r.method == "sendMessage").startswith(
        "Извините, у нас произошла ошибка"
    )
    assert [type(e) for e in sandbox.errors] == [RuntimeError]
    sandbox.errors.clear()


async def test_command_menu_is_registered_per_language(sandbox: Sandbox) -> None:
    menus = sandbox.api.commands
    assert set(menus) == {"lv", "en", "ru", None}
    assert {"command": "help", "description": "Ko es varu"} in menus["lv"]
    assert {"command": "help", "description": "What I can do"} in menus["en"]
    assert {"command": "help", "description": "Что я умею"} in menus["ru"]
    assert menus[None] == menus["lv"]


async def test_start_twice_keeps_one_user(sandbox: Sandbox) -> None:
    from sqlalchemy import func, select

    from storage.models import User

    user = sandbox.user(109, "Līga", language_code="lv")
    await user.send("/start")
    user.first_name = "Līga Marta"
    await user.send("/start")
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        rows = (await session.scalars(select(User).where(User.telegram_id == 109))).all()
        assert [row.first_name for row in rows] == ["Līga Marta"]
        assert await session.scalar(select(func.count()).select_from(User)) == 1

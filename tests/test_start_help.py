"""/start, /help and what the bot says to anything else, through the real Application."""

from __future__ import annotations

import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.sandbox import Sandbox
from tests.helpers import onboard

GREETINGS = {
    "lv": "Sveiki! Esmu Kopiena",
    "en": "Hello! I am Kopiena",
    "ru": "Здравствуйте! Я Kopiena",
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
    assert len(replies.messages) == 1
    assert replies.last.text.startswith(GREETINGS[language])
    assert replies.last.button_labels[["lv", "en", "ru"].index(language)].startswith("✓ ")


async def test_unsupported_telegram_language_falls_back_to_latvian(sandbox: Sandbox) -> None:
    replies = await sandbox.user(102, "Anna", language_code="de").send("/start")
    assert replies.last.text.startswith(GREETINGS["lv"])


@pytest.mark.parametrize(
    ("language", "title", "menu"),
    [
        ("lv", "Ko es varu", "👤 Profils"),
        ("en", "What I can do", "👤 Profile"),
        ("ru", "Что я умею", "👤 Профиль"),
    ],
)
async def test_help_and_menu_in_each_language(
    sandbox: Sandbox, language: str, title: str, menu: str
) -> None:
    user = await onboard(sandbox, 103, "Anna Bērziņa", language=language)
    text = (await user.send("/help")).last.text
    assert text.startswith(title)
    for command in ("/start", "/help", "/profile", "/privacy", "/mydata", "/forget"):
        assert command in text
    assert menu in (await user.send("/start")).last.button_labels


@pytest.mark.parametrize("language", ["lv", "en", "ru"])
async def test_unknown_command_points_to_help(sandbox: Sandbox, language: str) -> None:
    user = await onboard(sandbox, 104, language=language)
    replies = await user.send("/frobnicate now")
    assert len(replies.messages) == 1
    assert replies.texts[0].startswith(POINTERS[language])
    assert "/help" in replies.texts[0]


async def test_sticker_and_photo_get_a_pointer(sandbox: Sandbox) -> None:
    user = await onboard(sandbox, 105)
    for replies in (await user.send_sticker(), await user.send_photo()):
        assert replies.texts == ["I didn't understand that. Send /help to see what I can do."]


async def test_huge_text_gets_a_pointer(sandbox: Sandbox) -> None:
    user = await onboard(sandbox, 106)
    replies = await user.send("ā" * 5000)
    assert len(replies.messages) == 1 and "/help" in replies.texts[0]


async def test_names_with_markup_are_escaped(sandbox: Sandbox) -> None:
    # The fake API rejects broken HTML with 400 like Telegram, so this fails if unescaped.
    user = await onboard(sandbox, 107, "Jānis O'Brien")
    await user.send("/profile")
    await user.press("✏️ Workplace")
    replies = await user.send("<b>SIA & Co</b>")
    assert "Workplace: <b>SIA & Co</b>" in replies.last.text


async def test_error_handler_apologises_in_the_users_language(sandbox: Sandbox) -> None:
    async def explode(update: object, context: object) -> None:
        raise RuntimeError("boom")

    assert sandbox.application is not None
    sandbox.application.add_handler(CommandHandler("explode", explode), group=-2)
    replies = await sandbox.user(108, language_code="ru").send("/explode")
    # Tried again before giving up, but apologised for once.
    assert replies.texts[0].startswith("Извините, у нас произошла ошибка")
    assert sum(text.startswith("Извините") for text in replies.texts) == 1
    attempts = sandbox.settings.update_attempts
    assert attempts > 1 and [type(e) for e in sandbox.errors] == [RuntimeError] * attempts
    sandbox.errors.clear()

    # A button whose handler fails gets the apology as its answer, so the spinner stops.
    sandbox.application.add_handler(CallbackQueryHandler(explode, pattern="^boom$"), group=-2)
    user = sandbox.user(108, language_code="ru")
    replies = await user.press_data("boom", user.last_message())
    assert replies.alert is not None and replies.alert.startswith("Извините")
    sandbox.errors.clear()


async def test_command_menu_is_registered_per_language(sandbox: Sandbox) -> None:
    menus = sandbox.api.commands
    assert set(menus) == {"lv", "en", "ru", None}
    assert {"command": "help", "description": "Ko es varu"} in menus["lv"]
    assert {"command": "help", "description": "What I can do"} in menus["en"]
    assert {"command": "help", "description": "Что я умею"} in menus["ru"]
    assert menus[None] == menus["lv"]
    assert all(item["command"] != "grant" for item in menus["en"])  # staff-only


async def test_start_twice_keeps_one_user(sandbox: Sandbox) -> None:
    from tests.helpers import user_rows

    user = sandbox.user(109, "Līga", language_code="lv")
    await user.send("/start")
    await user.send("/start")
    assert [row.telegram_id for row in await user_rows(sandbox)] == [109]

"""A first-time user gets from /start to the main menu, and nothing is lost on the way."""

from __future__ import annotations

from typing import Any

from bot.sandbox import Sandbox
from handlers.common import Context, deep_links, say
from tests.helpers import onboard, stored_user, user_rows


async def test_full_onboarding_with_buttons_and_text(sandbox: Sandbox) -> None:
    anna = sandbox.user(201, "Anna", username="anna_b", language_code="en")
    first = await anna.send("/start")
    assert "Choose your language" in first.last.text
    assert first.last.button_labels == ["Latviešu", "✓ English", "Русский"]

    replies = await anna.press("English")
    assert "Before we start: your data" in replies.last.text
    row = await stored_user(sandbox, 201)
    assert row is not None
    # Before consent: only the Telegram id and the language.
    assert (row.full_name, row.username, row.municipality, row.workplace) == (None,) * 4
    assert row.language == "en" and row.consented_at is None

    replies = await anna.press("I agree")
    assert "full name" in replies.last.text
    replies = await anna.send("Anna Bērziņa")
    assert "municipality" in replies.last.text
    assert "Cēsu novads" in replies.last.button_labels
    replies = await anna.send("cesis")  # names a town of one municipality: no tap needed
    assert replies.texts[0] == "✅ Municipality: Cēsu novads"
    assert "Where do you work?" in replies.last.text
    replies = await anna.send("  Cēsu novada   Sociālais dienests ")
    assert replies.texts[0] == "All set, Anna Bērziņa! Welcome to Kopiena."
    assert "Main menu" in replies.last.text
    assert replies.last.button_labels == [
        "📅 Trainings",
        "📋 My registrations",
        "👤 Profile",
        "🔒 Privacy",
        "📚 FAQ",
        "❓ Help",
    ]

    row = await stored_user(sandbox, 201)
    assert row is not None
    assert row.full_name == "Anna Bērziņa"
    assert row.municipality == "cesu-novads"
    assert row.workplace == "Cēsu novada Sociālais dienests"
    assert row.username == "anna_b"
    assert row.onboarded_at is not None and row.consented_at is not None


async def test_municipality_from_the_paginated_list_and_skipped_workplace(
    sandbox: Sandbox,
) -> None:
    user = sandbox.user(202, "Pēteris", language_code="en")
    await user.send("/start")
    await user.press("English")
    await user.press("I agree")
    await user.send("Pēteris Kalniņš")
    await user.press("▶")
    page_two = user.last_message()
    labels = [b["text"] for row in page_two["reply_markup"]["inline_keyboard"] for b in row]
    assert "2/5" in labels and "◀" in labels
    await user.press("Jelgava")
    replies = await user.press("Skip")
    assert "All set" in replies.texts[0]
    row = await stored_user(sandbox, 202)
    assert row is not None and row.municipality == "jelgava" and row.workplace is None


async def test_a_forged_page_of_the_municipality_list_shows_the_last_page(
    sandbox: Sandbox,
) -> None:
    user = sandbox.user(203, "Līga", language_code="en")
    await user.send("/start")
    await user.press("English")
    await user.press("I agree")
    await user.send("Līga Liepa")
    await user.press_data("munp:999999")
    labels = [
        b["text"] for row in user.last_message()["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert "5/5" in labels and "◀" in labels and "▶" not in labels
    replies = await user.press("◀")
    assert replies.alert is None
    labels = [
        b["text"] for row in user.last_message()["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert "4/5" in labels


async def test_drop_out_and_resume_after_a_restart(sandbox: Sandbox) -> None:
    user = sandbox.user(203, "Ilze", language_code="en")
    await user.send("/start")
    await user.press("English")
    await user.press("I agree")
    await user.send("Ilze Ozola")  # now at the municipality step

    await sandbox.stop_application()
    await sandbox.start_application()

    replies = await user.send("/start")
    assert "municipality" in replies.last.text  # continues where she stopped
    replies = await user.send("talsi")
    assert replies.texts[0] == "✅ Municipality: Talsu novads"
    replies = await user.press("Skip")
    assert replies.texts[0] == "All set, Ilze Ozola! Welcome to Kopiena."


async def test_commands_and_stray_text_before_onboarding_lead_back_to_it(
    sandbox: Sandbox,
) -> None:
    user = sandbox.user(204, "Jānis", language_code="en")
    await user.send("/start")
    await user.press("English")
    replies = await user.send("/profile")
    assert replies.texts[0] == "Let's finish setting up your profile first."
    assert "Before we start" in replies.last.text
    replies = await user.send("hello?")
    assert "Before we start" in replies.last.text
    replies = await user.send("/help")
    assert "/profile" in replies.texts[0] and "/grant" not in replies.texts[0]


async def test_bad_input_during_onboarding_is_reasked(sandbox: Sandbox) -> None:
    user = sandbox.user(205, "Marta", language_code="en")
    await user.send("/start")
    await user.press("English")
    replies = await user.send_sticker()
    assert replies.texts[0] == "Please answer with the buttons or a short text message."
    await user.press("I agree")

    replies = await user.send_photo()
    assert replies.texts[0] == "Please answer with the buttons or a short text message."
    assert "full name" in replies.last.text
    replies = await user.send("Marta <script>")
    assert "“<” cannot be used" in replies.texts[0]
    replies = await user.send("M" * 101)
    assert "at most 100 characters" in replies.texts[0]
    replies = await user.send("   ")
    assert replies.texts[0] == "Please type your full name."
    replies = await user.send("42")
    assert "“4” cannot be used" in replies.texts[0]
    replies = await user.send("Marta")
    assert replies.texts[0] == (
        "Please type both your first name and surname, for example Anna Bērziņa."
    )
    row = await stored_user(sandbox, 205)
    assert row is not None and row.full_name is None

    replies = await user.send("Marta O'Neil-Krūmiņa")
    assert "municipality" in replies.last.text
    replies = await user.send("xyzzy")
    assert replies.texts[0].startswith("I found no municipality called “xyzzy”")
    assert len(replies.messages[0].button_labels) >= 5

    # Forged and stale presses change nothing.
    replies = await user.press_data("mun:atlantis")
    assert replies.alert == "This button is no longer valid."
    replies = await user.press_data("ob:agree")
    assert replies.alert == "This button is no longer valid."
    replies = await user.press_data("grant:everything")
    assert replies.alert == "Let's finish setting up your profile first."
    row = await stored_user(sandbox, 205)
    assert row is not None and row.municipality is None and row.full_name == "Marta O'Neil-Krūmiņa"

    replies = await user.send("Ā" * 5000)
    assert replies.texts[0].startswith("I found no municipality called")


async def test_a_deep_link_survives_onboarding(sandbox: Sandbox) -> None:
    opened: list[str] = []

    async def open_demo(update: Any, context: Context, argument: str) -> None:
        opened.append(argument)
        await say(update, f"Demo {argument} opened")

    assert sandbox.application is not None
    deep_links(sandbox.application)["demo"] = open_demo

    newcomer = sandbox.user(206, "Līga", language_code="en")
    await newcomer.send("/start demo_42")
    assert opened == []  # kept, not acted on, while onboarding
    await newcomer.press("English")
    await newcomer.press("I agree")
    await newcomer.send("/start demo_42")  # pressing the link again changes nothing
    await newcomer.send("Līga Liepa")
    await newcomer.send("riga")
    replies = await newcomer.press("Skip")
    assert opened == ["42"]
    assert replies.texts[-1] == "Demo 42 opened"

    # A member who opens a link gets it at once; an unknown link gets a clear answer.
    replies = await newcomer.send("/start demo_7")
    assert opened == ["42", "7"]
    replies = await newcomer.send("/start nonsense_1")
    assert replies.texts[0] == "That link is not valid any more."


async def test_two_first_messages_at_once_make_one_user(sandbox: Sandbox) -> None:
    import asyncio

    user = sandbox.user(207, "Zane", language_code="en")
    await asyncio.gather(user.send("/start"), user.send("/start"), user.send("hi"))
    assert [row.telegram_id for row in await user_rows(sandbox)] == [207]


async def test_onboarding_helper_reaches_the_menu(sandbox: Sandbox) -> None:
    user = await onboard(sandbox, 208, "Kārlis Zariņš", workplace=None)
    replies = await user.send("/start")
    assert "Main menu" in replies.texts[0]


async def test_municipality_typed_in_any_script_or_spelling(sandbox: Sandbox) -> None:
    user = sandbox.user(230, "Olga", language_code="ru")
    await user.send("/start")
    await user.press("Русский")
    await user.press("✅")
    await user.send("Ольга Петрова")
    # Misspelt names are offered closest first, not alphabetically: "Jelgvas" is the
    # genitive of the novads, "Ventspls" the city.
    replies = await user.send("Jelgvas")
    assert replies.last.button_labels[:2] == ["Jelgavas novads", "Jelgava"]
    replies = await user.send("Ventspls")
    assert replies.last.button_labels[:2] == ["Ventspils", "Ventspils novads"]
    row = await stored_user(sandbox, 230)
    assert row is not None and row.municipality is None
    # The Russian spelling of a state city is taken at once.
    replies = await user.send("Даугавпилс")
    assert replies.texts[0] == "✅ Самоуправление: Daugavpils"
    row = await stored_user(sandbox, 230)
    assert row is not None and row.municipality == "daugavpils"


def test_municipality_spellings_agree() -> None:
    from bot.services.municipalities import exact_match

    expected = {
        "Лиепая": "liepaja",
        "Юрмала": "jurmala",
        "Елгава": "jelgava",
        "Цесис": "cesu-novads",
        "Jekabpils": "jekabpils-novads",
        "TALSI": "talsu-novads",
        "Ventspils novads": "ventspils-novads",
        "Айзкраукле": "aizkraukles-novads",
    }
    assert {text: exact_match(text).code for text in expected} == expected  # type: ignore[union-attr]
    assert exact_match("Tals") is None  # a prefix is a suggestion, not a choice

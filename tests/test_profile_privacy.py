"""/profile edits, /privacy, /mydata and /forget."""

from __future__ import annotations

import json

from bot.sandbox import Sandbox
from tests.helpers import onboard, stored_user, user_rows


async def test_profile_shows_and_changes_every_field(sandbox: Sandbox) -> None:
    anna = await onboard(sandbox, 301, "Anna Bērziņa")
    replies = await anna.send("/profile")
    card = replies.last.text
    assert "Name: Anna Bērziņa" in card
    assert "Municipality: Cēsu novads" in card
    assert "Workplace: Cēsu novada Sociālais dienests" in card
    assert "Language: English" in card and "Roles: participant" in card

    await anna.press("✏️ Name")
    replies = await anna.send("Anna <b>")
    assert "cannot be used" in replies.texts[0]
    replies = await anna.send("Anna Bērziņa-Kalniņa")
    assert "Name: Anna Bērziņa-Kalniņa" in replies.last.text

    await anna.press("✏️ Municipality")
    replies = await anna.send("valmiera")  # a town of one municipality: taken at once
    assert "Municipality: Valmieras novads" in replies.last.text

    await anna.press("✏️ Workplace")
    replies = await anna.press("Remove")
    assert "Workplace: —" in replies.last.text

    await anna.press("🌐 Language")
    replies = await anna.press("Русский")
    assert replies.alert == "Русский"
    row = await stored_user(sandbox, 301)
    assert row is not None
    assert (row.full_name, row.municipality, row.workplace, row.language) == (
        "Anna Bērziņa-Kalniņa",
        "valmieras-novads",
        None,
        "ru",
    )


async def test_cancelled_or_abandoned_edit_changes_nothing(sandbox: Sandbox) -> None:
    anna = await onboard(sandbox, 302, "Anna Bērziņa")
    await anna.send("/profile")
    await anna.press("✏️ Name")
    replies = await anna.press("Cancel")
    assert "Your profile" in replies.last.text
    await anna.press("✏️ Workplace")
    await anna.send("/help")  # a command leaves the edit
    replies = await anna.send("How do I register?")  # a question for the (empty) FAQ
    assert replies.texts[0].startswith("I found nothing in the FAQ")
    row = await stored_user(sandbox, 302)
    assert row is not None and row.workplace == "Cēsu novada Sociālais dienests"
    # The edit buttons of the old card are stale now.
    replies = await anna.press_data("ob:skip")
    assert replies.alert == "This button is no longer valid."


async def test_privacy_explains_what_and_why(sandbox: Sandbox) -> None:
    user = await onboard(sandbox, 303)
    text = (await user.send("/privacy")).last.text
    for words in ("What is stored", "Why", "Who sees it", "/mydata", "/forget"):
        assert words in text
    # Until the operator names them, the notice says so rather than leaving a gap.
    assert (
        "Data controller: not set yet: please ask the admins. "
        "Questions about your data: not set yet: please ask the admins."
    ) in text
    assert "kept until you delete it with /forget" in text


async def test_mydata_sends_everything_stored(sandbox: Sandbox) -> None:
    user = await onboard(sandbox, 304, "Ilze Ozola", username="ilze_o", municipality="talsi")
    replies = await user.send("/mydata")
    document = next(r.file for r in replies if r.file is not None)
    assert document.filename == "kopiena-my-data.json"
    data = json.loads(document.content)
    assert data["profile"]["telegram_id"] == 304
    assert data["profile"]["full_name"] == "Ilze Ozola"
    assert data["profile"]["username"] == "ilze_o"
    assert data["profile"]["municipality"] == "Talsu novads"
    assert data["profile"]["workplace"] == "Cēsu novada Sociālais dienests"
    assert data["profile"]["language"] == "en"
    assert data["roles"] == []


async def test_forget_then_start_begins_fresh(sandbox: Sandbox) -> None:
    user = await onboard(sandbox, 305, "Jānis Kalns", username="janis_k")
    replies = await user.send("/forget")
    assert "cannot be undone" in replies.last.text
    replies = await user.press("No, keep it")
    assert replies.texts[-1] == "Nothing was deleted."
    assert (await stored_user(sandbox, 305)) is not None

    await user.send("/forget")
    replies = await user.press("Yes, delete")
    assert "has been deleted" in replies.texts[-1]
    assert await stored_user(sandbox, 305) is None
    assert await user_rows(sandbox) == []  # nothing about Jānis is left (he had no history)

    replies = await user.send("/start")
    assert "Choose your language" in replies.last.text  # onboarding from the start
    rows = await user_rows(sandbox)
    assert [row.telegram_id for row in rows] == [305]
    assert rows[0].full_name is None

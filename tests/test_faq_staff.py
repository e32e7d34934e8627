"""Organisers write, edit and delete entries in the chat; nobody else can change anything."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.sandbox import Sandbox, SandboxUser
from bot.services import faq, faq_editor
from storage.models import FaqEntry, FaqTranslation, FaqVote
from tests.conftest import ADMIN_ID
from tests.faq_helpers import dialog_of, entry_id, faq_snapshot, load_examples
from tests.helpers import onboard, stored_user


async def organiser(
    sandbox: Sandbox, telegram_id: int, name: str, language: str = "en"
) -> SandboxUser:
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    user = await onboard(sandbox, telegram_id, name, language=language)
    replies = await admin.send(f"/grant {telegram_id} organiser")
    assert replies.texts[0].endswith("is now organiser.")
    return user


async def versions(sandbox: Sandbox, key: str) -> dict[str, tuple[str, str]]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        rows = await session.execute(
            select(FaqTranslation.language, FaqTranslation.question, FaqTranslation.answer)
            .join(FaqEntry, FaqEntry.id == FaqTranslation.entry_id)
            .where(FaqEntry.key == key)
        )
        return {language: (q, a) for language, q, a in rows}


async def test_organiser_adds_an_entry_step_by_step(sandbox: Sandbox) -> None:
    olga = await organiser(sandbox, 701, "Olga Ozola")
    replies = await olga.send("/faqadd")
    assert replies.last.text == "Choose the topic of the FAQ entry:"
    await olga.press("Online sessions")
    replies = await olga.send("   ")
    assert replies.texts == ["Please type the question."]
    replies = await olga.send("Can I <b>record</b> an online session?")
    assert "Type the answer (in English, up to 3000 characters)." in replies.last.text
    replies = await olga.send("No & please don't: <i>participants' privacy</i>.")
    review = replies.last.text
    assert review.startswith("Check the FAQ entry\nTopic: Online sessions · Language: English")
    assert "Can I <b>record</b> an online session?" in review
    replies = await olga.press("✅ Save")
    assert replies.texts[0] == "✅ Saved in the FAQ."
    assert replies.last.text.startswith("Can I <b>record</b> an online session?")
    assert "✏️ Edit" in replies.last.button_labels

    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        entry = await session.scalar(select(FaqEntry))
        author = await stored_user(sandbox, 701)
        assert entry is not None and author is not None
        assert (entry.key, entry.category, entry.author_id) == (
            "can-i-b-record-b-an-online-session",
            "online",
            author.id,
        )
    replies = await olga.press_data("faq:ds")  # saving twice: the draft is gone
    assert replies.alert == "This button is no longer valid."
    anna = await onboard(sandbox, 702, "Anna Bērziņa")
    replies = await anna.send("recording the session")
    assert replies.last.button_labels[0] == "Can I <b>record</b> an online session?"

    # The menu and /help show organisers their tools.
    assert "📨 Open questions" in (await olga.send("/start")).last.button_labels
    assert "/faqadd" in (await olga.send("/help")).last.text
    assert "/faqadd" not in (await anna.send("/help")).last.text


async def test_organiser_edits_and_translates_an_entry(sandbox: Sandbox) -> None:
    await load_examples(sandbox)
    olga = await organiser(sandbox, 703, "Olga Ozola")
    cost = await entry_id(sandbox, "cost")
    before = await versions(sandbox, "cost")

    replies = await olga.press_data(f"faq:e:{cost}")
    assert replies.last.button_labels[-2:] == ["✏️ Edit", "🗑 Delete"]
    replies = await olga.press("✏️ Edit")
    assert "Language: English" in replies.last.text
    replies = await olga.press("✏️ Answer")
    assert "Now:\nYes, taking part is free." in replies.last.text
    replies = await olga.send("Yes, it is free. Lunch is included too.")
    assert "Lunch is included too." in replies.last.text
    await olga.press("🗂 Topic")
    await olga.press("Other questions")
    replies = await olga.press("✅ Save")
    assert "Lunch is included too." in replies.last.text

    after = await versions(sandbox, "cost")
    assert after["en"] == (before["en"][0], "Yes, it is free. Lunch is included too.")
    assert after["lv"] == before["lv"] and after["ru"] == before["ru"]
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        entry = await session.get(FaqEntry, cost)
        assert entry is not None and entry.category == "other"

    # Search sees the edit at once.
    anna = await onboard(sandbox, 704, "Anna Bērziņa")
    replies = await anna.send("is lunch included")
    assert replies.last.button_labels[0] == "Is the training free of charge?"

    # Switching the language loads that version; a missing one is asked for.
    await faq_editor.import_entries(
        sandbox.runtime.db, [faq.EntryData("lv-only", "other", {"lv": ("Jautājums?", "Atbilde.")})]
    )
    lv_only = await entry_id(sandbox, "lv-only")
    await olga.press_data(f"faq:ed:{lv_only}")
    replies = await olga.press("🌐 Language")
    replies = await olga.press("Русский")
    assert "Type the question (in Russian, up to 500 characters)." in replies.last.text
    await olga.send("Вопрос?")
    await olga.send("Ответ.")
    await olga.press("✅ Save")
    assert await versions(sandbox, "lv-only") == {
        "lv": ("Jautājums?", "Atbilde."),
        "ru": ("Вопрос?", "Ответ."),
    }


async def test_organiser_deletes_an_entry_after_confirming(sandbox: Sandbox) -> None:
    await load_examples(sandbox)
    olga = await organiser(sandbox, 705, "Olga Ozola")
    anna = await onboard(sandbox, 706, "Anna Bērziņa")
    travel = await entry_id(sandbox, "travel")
    await anna.press_data(f"faq:h:{travel}:1")

    await olga.press_data(f"faq:e:{travel}")
    replies = await olga.press("🗑 Delete")
    assert replies.last.text.startswith("Delete this FAQ entry in every language?")
    replies = await olga.press("No, keep it")
    assert replies.last.text.startswith("Are travel and accommodation costs covered?")
    await olga.press("🗑 Delete")
    replies = await olga.press("🗑 Yes, delete")
    assert replies.last.text == "The FAQ entry was deleted."
    replies = await olga.press_data(f"faq:dd:{travel}")
    assert replies.alert == "This FAQ entry no longer exists."
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        assert await session.get(FaqEntry, travel) is None
        assert await session.scalar(select(func.count()).select_from(FaqVote)) == 0
    replies = await anna.send("travel accommodation costs")
    assert "Are travel and accommodation costs covered?" not in replies.last.button_labels
    replies = await anna.press_data(f"faq:e:{travel}")
    assert replies.alert == "This FAQ entry no longer exists."


async def test_nobody_else_can_answer_edit_or_delete(sandbox: Sandbox) -> None:
    await load_examples(sandbox)
    olga = await organiser(sandbox, 707, "Olga Ozola")
    anna = await onboard(sandbox, 708, "Anna Bērziņa")
    mallory = await onboard(sandbox, 709, "Mallory Meža")
    await anna.send("nekas neatbilst xyzzy")
    await anna.press("✉️")
    await anna.send("Kad būs nākamā vasaras skola?")
    cost = await entry_id(sandbox, "cost")
    before = await faq_snapshot(sandbox)

    for command in ("/questions", "/faqadd"):
        replies = await mallory.send(command)
        assert replies.texts == ["Sorry, you are not allowed to do that."], command
    for data in (
        "faq:qp:0",
        "faq:qa:1",
        "faq:pub:1",
        "faq:new",
        f"faq:ed:{cost}",
        f"faq:del:{cost}",
        f"faq:dd:{cost}",
        "faq:d:answer",
        "faq:dc:other",
        "faq:dl:ru",
        "faq:ds",
        "menu:questions",
    ):
        replies = await mallory.press_data(data)
        assert replies.alert == "Sorry, you are not allowed to do that.", data
        assert replies.messages == []
    mallory_row = await stored_user(sandbox, 709)
    assert mallory_row is not None and await dialog_of(sandbox, mallory_row.id) is None
    replies = await mallory.press_data(f"faq:e:{cost}")
    assert "✏️ Edit" not in replies.last.button_labels
    assert await faq_snapshot(sandbox) == before

    # An organiser whose role is taken away half way cannot finish.
    await olga.send("/questions")
    await olga.press("✍️")
    admin = sandbox.user(ADMIN_ID, "Admin")
    await admin.send("/revoke 707 organiser")
    replies = await olga.send("Nākamā vasaras skola būs nākamgad.")
    assert replies.texts == ["Sorry, you are not allowed to do that."]
    assert await faq_snapshot(sandbox) == before
    assert anna.last_message()["text"].startswith("✅ Thank you! Your question has been sent")

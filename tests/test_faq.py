"""The FAQ as participants use it: topics, search, "did this help?", asking the organisers
(up to the answer becoming an entry that search finds), and inline mode."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable

from sqlalchemy import func, select

from bot.sandbox import Replies, Sandbox, SandboxUser
from storage.models import FaqEntry, FaqQuestion, FaqVote, User
from tests.conftest import ADMIN_ID
from tests.faq_helpers import entry_id, faq_snapshot, load_examples
from tests.helpers import members, onboard, stored_user

ASK = "✉️"


async def test_topics_then_entries_then_an_answer(sandbox: Sandbox) -> None:
    await load_examples(sandbox)
    anna = await onboard(sandbox, 501, "Anna Bērziņa")
    replies = await anna.send("/faq")
    assert replies.last.text.startswith("Frequently asked questions")
    labels = replies.last.button_labels
    assert labels[0] == "Registration and cancelling (4)"
    assert "Certificates and hours (2)" in labels and "✉️ Ask the organisers" in labels
    assert "➕ New entry" not in labels  # organisers only

    replies = await anna.press("Certificates and hours")
    assert replies.last.button_labels == [
        "Will I get a certificate after the training?",
        "How many hours must I attend in the family assistant course?",
        "📚 All topics",
    ]
    replies = await anna.press("How many hours")
    text = replies.last.text
    assert text.startswith("How many hours must I attend in the family assistant course?")
    assert "at least 80 of them" in text and text.endswith("Did this help?")
    assert "👍 0 · 👎 0" in text
    assert replies.last.button_labels == ["👍 Yes", "👎 No", "◀ Certificates and hours"]

    # The main menu leads there too, and a Latvian speaker reads the Latvian version.
    liga = await onboard(sandbox, 502, "Līga Liepa", language="lv")
    replies = await liga.send("/start")
    assert "📚 BUJ" in replies.last.button_labels
    replies = await liga.press("📚")
    replies = await liga.press("Sertifikāti un stundas")
    replies = await liga.press("Vai pēc mācībām saņemšu apliecību?")
    assert "vismaz 80 % mācību stundu" in replies.last.text
    assert "Vai tas palīdzēja?" in replies.last.text


async def test_words_after_faq_and_plain_questions_show_the_best_three(sandbox: Sandbox) -> None:
    await load_examples(sandbox)
    anna = await onboard(sandbox, 503, "Anna Bērziņa")
    replies = await anna.send("/faq registracija")
    assert replies.last.text == "Maybe one of these answers your question:"
    labels = replies.last.button_labels
    assert labels[0] == "How do I register for a training?"
    assert 2 <= len(labels) <= 4 and labels[-1] == "✉️ Ask the organisers"

    # A plain message (with a typo, in another language) is a question for the FAQ.
    replies = await anna.send("сертефикат")
    assert "Will I get a certificate after the training?" in replies.last.button_labels
    replies = await anna.press("Will I get a certificate")
    assert "Did this help?" in replies.last.text

    liga = await onboard(sandbox, 504, "Līga Liepa", language="lv")
    replies = await liga.send("Kur notiek vasaras skola?")
    assert replies.last.button_labels[0] == "Kur un kad notiek vasaras skola?"
    replies = await liga.send("kā nokļūt uz Strazdi")
    assert "Vai tiek segti ceļa un naktsmītnes izdevumi?" in replies.last.button_labels

    # Nothing fits: the offer to ask the organisers.
    replies = await anna.send("What is the capital of France?")
    assert replies.texts == [
        "I found nothing in the FAQ for “What is the capital of France?”. You can ask the "
        "organisers, or send /help to see what else I can do."
    ]
    assert replies.last.button_labels == ["✉️ Ask the organisers", "📚 All topics"]


async def test_did_this_help_counts_each_person_once(sandbox: Sandbox) -> None:
    await load_examples(sandbox)
    anna = await onboard(sandbox, 505, "Anna Bērziņa")
    peteris = await onboard(sandbox, 506, "Pēteris Kalniņš")
    cost = await entry_id(sandbox, "cost")

    await anna.send("/faq free")
    await anna.press("Is the training free of charge?")
    replies = await anna.press("👍 Yes")
    assert replies.alert == "Thank you for your answer!"
    assert "👍 1 · 👎 0" in replies.last.text
    replies = await anna.press("👍 Yes")  # twice: still one vote
    assert replies.alert == "Your answer is already counted."
    replies = await anna.press_data(f"faq:h:{cost}:1")
    assert replies.alert == "Your answer is already counted."

    await peteris.send("/faq cost")
    await peteris.press("Is the training free of charge?")
    replies = await peteris.press("👎 No")
    assert "👍 1 · 👎 1" in replies.last.text
    replies = await anna.press("👎 No")  # changing one's mind moves the vote
    assert "👍 0 · 👎 2" in replies.last.text

    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        votes = (await session.execute(select(FaqVote.user_id, FaqVote.helpful))).all()
    assert len(votes) == 2 and all(helpful is False for _, helpful in votes)


async def test_votes_at_the_same_moment_are_each_counted_once(sandbox: Sandbox) -> None:
    """The minutes after a session: many people answer "Did this help?" at once (their
    votes share transactions), some press twice, and a forged press names no entry."""
    await load_examples(sandbox)
    cost = await entry_id(sandbox, "cost")
    people = await members(sandbox, 20_000, 50)
    for user in people:
        await user.send("/faq cost")
    yes, no, forgers = people[:30], people[30:45], people[45:]

    def vote(user: SandboxUser, helpful: bool, entry: int = cost) -> Awaitable[Replies]:
        return user.press_data(f"faq:h:{entry}:{int(helpful)}")

    first = await asyncio.gather(
        *(vote(u, True) for u in yes),
        *(vote(u, False) for u in no),
        *(vote(u, True, entry=cost + 10_000) for u in forgers),
    )
    assert [r.alert for r in first] == ["Thank you for your answer!"] * 45 + [
        "This FAQ entry no longer exists."
    ] * 5
    again = await asyncio.gather(*(vote(u, True) for u in yes), *(vote(u, True) for u in no))
    assert [r.alert for r in again] == ["Your answer is already counted."] * 30 + [
        "Thank you for your answer!"
    ] * 15
    assert "👍 45 · 👎 0" in again[-1].last.text
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        votes = (
            await session.execute(select(FaqVote.helpful, func.count()).group_by(FaqVote.helpful))
        ).all()
    assert dict(votes) == {True: 45}
    assert sandbox.errors == []


async def test_ask_answer_publish_and_find(sandbox: Sandbox) -> None:
    await load_examples(sandbox)
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    olga = await onboard(sandbox, 602, "Olga Organizatore", language="ru")
    bruno = await onboard(sandbox, 603, "Bruno Bloks")
    await admin.send("/grant 602 organiser")
    await admin.send("/grant 603 organiser")
    liga = await onboard(sandbox, 604, "Līga Liepa", language="lv")
    sandbox.api.block(603)  # one organiser blocked the bot: the others still hear

    replies = await liga.send("Vai uz vasaras skolu drīkst ņemt līdzi suni?")
    assert "✉️ Jautāt organizatoriem" in replies.last.button_labels
    replies = await liga.press(ASK)  # offers what she typed; she types another instead
    assert replies.last.text.startswith("Nosūtīt šo jautājumu organizatoriem?")
    replies = await liga.send("Vai uz vasaras skolu <Strazdē> drīkst ņemt līdzi suni & kaķi?")
    assert replies.texts == [
        "✅ Paldies! Jūsu jautājums nosūtīts organizatoriem. Atbilde pienāks šeit."
    ]
    note_admin = sandbox.api.sent_to(ADMIN_ID)[-1].params["text"]
    assert note_admin.startswith("❓ <b>New question #1</b> from Līga Liepa:")
    assert "&lt;Strazdē&gt;" in note_admin and "suni &amp; kaķi" in note_admin
    note_olga = sandbox.api.sent_to(602)[-1].params["text"]
    assert note_olga.startswith("❓ <b>Новый вопрос #1</b>")
    assert [c.answered for c in sandbox.api.calls_to("sendMessage") if c.chat_id == 603][-1] == (
        "403"
    )
    assert bruno is not None

    replies = await olga.send("/questions")
    assert replies.last.text.startswith("Открытые вопросы: 1")
    assert "#1 · Līga Liepa" in replies.last.text
    replies = await olga.press("✍️")
    assert "Вопрос #1 от Līga Liepa" in replies.last.text
    replies = await olga.send(
        "Mājdzīvniekus uz vasaras skolu ņemt līdzi nevar: viesu mājā tie nav atļauti."
    )
    assert replies.texts[0] == "✅ Ваш ответ отправлен: Līga Liepa."
    answer = liga.last_message()["text"]
    assert answer.startswith("💬 Organizatori atbildēja uz Jūsu jautājumu")
    assert "<Strazdē>" in answer and "viesu mājā tie nav atļauti" in answer

    # A second organiser is too late; the question is no longer in the queue.
    replies = await admin.press("✍️ Answer")
    assert replies.alert == "This question has already been answered."
    replies = await admin.send("/questions")
    assert replies.texts == ["No open questions. 🎉"]

    # One more tap: the question and answer become an entry, the question tidied first.
    await olga.press("📚")
    replies = await olga.press_where("faq:dc:venues")
    assert "<b>" not in replies.last.text and "Latviešu" in replies.last.text
    await olga.press_where("faq:d:question")
    replies = await olga.send("Vai uz vasaras skolu drīkst ņemt līdzi mājdzīvniekus?")
    assert "Vai uz vasaras skolu drīkst ņemt līdzi mājdzīvniekus?" in replies.last.text
    replies = await olga.press_where("faq:ds")
    assert replies.texts[0] == "✅ Сохранено в FAQ."
    replies = await olga.press_data("faq:pub:1")  # publishing twice makes one entry
    assert replies.alert == "Этот вопрос уже есть в FAQ."

    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        question = await session.get(FaqQuestion, 1)
        assert question is not None and question.status == "answered"
        entry = await session.get(FaqEntry, question.entry_id or 0)
        assert entry is not None and entry.category == "venues"
        assert await session.scalar(select(func.count()).select_from(FaqEntry)) == 16

    replies = await liga.send("majdzivnieki")
    assert replies.last.button_labels[0] == "Vai uz vasaras skolu drīkst ņemt līdzi mājdzīvniekus?"

    # The asker's data: /mydata lists the question, /forget removes it.
    replies = await liga.send("/mydata")
    document = next(r.file for r in replies if r.file is not None)
    assert json.loads(document.content)["faq_questions"][0]["status"] == "answered"
    await liga.send("/forget")
    await liga.press_where("fg:yes")
    async with sandbox.runtime.db() as session:
        assert await session.scalar(select(func.count()).select_from(FaqQuestion)) == 0
        assert await session.scalar(select(func.count()).select_from(FaqEntry)) == 16


async def test_inline_mode_offers_entries_to_share(sandbox: Sandbox) -> None:
    await load_examples(sandbox)
    anna = await onboard(sandbox, 507, "Anna Bērziņa", language="ru")
    replies = await anna.send_inline_query("sertifikats")
    results = replies.inline_results
    assert results[0]["title"] == "Получу ли я сертификат после обучения?"
    content = results[0]["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert content["message_text"].startswith("<b>Получу ли я сертификат после обучения?</b>")
    call = sandbox.api.calls_to("answerInlineQuery")[-1]
    assert call.answered == "ok" and call.params["is_personal"] is True

    # An empty query offers the most helpful entries; a stranger gets them too, in their
    # Telegram language, and is not stored as a user.
    replies = await sandbox.user(9999, "Stranger", language_code="en").send_inline_query("")
    assert len(replies.inline_results) == 10
    assert replies.inline_results[0]["title"] == "How do I register for a training?"
    assert await stored_user(sandbox, 9999) is None
    replies = await anna.send_inline_query("<b>' OR 1=1; --")
    assert replies.inline_results == []
    assert sandbox.api.calls_to("answerInlineQuery")[-1].answered == "ok"


async def test_markup_in_entries_is_shown_as_text(sandbox: Sandbox) -> None:
    assert sandbox.runtime is not None
    from bot.services import faq, faq_editor

    await faq_editor.import_entries(
        sandbox.runtime.db,
        [
            faq.EntryData(
                "markup",
                "other",
                {
                    "en": (
                        "Is <b>bold</b> & <i>broken HTML allowed?",
                        "No: <a href='x'>this</b> & that",
                    )
                },
            )
        ],
    )
    anna = await onboard(sandbox, 508, "Anna Bērziņa")
    replies = await anna.send("/faq broken html")
    assert replies.last.button_labels[0] == "Is <b>bold</b> & <i>broken HTML allowed?"
    replies = await anna.press("Is <b>bold</b>")
    assert replies.last.text.startswith("Is <b>bold</b> & <i>broken HTML allowed?")
    assert "No: <a href='x'>this</b> & that" in replies.last.text
    replies = await anna.send_inline_query("broken html")
    assert sandbox.api.calls_to("answerInlineQuery")[-1].answered == "ok"
    assert "&lt;b&gt;" in replies.inline_results[0]["input_message_content"]["message_text"]


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(sandbox: Sandbox) -> None:
    await load_examples(sandbox)
    anna = await onboard(sandbox, 509, "Anna Bērziņa")
    before = await faq_snapshot(sandbox)

    replies = await anna.send("/faq      ")  # an empty search shows the topics
    assert replies.last.text.startswith("Frequently asked questions")
    for text in ("🙂🙂🙂", "/faq 🤔❓", "!!! ??? ..."):
        replies = await anna.send(text)
        assert replies.texts == [
            "Type a question in words and I will look for it in the FAQ. "
            "Send /help to see what else I can do."
        ], text
    replies = await anna.send("'; DROP TABLE faq_entries; -- <script>alert(1)</script>")
    assert replies.texts[0].startswith("I found nothing in the FAQ for “'; DROP TABLE")
    replies = await anna.send("sertifikāts " * 360)  # ~4,000 characters: still answered
    assert "Will I get a certificate after the training?" in replies.last.button_labels

    # Asking: too long, only emoji and empty are refused, and the dialog waits on.
    await anna.press(ASK)
    replies = await anna.send("Kā pieteikties? " + "x" * 3990)
    assert replies.texts == [
        "That is 4006 characters long; the limit is 500. Please shorten it and send it again."
    ]
    replies = await anna.send("🙂🙂")
    assert replies.texts == ["Please write it in words, not only with emoji or symbols."]
    replies = await anna.send_sticker()
    assert replies.texts == ["Please type your question as a text message."]
    assert await faq_snapshot(sandbox) == before
    replies = await anna.press("Cancel")
    assert replies.texts == ["Cancelled. Nothing was changed."]
    replies = await anna.send("sertifikāts")  # a search again, not a question
    assert "Will I get a certificate after the training?" in replies.last.button_labels

    # Forged and stale buttons.
    for data, alert in (
        ("faq:e:999999", "This FAQ entry no longer exists."),
        ("faq:h:999999:1", "This FAQ entry no longer exists."),
        ("faq:h:1:7", "This button is no longer valid."),
        ("faq:e:99999999999999999999", "This button is no longer valid."),
        ("faq:c:nonsense:0", "This button is no longer valid."),
        ("faq:c:costs:9999", None),  # past the last page: the last page
    ):
        replies = await anna.press_data(data)
        assert replies.alert == alert, data
    assert await faq_snapshot(sandbox) == before
    # Stickers outside a dialog still get the pointer to /help.
    replies = await anna.send_sticker()
    assert replies.texts == ["I didn't understand that. Send /help to see what I can do."]
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_greetings_and_thanks_get_a_friendly_answer(sandbox: Sandbox) -> None:
    await load_examples(sandbox)
    liga = await onboard(sandbox, 511, "Līga Liepa", language="lv")
    olga = await onboard(sandbox, 512, "Ольга Петрова", language="ru")
    anna = await onboard(sandbox, 513, "Anna Bērziņa")

    assert (await liga.send("Paldies!")).texts == [
        "Lūdzu! Rakstiet, kad Jums rodas kāds jautājums."
    ]
    assert (await liga.send("Sveiki")).texts == [
        "Sveiki! Uzdodiet jautājumu saviem vārdiem vai nosūtiet /help, lai redzētu, ko es varu."
    ]
    assert (await olga.send("Привет")).texts[0].startswith("Здравствуйте! Задайте вопрос")
    thanks = await olga.send("Спасибо большое!")
    assert thanks.texts == ["Пожалуйста! Пишите, если появятся вопросы."]
    assert (await anna.send("thanks a lot")).texts == [
        "You're welcome! Write whenever you have a question."
    ]
    # A greeting in front of a question is still a question.
    replies = await anna.send("Hi, will I get a certificate?")
    assert "Will I get a certificate after the training?" in replies.last.button_labels


async def test_a_question_about_a_training_offers_its_card(sandbox: Sandbox) -> None:
    from tests.helpers import make_event

    await load_examples(sandbox)
    await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    event_id = await make_event(sandbox, ADMIN_ID, title="Ģimenes asistentu apmācība")
    await make_event(sandbox, ADMIN_ID, title="Vasaras skola Strazdē")
    liga = await onboard(sandbox, 521, "Līga Liepa", language="lv")

    replies = await liga.send("kad sākas ģimenes asistentu kurss")
    assert replies.last.text == "Varbūt kāds no šiem atbild uz Jūsu jautājumu:"
    assert replies.last.button_labels[0] == "📅 Ģimenes asistentu apmācība"
    assert "📅 Vasaras skola Strazdē" not in replies.last.button_labels
    card = await liga.press("📅 Ģimenes asistentu apmācība")
    assert card.last.text.startswith("Ģimenes asistentu apmācība\n📅 ")
    assert f"ev:r:{event_id}" in [b["callback_data"] for row in card.last.buttons for b in row]
    # One shared word is not enough to name a training.
    replies = await liga.send("vai ģimenes locekļi var piedalīties")
    assert "📅 Ģimenes asistentu apmācība" not in replies.last.button_labels

"""/my shows a card per registration; check-in from a button or /checkin alone takes the
next message as the code; "Ask the organisers" offers the question just typed; a
check-in started ahead of time marks nobody absent."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.i18n import Translator
from bot.sandbox import Sandbox
from storage.models import Attendance, FaqQuestion
from tests.eventkit import START, create_event, daily_sessions, db, organiser, register
from tests.helpers import ADMIN_ID, Clock, onboard
from tests.survey_kit import FIRST, GAP, attach, course, tick

TITLE = "Ģimenes asistentu apmācība (100 stundas), 1. grupa"


def code_in(text: str) -> str:
    match = re.search(r"/checkin ([A-Z0-9]{4})", text)
    assert match, text
    return match.group(1)


async def test_my_shows_a_readable_card_per_registration_in_latvian(
    sandbox: Sandbox, clock: Clock
) -> None:
    clock.now = START
    await organiser(sandbox)
    first = START + timedelta(days=2)
    event_id, _ = await create_event(sandbox, 501, daily_sessions(3, first), title=TITLE)
    other_id, _ = await create_event(
        sandbox, 501, daily_sessions(1, first + timedelta(days=10)), title="Supervīzija"
    )
    ieva = await onboard(sandbox, 601, "Ieva Kalniņa", language="lv")
    for event in (event_id, other_id):
        await ieva.send(f"/start event_{event}")
        await ieva.press("📝 Pieteikties")
        await ieva.press("✅ Jā, pieteikties")

    replies = await ieva.send("/my")
    header, card, second = replies.messages
    assert header.text == "Mani pieteikumi"
    lines = card.text.split("\n")
    assert lines[0] == TITLE
    assert lines[1] == "✅ Jūsu dalība šajās mācībās ir apstiprināta."
    lv = Translator("lv", sandbox.settings.tz)
    assert lines[2].startswith("🗓 Nākamā nodarbība: ") and f"{lv.time(first)}–" in lines[2]
    assert lines[3] == "📍 Rīga, Zaķusalas krastmala 1"
    assert card.button_labels == [
        "ℹ️ Mācību apraksts",
        "📆 Kalendārs",
        "✖ Atteikties no dalības",
    ]
    assert second.text.startswith("Supervīzija")
    # The buttons work: the card of the event, and cancelling this one registration.
    replies = await ieva.press("ℹ️ Mācību apraksts", ieva.messages()[-2])
    assert replies.last.text.startswith(TITLE)
    replies = await ieva.press("✖ Atteikties no dalības", ieva.messages()[-1])
    assert "Supervīzija" in replies.last.text


async def test_check_in_from_my_and_checkin_alone_wait_for_the_code(
    sandbox: Sandbox, clock: Clock
) -> None:
    clock.now = START
    olga = await organiser(sandbox)
    first = START + timedelta(hours=2)
    event_id, sessions = await create_event(sandbox, 501, daily_sessions(2, first))
    anna = await onboard(sandbox, 601, "Anna Bērziņa")
    berta = await onboard(sandbox, 602, "Berta Kalniņa")
    for person in (anna, berta):
        await register(person, event_id)
    assert "✅ Check in now" not in str((await anna.send("/my")).last.button_labels)

    clock.now = first - timedelta(minutes=10)
    await olga.press_data(f"ci:{sessions[0]}")
    code = code_in(olga.last_message()["text"])

    replies = await anna.send("/my")
    assert replies.last.button_labels[0] == "✅ Check in now"
    replies = await anna.press("✅ Check in now")
    assert replies.texts == ["Send the check-in code the trainer shows (four characters)."]
    replies = await anna.send("ABCD" if code != "ABCD" else "WXYZ")
    assert replies.texts[0].startswith("This check-in code is wrong.")
    replies = await anna.send(code.lower())  # still waiting for the code
    assert replies.texts[0].startswith("✅ Checked in:")
    replies = await anna.send(code)  # the dialog is over: just a message now
    assert not replies.texts[0].startswith(("✅ Checked in", "You are already"))
    assert "✅ Check in now" not in (await anna.send("/my")).last.button_labels

    replies = await berta.send("/checkin")
    assert replies.texts == ["Send the check-in code the trainer shows (four characters)."]
    replies = await berta.send(f"  {code} ")
    assert replies.texts[0].startswith("✅ Checked in:")
    async with db(sandbox)() as session:
        marks = list(await session.scalars(select(Attendance.present)))
    assert marks == [True, True]


async def test_a_pending_survey_is_on_the_card(sandbox: Sandbox, clock: Clock) -> None:
    clock.now = START
    olga, event_id, _, people, _ = await course(sandbox)
    await attach(olga, event_id, anonymous=True)
    clock.now = FIRST + timedelta(hours=4, minutes=20)
    await tick(sandbox)
    anna = people[0]
    replies = await anna.send("/my")
    assert "📝 Feedback: session 1" in replies.last.button_labels
    replies = await anna.press("📝 Feedback: session 1")
    assert "Question 1 of 4" in replies.last.text  # the survey starts
    clock.now = FIRST + GAP + timedelta(days=7)  # the survey has closed
    assert "📝 Feedback: session 1" not in (await anna.send("/my")).last.button_labels


async def test_ask_the_organisers_offers_the_question_just_typed(sandbox: Sandbox) -> None:
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    liga = await onboard(sandbox, 604, "Līga Liepa", language="lv")
    question = "Vai uz vasaras skolu Strazdē drīkst ņemt līdzi suni?"
    replies = await liga.send(question)
    await liga.press("✉️ Jautāt organizatoriem")
    replies = await liga.press("📨 Nosūtīt šo jautājumu")
    assert replies.texts[0].startswith("✅ Paldies!")
    async with db(sandbox)() as session:
        assert list(await session.scalars(select(FaqQuestion.text))) == [question]
    assert question in admin.replies_since(0).texts[-1]
    # The offer is used once; the button of the old message does nothing more.
    assert (await liga.press_data("faq:as")).alert == "Šī poga vairs nav derīga."


async def test_a_checkin_started_ahead_of_time_marks_nobody_absent(
    sandbox: Sandbox, clock: Clock
) -> None:
    clock.now = START
    olga = await organiser(sandbox)
    first = START + timedelta(days=2)
    event_id, sessions = await create_event(sandbox, 501, daily_sessions(2, first))
    anna = await onboard(sandbox, 601, "Anna Bērziņa")
    await register(anna, event_id)
    replies = await olga.press_data(f"ci:{sessions[1]}")  # two days ahead
    assert "/checkin" in replies.last.text
    await olga.press_data(f"ea:{event_id}")
    replies = await olga.press("📄 CSV")
    content = replies.last.file.content.decode("utf-8-sig")  # type: ignore[union-attr]
    assert "Anna Bērziņa" in content and "absent" not in content

    # Once the session's check-in window opens, those who did not come are absent.
    clock.now = first + timedelta(days=1, minutes=-10)
    await olga.press_data(f"ci:{sessions[1]}")
    await olga.press_data(f"ea:{event_id}")
    content = (await olga.press("📄 CSV")).last.file.content.decode("utf-8-sig")  # type: ignore[union-attr]
    assert "absent" in content

"""What Latvian users read where a date stands in a sentence: the case the sentence needs
("līdz 15. septembrim", "sāksies 1. jūnijā"), "plkst. 9.00", ranges that write the month
once, and no year when the date is in the current year. Exact texts, on purpose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.sandbox import Sandbox
from bot.services.survey_templates import ensure_default_template
from storage.models import SurveyQuestion, User
from tests.eventkit import create_event, organiser, register, seed_people
from tests.helpers import ADMIN_ID, Clock, make_event, onboard
from tests.survey_kit import attach, tick

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # 12:00 in Riga (winter, UTC+2)
SCHOOL_START = datetime(2027, 9, 27, 6, 0, tzinfo=UTC)  # 9:00 in Riga (summer, UTC+3)


async def test_the_event_card_and_a_refusal_in_latvian(sandbox: Sandbox, clock: Clock) -> None:
    clock.set(NOW)
    await organiser(sandbox)
    event_id = await make_event(
        sandbox,
        501,
        title="Vasaras skola",
        first=SCHOOL_START,
        registration_opens_at=datetime(2027, 6, 1, 6, 0, tzinfo=UTC),
        registration_deadline=datetime(2027, 9, 15, 20, 59, tzinfo=UTC),
    )
    anna = await onboard(sandbox, 601, "Anna Bērziņa", language="lv")

    card = (await anna.send(f"/start event_{event_id}")).last.text
    assert "📅 2027. gada 27.–29. septembris" in card.splitlines()
    assert "⏳ Reģistrācija sāksies 2027. gada 1. jūnijā plkst. 9.00." in card.splitlines()
    assert "3 nodarbības, kopā 21 st." in card.splitlines()
    assert "• pirmd., 27. septembris, 9.00–16.00" in card.splitlines()

    replies = await anna.press_data(f"ev:rc:{event_id}")  # a button kept from before
    assert replies.alert == "Reģistrācija sāksies 2027. gada 1. jūnijā plkst. 9.00."

    clock.set(datetime(2027, 6, 1, 6, 0, tzinfo=UTC))  # registration is open now
    card = (await anna.send(f"/start event_{event_id}")).last.text
    assert "⏳ Reģistrācija līdz 15. septembrim plkst. 23.59" in card.splitlines()
    assert sandbox.errors == []


async def test_registration_confirmed_in_latvian(sandbox: Sandbox, clock: Clock) -> None:
    clock.set(NOW)
    await organiser(sandbox)
    event_id = await make_event(sandbox, 501, title="Vasaras skola", first=SCHOOL_START)
    anna = await onboard(sandbox, 601, "Anna Bērziņa", language="lv")
    await anna.send(f"/start event_{event_id}")
    await anna.press("📝 Pieteikties")
    replies = await anna.press("✅ Jā, pieteikties")
    assert replies.texts[0] == (
        "✅ Jūsu dalība mācībās „Vasaras skola” ir apstiprināta. "
        "Tās sāksies 2027. gada 27. septembrī plkst. 9.00. "
        "Zemāk esošajā kalendāra failā ir visas nodarbības."
    )
    assert sandbox.errors == []


async def test_an_announcement_scheduled_in_latvian(sandbox: Sandbox, clock: Clock) -> None:
    clock.set(NOW)
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    olga = await onboard(sandbox, 501, "Olga Organizatore", language="lv")
    await admin.send("/grant 501 organiser")
    event_id = await make_event(sandbox, 501, title="Krīzes intervence", first=SCHOOL_START)
    await register(await onboard(sandbox, 601, "Anna Bērziņa"), event_id)

    await olga.send("/remind")
    await olga.press("Krīzes intervence")
    await olga.send("Lūdzu, paņemiet līdzi personu apliecinošu dokumentu.")
    await olga.press("✅ Reģistrētie (1)")
    await olga.press("📅 Cits datums un laiks")
    replies = await olga.send("10.01.2027 18:30")
    assert "Kad: 2027. gada 10. janvārī plkst. 18.30" in replies.last.text
    replies = await olga.press("✅ Ieplānot")
    assert replies.last.text == (
        "✅ Ieplānots 2027. gada 10. janvārī plkst. 18.30. "
        "Kad paziņojums būs izsūtīts, saņemsiet piegādes atskaiti."
    )
    assert sandbox.errors == []


async def test_a_survey_open_until_a_date_this_year(sandbox: Sandbox, clock: Clock) -> None:
    # The session ends at 16:05 Riga time; the survey goes out 15 minutes later and stays
    # open for 7 days: until 7 December, 16:20, in the current year, so without the year.
    clock.set(NOW)
    olga = await organiser(sandbox)
    ends = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
    event_id, _ = await create_event(sandbox, 501, [(ends - timedelta(hours=4), ends)])
    [anna_id] = await seed_people(sandbox, event_id, [("Anna Ābele", None, None, "confirmed")])
    async with sandbox.runtime.db.begin() as session:  # type: ignore[union-attr]
        await session.execute(update(User).where(User.id == anna_id).values(language="lv"))
    await attach(olga, event_id, anonymous=True)

    clock.set(ends + timedelta(minutes=15))
    assert await tick(sandbox) == 1
    anna = sandbox.user(700_000, "Anna", language_code="lv")
    invitation = anna.replies_since(0).texts[-1]
    assert "Atvērta līdz 7. decembrim plkst. 16.20." in invitation.splitlines()
    # The volume question's scale reads "just right", not "just in time".
    await anna.press("📝 Atbildēt")
    replies = await anna.press("4")
    assert replies.last.button_labels[:3] == ["Par maz", "Tieši piemērots", "Par daudz"]


async def test_the_shipped_survey_gets_the_current_wording_at_start(sandbox: Sandbox) -> None:
    # A database made by an older release still says "Tieši laikā" until the next start.
    db = sandbox.runtime.db  # type: ignore[union-attr]
    template_id = await ensure_default_template(db)
    async with db.begin() as session:
        volume = await session.scalar(
            select(SurveyQuestion).where(
                SurveyQuestion.template_id == template_id, SurveyQuestion.position == 1
            )
        )
        assert volume is not None
        old = [dict(option) for option in volume.options]
        old[1]["lv"] = "Tieši laikā"
        volume.options = old
    assert await ensure_default_template(db) == template_id
    async with db() as session:
        options = await session.scalar(
            select(SurveyQuestion.options).where(
                SurveyQuestion.template_id == template_id, SurveyQuestion.position == 1
            )
        )
    assert [option["lv"] for option in options] == ["Par maz", "Tieši piemērots", "Par daudz"]


async def test_registrants_are_listed_in_latvian_alphabetical_order(sandbox: Sandbox) -> None:
    olga = await organiser(sandbox)
    event_id, _ = await create_event(
        sandbox, 501, [(SCHOOL_START, SCHOOL_START + timedelta(hours=4))]
    )
    names = [
        "John Smith",
        "Jānis Bērziņš",
        "Čaba Kalniņa",
        "Cīrule Anna",
        "Ābele Līga",
        "Zane Ozola",
    ]
    await seed_people(sandbox, event_id, [(n, "talsu-novads", None, "confirmed") for n in names])
    text = (await olga.press_data(f"el:{event_id}:0")).last.text
    listed = [name for name in names if name in text]
    assert sorted(listed, key=text.index) == [
        "Ābele Līga", "Cīrule Anna", "Čaba Kalniņa", "Jānis Bērziņš", "John Smith", "Zane Ozola"
    ]  # fmt: skip

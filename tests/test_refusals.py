"""Every refusal tells the real reason, and the card shows the person's own state."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox import Sandbox
from tests.helpers import EN, Clock, make_event, make_organiser, onboard


async def test_the_municipality_limit_is_named_in_latvian(sandbox: Sandbox) -> None:
    await make_organiser(sandbox, 800, "Olga Organizatore")
    event = await make_event(sandbox, 800, title="Vasaras skola", capacity=25, municipality_limit=2)
    for number, name in enumerate(("Laila Liepa", "Dace Ozola")):
        talsi = await onboard(sandbox, 810 + number, name, language="lv", municipality="Talsi")
        await talsi.send(f"/start event_{event}")
        await talsi.press("📝 Pieteikties")
        await talsi.press("✅ Jā, pieteikties")

    ieva = await onboard(sandbox, 820, "Ieva Kalniņa", language="lv", municipality="Talsi")
    replies = await ieva.send(f"/start event_{event}")
    card = replies.last
    assert "🪑 Brīvas vietas: 23 no 25" in card.text
    assert (
        "🏘 Pašvaldībai „Talsu novads” brīvu vietu vairs nav (limits vienai pašvaldībai: 2)."
        in card.text
    )
    assert "📝 Pieteikties" not in card.button_labels
    replies = await ieva.press("⏳ Pierakstīties gaidīšanas sarakstā")
    assert replies.last.text.startswith("🏘 Pašvaldībai „Talsu novads” brīvu vietu vairs nav")
    replies = await ieva.press("⏳ Pierakstīties gaidīšanas sarakstā")
    assert replies.texts[0] == (
        "⏳ Pašvaldībai „Talsu novads” brīvu vietu vairs nav (limits vienai pašvaldībai: 2). "
        "Jūsu vieta mācību „Vasaras skola” gaidīšanas sarakstā: 1; tiklīdz vieta "
        "atbrīvosies, es Jums paziņošu."
    )
    card = (await ieva.send(f"/start event_{event}")).last
    assert "⏳ Jūsu vieta gaidīšanas sarakstā: 1." in card.text
    assert "📝 Pieteikties" not in card.button_labels
    assert "✖ Atteikties no dalības" in card.button_labels

    # Someone from another municipality still gets a seat, and the card says so.
    juris = await onboard(sandbox, 821, "Juris Kalns", language="lv", municipality="Cēsis")
    card = (await juris.send(f"/start event_{event}")).last
    assert "Pašvaldībai" not in card.text
    await juris.press("📝 Pieteikties")
    await juris.press("✅ Jā, pieteikties")
    card = (await juris.send(f"/start event_{event}")).last
    assert "✅ Jūsu dalība šajās mācībās ir apstiprināta." in card.text
    assert "📝 Pieteikties" not in card.button_labels


async def test_no_register_button_before_registration_opens_or_after_it_closes(
    sandbox: Sandbox, clock: Clock
) -> None:
    await make_organiser(sandbox, 800, "Olga Organizatore")
    opens = clock() + timedelta(days=3)
    closes = clock() + timedelta(days=10)
    event = await make_event(
        sandbox,
        800,
        title="Supervīzija",
        registration_opens_at=opens,
        registration_deadline=closes,
    )
    anna = await onboard(sandbox, 801, "Anna Bērziņa")
    card = (await anna.send(f"/start event_{event}")).last
    assert f"⏳ Registration opens on {EN.at(clock()).on_datetime(opens)}." in card.text
    assert "📝 Register" not in card.button_labels
    replies = await anna.press_data(f"ev:rc:{event}")  # a forged press registers nobody
    assert replies.alert == f"Registration opens on {EN.at(clock()).on_datetime(opens)}."

    clock.set(opens + timedelta(minutes=1))
    card = (await anna.send(f"/start event_{event}")).last
    assert f"⏳ Registration until {EN.at(clock()).until_datetime(closes)}" in card.text
    assert "📝 Register" in card.button_labels

    clock.set(closes + timedelta(minutes=1))
    card = (await anna.send(f"/start event_{event}")).last
    assert f"⏳ Registration closed on {EN.at(clock()).on_datetime(closes)}." in card.text
    assert "📝 Register" not in card.button_labels
    replies = await anna.press_data(f"ev:r:{event}")
    assert replies.alert == f"Registration closed on {EN.at(clock()).on_datetime(closes)}."


async def test_the_card_shows_a_pending_request(sandbox: Sandbox) -> None:
    await make_organiser(sandbox, 800, "Olga Organizatore")
    event = await make_event(sandbox, 800, title="Ģimenes asistenti", needs_approval=True)
    anna = await onboard(sandbox, 801, "Anna Bērziņa", language="lv")
    await anna.send(f"/start event_{event}")
    await anna.press("📝 Pieteikties")
    await anna.press("✅")
    card = (await anna.send(f"/start event_{event}")).last
    assert "📨 Jūsu pieprasījums gaida organizatora lēmumu." in card.text
    assert "📝 Pieteikties" not in card.button_labels
    replies = await anna.press_data(f"ev:r:{event}")  # an old card's button
    assert "Jūsu pieprasījums gaida organizatora lēmumu" in replies.last.text


async def test_the_organiser_sets_when_registration_opens(sandbox: Sandbox, clock: Clock) -> None:
    olga = await make_organiser(sandbox, 800, "Olga Organizatore")
    closes = clock() + timedelta(days=10)
    event = await make_event(sandbox, 800, title="Supervīzija", registration_deadline=closes)
    tz = sandbox.settings.tz
    await olga.send(f"/start event_{event}")
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    replies = await olga.press("Registration opens")
    assert replies.last.text.startswith("From when can people register?")
    too_late = (closes + timedelta(days=1)).astimezone(tz).strftime("%d.%m.%Y %H:%M")
    replies = await olga.send(too_late)
    assert replies.texts == ["Registration must open before it closes."]
    opens = (clock() + timedelta(days=2)).astimezone(tz).replace(second=0, microsecond=0)
    replies = await olga.send(opens.strftime("%d.%m.%Y %H:%M"))
    assert f"⏳ Registration opens on {EN.at(clock()).on_datetime(opens)}." in replies.last.text
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("Registration opens")
    replies = await olga.press("Clear")
    assert "📝 Register" in replies.last.button_labels

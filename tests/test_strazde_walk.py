"""The Strazde summer school built entirely in the chat, in Latvian, with no import: an
organiser creates it with /new_event, attaches the ministry's expert as its trainer, a
social worker from Talsi registers, and the trainer sends an announcement with /remind."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.outbox import dispatch_due
from bot.sandbox import Sandbox
from storage.models import Event, EventTrainer
from storage.models import Session as EventSession
from tests.helpers import ADMIN_ID, Clock, onboard

TITLE = "Sociālais darbs ģimenēm ar bērniem: metodikas starpnovērtēšana"


async def test_strazde_summer_school_from_new_event_to_the_trainers_announcement(
    sandbox: Sandbox, clock: Clock
) -> None:
    clock.set(datetime(2027, 5, 10, 9, 0, tzinfo=UTC))
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    olga = await onboard(sandbox, 700, "Olga Organizatore", language="lv")
    liesma = await onboard(sandbox, 701, "Liesma Ose", language="lv")
    await admin.send("/grant 700 organiser")
    await admin.send("/grant 701 trainer")
    replies = await liesma.send("/remind")
    assert replies.last.text == "Jums nav mācību, kurām sūtīt paziņojumus."

    # The organiser builds the school with /new_event.
    await olga.send("/new_event")
    await olga.send(TITLE)
    await olga.send("Vasaras skola pašvaldību sociālo dienestu sociālajiem darbiniekiem.")
    await olga.send("Strazde, Talsu novads")
    await olga.press("Izlaist")  # no online link
    await olga.send("40")
    await olga.press("Nē, pēc pieteikšanās secības")
    await olga.send("3")
    await olga.send("15.09.2027 23:59")
    for day, start, end in (("27", "10:00", "18:00"), ("28", "09:00", "18:00")):
        await olga.send(f"{day}.09.2027")
        await olga.send(start)
        await olga.send(end)
        await olga.press("➕ Vēl nodarbība")
    await olga.send("29.09.2027")
    await olga.send("09:00")
    await olga.send("14:00")
    replies = await olga.press("▶ Turpināt")
    assert replies.last.text == (
        "🎓 Apliecība. Apliecību saņem ikviens, kurš apmeklējis vismaz 80 % stundu. "
        "Atstājiet šo nosacījumu vai norādiet citu stundu daļu — ar pogu vai ierakstot "
        "skaitli (no 50 līdz 100 %)."
    )
    replies = await olga.send("simts desmit")
    assert replies.texts[0].startswith("Atvainojiet, šādu daļu nevarēju pieņemt.")
    await olga.press("75 %")
    preview = (await olga.send("Sociālā darba kvalitātes programma")).last.text
    assert "Apliecību saņem ikviens, kurš apmeklējis vismaz 75 % stundu." in preview
    assert "Programma (finansētāja pārskatam): Sociālā darba kvalitātes programma" in preview
    replies = await olga.press("✅ Publicēt")
    async with sandbox.runtime.db() as session:  # type: ignore[union-attr]
        event = await session.scalar(select(Event))
        assert event is not None and event.status == "published"
        assert (event.completion_percent, event.programme) == (
            75,
            "Sociālā darba kvalitātes programma",
        )
        sessions = list(await session.scalars(select(EventSession)))
    assert len(sessions) == 3

    # Registration opens on 1 June, as announced.
    await olga.send(f"/start event_{event.id}")
    await olga.press("⚙️ Pārvaldīt")
    await olga.press("✏️ Rediģēt")
    await olga.press("Reģistrācijas sākums")
    await olga.send("01.06.2027 09:00")

    # She attaches the trainer from the event's card, finding her by name.
    await olga.send(f"/start event_{event.id}")
    await olga.press("⚙️ Pārvaldīt")
    await olga.press("✏️ Rediģēt")
    await olga.press("👩‍🏫 Pasniedzēji")
    replies = await olga.press("➕ Pievienot pasniedzēju")
    assert replies.last.text == "Ierakstiet daļu no pasniedzēja vārda (piemēram, uzvārdu)."
    replies = await olga.send("ose")
    assert replies.last.text == "Kuru pievienot? Izvēlieties cilvēku vai ierakstiet citu vārdu."
    replies = await olga.press("Liesma Ose")
    assert replies.alert == "Pasniedzēju saraksts papildināts: Liesma Ose."
    assert replies.last.text.startswith(f"Mācību „{TITLE}” pasniedzēji\n• Liesma Ose")
    async with sandbox.runtime.db() as session:  # type: ignore[union-attr]
        assert len(list(await session.scalars(select(EventTrainer)))) == 1

    # A social worker from Talsi looks before registration opens, then registers.
    ieva = await onboard(sandbox, 702, "Ieva Kalniņa", language="lv", municipality="Talsi")
    card = (await ieva.send(f"/start event_{event.id}")).last
    assert "⏳ Reģistrācija sāksies" in card.text
    assert "📝 Pieteikties" not in card.button_labels
    clock.set(datetime(2027, 6, 1, 6, 0, tzinfo=UTC))  # 9:00 in Riga
    await ieva.send(f"/start event_{event.id}")
    await ieva.press("📝 Pieteikties")
    replies = await ieva.press("✅ Jā, pieteikties")
    assert replies.file is not None  # the calendar file of a confirmed seat

    # The trainer announces to the registrants.
    replies = await liesma.send("/remind")
    assert replies.last.button_labels[0].startswith(TITLE[:40])
    await liesma.press(TITLE[:20])
    await liesma.send("Lūdzu, paņemiet līdzi savas pašvaldības piemērus.")
    await liesma.press("✅ Reģistrētie (1)")
    await liesma.press("Tagad")
    await liesma.press("✅ Sūtīt tagad")
    assert sandbox.application is not None
    await dispatch_due(sandbox.application)
    got = [t for t in ieva.replies_since(0).texts if "paņemiet līdzi" in t]
    assert got == [f"📣 {TITLE}\n\nLūdzu, paņemiet līdzi savas pašvaldības piemērus."]

"""Approvals at scale: the requests list stays open, approve all or by municipality,
decline with a reason the person reads; an approved person gets the calendar file."""

from __future__ import annotations

from sqlalchemy import select

from bot.sandbox import Sandbox
from storage.models import Registration, User
from tests.helpers import ADMIN_ID, make_event, onboard

PEOPLE = (
    (901, "Anna Bērziņa", "Cēsis"),
    (902, "Juris Kalns", "Cēsis"),
    (903, "Laila Liepa", "Talsi"),
    (904, "Dace Ozola", "Talsi"),
    (905, "Pēteris Zariņš", "Rīga"),
    (906, "Ilze Kļava", "Rīga"),
)


async def statuses(sandbox: Sandbox) -> dict[str, str]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        rows = await session.execute(
            select(User.full_name, Registration.status).join(
                Registration, Registration.user_id == User.id
            )
        )
        return dict(rows.all())  # type: ignore[arg-type]


async def test_an_organiser_decides_many_requests_from_one_open_list(sandbox: Sandbox) -> None:
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    olga = await onboard(sandbox, 900, "Olga Organizatore", language="lv")
    await admin.send("/grant 900 organiser")
    event = await make_event(
        sandbox, 900, title="Ģimenes asistentu apmācība", capacity=4, needs_approval=True
    )
    people = {}
    for telegram_id, name, place in PEOPLE:
        person = await onboard(sandbox, telegram_id, name, language="lv", municipality=place)
        await person.send(f"/start event_{event}")
        await person.press("📝 Pieteikties")
        await person.press("✅")
        people[name] = person

    await olga.send(f"/start event_{event}")
    await olga.press("⚙️ Pārvaldīt")
    replies = await olga.press("✋ Pieprasījumi (6)")
    listing = replies.last
    assert "✅ Apstiprināt visus (6)" in listing.button_labels
    assert "🏘 Apstiprināt pēc pašvaldības" in listing.button_labels

    # One approval: the list is edited in place and Anna gets her calendar file.
    before = len(sandbox.api.calls)
    replies = await olga.press("✅ Anna Bērziņa")
    assert replies.last.method == "editMessageText"
    assert replies.last.message_id == listing.message_id
    notice = replies.last.text.split("\n")[0]
    assert notice.startswith("Anna Bērziņa: pieprasījums") and "apstiprināts" in notice
    assert "✅ Apstiprināt visus (5)" in replies.last.button_labels
    told = people["Anna Bērziņa"].replies_since(before)
    assert (
        told.texts[0] == "✅ Jūsu pieteikums mācībām „Ģimenes asistentu apmācība” ir apstiprināts."
    )
    assert told.last.file is not None and told.last.file.filename.endswith(".ics")

    # A decline with a reason that Juris reads.
    replies = await olga.press("✖ Juris Kalns")
    assert replies.last.text.startswith("Noraidīt pieprasījumu: Juris Kalns?")
    before = len(sandbox.api.calls)
    replies = await olga.send("Šoreiz aicinām tikai Kurzemes pašvaldību darbiniekus.")
    assert "Juris Kalns" in replies.texts[0] and "✅ Apstiprināt visus (4)" in str(
        replies.last.button_labels
    )
    assert people["Juris Kalns"].replies_since(before).texts == [
        "Diemžēl Jūsu pieprasījums dalībai mācībās „Ģimenes asistentu apmācība” ir "
        "noraidīts. Organizatora paskaidrojums:\n"
        "Šoreiz aicinām tikai Kurzemes pašvaldību darbiniekus."
    ]

    # By municipality: both from Talsi at once.
    replies = await olga.press("🏘 Apstiprināt pēc pašvaldības")
    assert replies.last.text == "Kuras pašvaldības pieprasījumus apstiprināt?"
    assert replies.last.button_labels[:2] == ["✅ Rīga (2)", "✅ Talsu novads (2)"]
    replies = await olga.press("✅ Talsu novads (2)")
    assert replies.last.text.startswith("✅ Apstiprināti 2 pieprasījumi.")

    # The rest at once: one seat left, so one goes to the waiting list.
    replies = await olga.press("✅ Apstiprināt visus (2)")
    assert replies.last.text.startswith(
        "✅ Apstiprināti 2 pieprasījumi. Gaidīšanas sarakstā nonāca 1 cilvēks: vietu vairs nebija."
    )
    assert "Nav neviena gaidoša pieprasījuma." in replies.last.text
    assert await statuses(sandbox) == {
        "Anna Bērziņa": "confirmed",
        "Juris Kalns": "rejected",
        "Laila Liepa": "confirmed",
        "Dace Ozola": "confirmed",
        "Pēteris Zariņš": "confirmed",
        "Ilze Kļava": "waiting",
    }
    for name in ("Laila Liepa", "Pēteris Zariņš"):
        assert any(r.file is not None for r in people[name].replies_since(0))

    # Pressing again, or someone else pressing, changes nothing.
    assert (await olga.press_data(f"eqa:{event}")).alert == "Šī poga vairs nav derīga."
    anna = people["Anna Bērziņa"]
    assert (await anna.press_data(f"eqm:{event}:talsu-novads")).alert == (
        "Atvainojiet, Jums nav atļauts to darīt."
    )

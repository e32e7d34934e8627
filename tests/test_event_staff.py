"""Organisers: approving requests, editing, cancelling; nobody else can."""

from __future__ import annotations

from sqlalchemy import select

from bot.sandbox import Sandbox
from storage.models import Event, Registration
from tests.helpers import make_event, make_organiser, onboard


async def statuses(sandbox: Sandbox, event_id: int) -> list[str]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        rows = await session.scalars(
            select(Registration.status)
            .where(Registration.event_id == event_id)
            .order_by(Registration.seq)
        )
        return list(rows)


async def event_row(sandbox: Sandbox, event_id: int) -> Event:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        return event


async def test_requests_are_approved_or_declined_and_people_told(sandbox: Sandbox) -> None:
    olga = await make_organiser(sandbox, 800, "Olga Organizatore")
    event = await make_event(
        sandbox, 800, title="Ģimenes asistentu kurss", capacity=1, needs_approval=True
    )
    anna = await onboard(sandbox, 801, "Anna Bērziņa")
    juris = await onboard(sandbox, 802, "Juris Kalns")

    await anna.send(f"/start event_{event}")
    replies = await anna.press("📝 Register")
    assert "The organiser will approve or decline" in replies.last.text
    before = len(sandbox.api.calls)
    replies = await anna.press("Send request")
    assert "has been sent" in replies.texts[0]
    asked = olga.replies_since(before)
    assert (
        "Anna Bērziņa (Cēsu novads, Cēsu novada Sociālais dienests) asks to join"
        in (asked.texts[0])
    )

    await juris.send(f"/start event_{event}")
    await juris.press("📝 Register")
    await juris.press("Send request")
    assert await statuses(sandbox, event) == ["pending", "pending"]

    # Someone else cannot decide; forged decisions change nothing.
    replies = await juris.press_data("ap:1:1")
    assert replies.alert == "Sorry, you are not allowed to do that."
    assert await statuses(sandbox, event) == ["pending", "pending"]

    before = len(sandbox.api.calls)
    await olga.press("✅ Approve", olga.messages()[-2])
    assert anna.replies_since(before).texts[0].startswith("✅ Your request was approved")
    await olga.send(f"/start event_{event}")
    await olga.press("⚙️ Manage")
    await olga.press("Requests (1)")
    before = len(sandbox.api.calls)
    await olga.press("✅ Juris")
    told = juris.replies_since(before).texts[0]
    assert "the event is full: you are number 1 on the waiting list" in told
    assert await statuses(sandbox, event) == ["confirmed", "waiting"]
    replies = await olga.press_data("ap:1:0")
    assert replies.alert == "This button is no longer valid."


async def test_editing_capacity_promotes_and_cannot_cut_below_registered(
    sandbox: Sandbox,
) -> None:
    olga = await make_organiser(sandbox, 810, "Olga Organizatore")
    event = await make_event(sandbox, 810, title="Supervīzija", capacity=1)
    people = [await onboard(sandbox, 811 + i, f"Dalībniece {'ABC'[i]}") for i in range(3)]
    for user in people:
        await user.send(f"/start event_{event}")
        await user.press("📝 Register")
        await user.press_where(f"ev:rc:{event}")
    assert await statuses(sandbox, event) == ["confirmed", "waiting", "waiting"]

    await olga.send(f"/start event_{event}")
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("Seats")
    replies = await olga.send("nulle")
    assert "whole number" in replies.texts[0]
    before = len(sandbox.api.calls)
    replies = await olga.send("2")
    assert "Full — waiting list (1 waiting)" in replies.last.text
    assert people[1].replies_since(before).texts[0].startswith("🎉 A seat has freed up")
    assert await statuses(sandbox, event) == ["confirmed", "confirmed", "waiting"]

    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("Seats")
    replies = await olga.send("1")
    assert replies.texts[0] == "2 people are already registered; the capacity cannot be lower."
    assert (await event_row(sandbox, event)).capacity == 2

    await olga.send(f"/start event_{event}")
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("Title")
    replies = await olga.send("Supervīzija sociālajiem darbiniekiem")
    assert replies.last.text.startswith("Supervīzija sociālajiem darbiniekiem")

    # A participant cannot edit, even with forged buttons.
    for data in (f"ee:{event}", f"ef:{event}:capacity", f"ev:set:{event}:a1", f"ecc:{event}"):
        replies = await people[2].press_data(data)
        assert replies.alert in (
            "Sorry, you are not allowed to do that.",
            "This button is no longer valid.",
        ), data
    row = await event_row(sandbox, event)
    assert (row.capacity, row.needs_approval, row.status) == (2, False, "published")


async def test_cancelling_an_event_tells_everyone_registered(sandbox: Sandbox) -> None:
    olga = await make_organiser(sandbox, 820, "Olga Organizatore")
    event = await make_event(sandbox, 820, title="Seminārs Rēzeknē", capacity=1)
    people = [await onboard(sandbox, 821 + i, f"Dalībnieks {'AB'[i]}") for i in range(2)]
    for user in people:
        await user.send(f"/start event_{event}")
        await user.press("📝 Register")
        await user.press_where(f"ev:rc:{event}")
    sandbox.api.block(822)  # one of them has blocked the bot

    await olga.send(f"/start event_{event}")
    await olga.press("⚙️ Manage")
    await olga.press("❌ Cancel event")
    before = len(sandbox.api.calls)
    replies = await olga.press("Yes, cancel the event")
    assert "is cancelled; 1 person was told" in replies.last.text
    assert people[0].replies_since(before).texts[0].startswith("❌ Seminārs Rēzeknē has been")
    assert (await event_row(sandbox, event)).status == "cancelled"
    replies = await people[0].press_data(f"ev:rc:{event}")
    assert replies.alert == "This event has been cancelled."
    assert "Seminārs Rēzeknē" not in (await people[0].send("/events")).last.text


async def test_requests_for_an_event_without_organiser_go_to_the_admins(
    sandbox: Sandbox,
) -> None:
    from sqlalchemy import update

    from tests.helpers import ADMIN_ID

    await make_organiser(sandbox, 830, "Olga Organizatore")
    event = await make_event(sandbox, 830, title="Importēts kurss", needs_approval=True)
    assert sandbox.runtime is not None
    async with sandbox.runtime.db.begin() as session:  # as `kopiena events import` leaves it
        await session.execute(update(Event).where(Event.id == event).values(organiser_id=None))
    admin = sandbox.user(ADMIN_ID, "Admin", language_code="en")
    anna = await onboard(sandbox, 831, "Anna Bērziņa")
    await anna.send(f"/start event_{event}")
    await anna.press("📝 Register")
    before = len(sandbox.api.calls)
    await anna.press("Send request")
    asked = admin.replies_since(before)
    assert "Anna Bērziņa" in asked.texts[0] and "asks to join" in asked.texts[0]
    before = len(sandbox.api.calls)
    await admin.press("✅ Approve")
    assert anna.replies_since(before).texts[0].startswith("✅ Your request was approved")
    assert await statuses(sandbox, event) == ["confirmed"]

"""Organisers manage an event's trainers and sessions in the chat, and copy an event."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.outbox import dispatch_due
from bot.sandbox import Sandbox
from storage.models import Delivery, Event, EventTrainer
from storage.models import Session as EventSession
from tests.eventkit import NOT_ALLOWED, START, create_event, organiser, register, user_id
from tests.helpers import ADMIN_ID, Clock, onboard

STALE = "This button is no longer valid."


async def rows(sandbox: Sandbox, model, *where):  # type: ignore[no-untyped-def]
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        return list(await session.scalars(select(model).where(*where)))


async def test_organiser_assigns_a_trainer_who_can_then_announce(
    sandbox: Sandbox, clock: Clock
) -> None:
    clock.now = START
    olga = await organiser(sandbox)
    admin = sandbox.user(ADMIN_ID, "Admin", language_code="en")
    liesma = await onboard(sandbox, 601, "Liesma Ose")
    await onboard(sandbox, 602, "Osvalds Dalībnieks")  # no trainer role: not offered
    await admin.send("/grant 601 trainer")
    event_id, _ = await create_event(
        sandbox, 501, [(START + timedelta(days=5), START + timedelta(days=5, hours=4))]
    )
    assert "no trainings" in (await liesma.send("/remind")).last.text

    await olga.send(f"/start event_{event_id}")
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    replies = await olga.press("👩‍🏫 Trainers")
    assert "No trainers yet." in replies.last.text
    await olga.press("➕ Add a trainer")
    replies = await olga.send("zzz")
    assert "Nobody with the trainer role matches “zzz”" in replies.last.text
    replies = await olga.send("liesma ōse")  # any case, with or without diacritics
    assert replies.last.button_labels == ["Liesma Ose", "◀ Back"]
    replies = await olga.send("os")  # part of a name
    assert replies.last.button_labels == ["Liesma Ose", "◀ Back"]
    replies = await olga.press("Liesma Ose")
    assert replies.alert == "Liesma Ose now trains at this event."
    assert "• Liesma Ose" in replies.last.text
    assert len(await rows(sandbox, EventTrainer, EventTrainer.event_id == event_id)) == 1
    replies = await olga.send("hello")  # the search is over: this is not a name any more
    assert "trainer role" not in replies.last.text

    replies = await liesma.send("/remind")
    assert "Ģimenes asistentu kurss" in replies.last.button_labels[0]

    # Someone else cannot add or remove trainers, even with forged buttons.
    osvalds = sandbox.user(602, "Osvalds", language_code="en")
    liesma_id = await user_id(sandbox, 601)
    osvalds_id = await user_id(sandbox, 602)
    for data in (f"etp:{event_id}:{osvalds_id}", f"etr:{event_id}:{liesma_id}", f"et:{event_id}"):
        assert (await osvalds.press_data(data)).alert == NOT_ALLOWED
    # A participant without the trainer role cannot be added even by the organiser.
    replies = await olga.press_data(f"etp:{event_id}:{osvalds_id}")
    assert replies.alert == "Only people with the trainer role can train at an event."
    assert len(await rows(sandbox, EventTrainer, EventTrainer.event_id == event_id)) == 1

    await olga.press("✖ Remove Liesma Ose")
    assert await rows(sandbox, EventTrainer, EventTrainer.event_id == event_id) == []
    assert "no trainings" in (await liesma.send("/remind")).last.text


async def test_sessions_are_added_moved_and_deleted_and_registrants_told(
    sandbox: Sandbox, clock: Clock
) -> None:
    clock.now = START  # 7 January 2030, 10:00 in Riga
    olga = await organiser(sandbox)
    first = START + timedelta(days=10)  # 17 January, 10:00 Riga
    event_id, [session_id] = await create_event(sandbox, 501, [(first, first + timedelta(hours=4))])
    anna = await onboard(sandbox, 1001, "Anna Bērziņa")
    berta = await onboard(sandbox, 1002, "Berta Kalniņa")
    await register(anna, event_id)
    await register(berta, event_id)
    reminders = await rows(
        sandbox,
        Delivery,
        Delivery.kind == "reminder",
        Delivery.user_id == await user_id(sandbox, 1001),
    )
    assert {r.due_at for r in reminders} == {first - timedelta(days=1), first - timedelta(hours=1)}

    await olga.send(f"/start event_{event_id}")
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    replies = await olga.press("🗓 Sessions")
    assert "1. Thu, January 17, 10:00–14:00" in replies.last.text
    await olga.press("➕ Add a session")
    replies = await olga.send("18.01.2030 9-12")
    assert "DD.MM.YYYY HH:MM-HH:MM" in replies.last.text
    replies = await olga.send("17.01.2030 13:00-15:00")
    assert replies.last.text.startswith("This session overlaps another one")
    replies = await olga.send("18.01.2030 09:00–12:00")
    assert replies.texts[0] == "✅ Session added: Fri, January 18, 9:00–12:00."
    assert "2. Fri, January 18, 9:00–12:00" in replies.last.text

    # Move the first session a day later: reminders follow, Anna is told.
    await olga.press("✏️ 1.")
    replies = await olga.send("16.01.2030 10:00-14:00")
    assert (
        replies.texts[0]
        == "✅ The session is moved to Wed, January 16, 10:00–14:00; 2 people will be told."
    )
    moved = first - timedelta(days=1)
    pending = await rows(
        sandbox,
        Delivery,
        Delivery.kind == "reminder",
        Delivery.status == "pending",
        Delivery.ref_id == session_id,
    )
    assert {r.due_at for r in pending} == {moved - timedelta(days=1), moved - timedelta(hours=1)}
    assert sandbox.application is not None
    await dispatch_due(sandbox.application)
    assert len([t for t in berta.replies_since(0).texts if "has moved" in t]) == 1
    told = [t for t in anna.replies_since(0).texts if "has moved" in t]
    assert told == [
        "🗓 A session of Ģimenes asistentu kurss has moved.\n"
        "Was: Thu, January 17, 10:00–14:00\nNow: Wed, January 16, 10:00–14:00"
    ]

    # Delete the second session: its reminders are cancelled.
    second = (await rows(sandbox, EventSession, EventSession.event_id == event_id))[-1]
    await olga.send(f"/start event_{event_id}")
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("🗓 Sessions")
    replies = await olga.press("🗑 Delete 2.")
    assert "Delete session 2 (Fri, January 18, 9:00–12:00)?" in replies.last.text
    await olga.press("🗑 Yes, delete it")
    assert len(await rows(sandbox, EventSession, EventSession.event_id == event_id)) == 1
    left = await rows(sandbox, Delivery, Delivery.ref_id == second.id, Delivery.status == "pending")
    assert left == []
    # The last session cannot go; forged presses by others change nothing.
    assert (await olga.press_data(f"esdc:{session_id}")).alert == (
        "An event needs at least one session."
    )
    assert (await anna.press_data(f"esdc:{session_id}")).alert == NOT_ALLOWED
    assert (await anna.press_data(f"esm:{session_id}")).alert == NOT_ALLOWED
    assert (await olga.press_data("esdc:999999")).alert == STALE


async def test_copy_as_a_new_draft_with_new_dates(sandbox: Sandbox, clock: Clock) -> None:
    clock.now = START
    olga = await organiser(sandbox)
    first = START + timedelta(days=10)
    event_id, _ = await create_event(
        sandbox,
        501,
        [
            (first, first + timedelta(hours=4)),
            (first + timedelta(days=2), first + timedelta(days=2, hours=3)),
        ],
        title="Supervīzija",
    )
    anna = await onboard(sandbox, 1001, "Anna Bērziņa")
    await register(anna, event_id)

    await olga.send(f"/start event_{event_id}")
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("📄 Copy as a new draft")
    replies = await olga.send("01.01.2020")
    assert replies.last.text == "That time is in the past. Please send a future date."
    # The same message handled twice (a repeated update) makes one copy.
    update = {"update_id": sandbox.next_update_id(), "message": olga._message(text="15.04.2030")}
    before = len(sandbox.api.calls)
    await sandbox.process(update)
    await sandbox.process(update)
    replies = olga.replies_since(before)
    assert replies.texts[0] == "📄 The copy is saved as a draft. Check it and publish it."
    assert len(await rows(sandbox, Event)) == 2
    card = replies.texts[1]  # 15 April is after the switch to summer time
    assert "📝 Draft" in card and "Supervīzija" in card
    assert "Mon, April 15, 10:00–14:00" in card and "Wed, April 17, 10:00–13:00" in card
    [copy] = await rows(sandbox, Event, Event.id != event_id)
    assert copy.status == "draft"
    # Nobody is registered for the copy; participants do not see it.
    assert (await anna.send(f"/start event_{copy.id}")).last.text == "This event does not exist."


async def test_odd_input_gets_a_clear_answer_and_changes_nothing(
    sandbox: Sandbox, clock: Clock
) -> None:
    clock.now = START
    olga = await organiser(sandbox)
    first = START + timedelta(days=10)
    event_id, _ = await create_event(sandbox, 501, [(first, first + timedelta(hours=4))])
    await olga.send(f"/start event_{event_id}")
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("🗓 Sessions")
    await olga.press("➕ Add a session")
    for text, answer in (
        ("31.02.2030 10:00-12:00", "There is no such date. Please check the day and month."),
        ("18.01.2030 12:00-10:00", "The session must end after it starts."),
        ("18.01.2030 25:00-26:00", "There is no such time. Please use 00:00 to 23:59."),
        ("01.01.2030 10:00-12:00", "That time is in the past. Please send a future date."),
        ("x" * 5000, "Please send the date and times as DD.MM.YYYY HH:MM-HH:MM"),
    ):
        replies = await olga.send(text)
        assert replies.texts[0].startswith(answer), text
    replies = await olga.send_sticker()
    assert replies.texts == ["Please answer with text or the buttons."]
    assert len(await rows(sandbox, EventSession, EventSession.event_id == event_id)) == 1

    await olga.press_data(f"eta:{event_id}", olga.last_message())
    replies = await olga.send("y" * 5000)
    assert replies.texts == ["Please type a part of the trainer's name."]
    await olga.press_data(f"ecp:{event_id}", olga.last_message())
    replies = await olga.send("sometime next year")
    assert replies.texts[0].startswith("Please send a date as DD.MM.YYYY")
    assert len(await rows(sandbox, Event)) == 1
    # Buttons for another event's trainer or a missing session are refused.
    assert (await olga.press_data("esm:999999")).alert == STALE
    assert (await olga.press_data("etp:999999:1")).alert == "This event does not exist."

"""Finding trainings, registering, the waiting list, approval and cancelling."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.sandbox import Replies, Sandbox
from storage.models import Registration
from tests.helpers import Clock, make_event, make_organiser, members, onboard, stored_user


async def registrations(sandbox: Sandbox, event_id: int) -> list[Registration]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        return list(
            await session.scalars(
                select(Registration)
                .where(Registration.event_id == event_id)
                .order_by(Registration.seq)
            )
        )


async def test_catalogue_card_register_and_calendar(sandbox: Sandbox) -> None:
    await make_organiser(sandbox, 500, "Olga Organizatore")
    summer = await make_event(sandbox, 500, title="Vasaras skola", capacity=2, days=3)
    await make_event(sandbox, 500, title="Melnraksts", publish=False)
    anna = await onboard(sandbox, 501, "Anna Bērziņa")

    replies = await anna.send("/events")
    assert "Vasaras skola" in replies.last.text
    assert "Melnraksts" not in replies.last.text  # drafts are not listed
    replies = await anna.press("Vasaras skola")
    card = replies.last.text
    assert "📍 Strazde" in card and "Seats left: 2 of 2" in card
    assert "3 sessions, 21 h in all" in card
    assert "Link to this event" not in card  # only staff see the link

    replies = await anna.press("📝 Register")
    assert replies.last.text.startswith("Register for Vasaras skola")
    replies = await anna.press("✅ Yes, register")
    assert replies.texts[0].startswith("✅ You are registered for Vasaras skola")
    calendar = next(r.file for r in replies if r.file is not None)
    assert calendar.filename == f"kopiena-event-{summer}.ics"
    ics = calendar.content.decode()
    assert ics.count("BEGIN:VEVENT") == 3 and "TZID=Europe/Riga" in ics

    # Pressing the same confirmation again does not register twice.
    replies = await anna.press_data(f"ev:rc:{summer}")
    assert replies.texts[0] == "You are already registered for Vasaras skola."
    assert len(await registrations(sandbox, summer)) == 1

    replies = await anna.send("/my")
    assert "Vasaras skola" in replies.last.text
    assert "You have a seat at this training." in replies.last.text
    assert "0 min of 21 h" in replies.last.text


async def test_replies_and_edited_cards_keep_html_and_no_link_previews(sandbox: Sandbox) -> None:
    """Replies go out without reading Telegram's answer back; the bot's defaults (HTML,
    no link previews) still apply to new messages and to edited cards."""
    await make_organiser(sandbox, 505, "Olga Organizatore")
    await make_event(sandbox, 505, title="Vasaras skola", capacity=2, days=1)
    anna = await onboard(sandbox, 506, "Anna Bērziņa")

    replies = await anna.send("/events")
    assert "<b>" not in replies.last.text  # shown as bold, not as tags
    answered = len(sandbox.api.calls_to("answerCallbackQuery"))
    await anna.press("Vasaras skola")
    await anna.press("📝 Register")
    for method in ("sendMessage", "editMessageText"):
        call = sandbox.api.calls_to(method)[-1]
        assert call.chat_id == 506 and call.answered == "ok"
        assert call.params["parse_mode"] == "HTML"
        assert call.params["link_preview_options"] == {"is_disabled": True}
    assert len(sandbox.api.calls_to("answerCallbackQuery")) == answered + 2  # both presses


async def test_full_event_offers_the_waiting_list_and_promotes_in_order(sandbox: Sandbox) -> None:
    await make_organiser(sandbox, 510, "Olga Organizatore")
    event = await make_event(sandbox, 510, title="Seminārs", capacity=1, days=1)
    first = await onboard(sandbox, 511, "Pirmā Dalībniece")
    second = await onboard(sandbox, 512, "Otrā Dalībniece")
    third = await onboard(sandbox, 513, "Trešā Dalībniece")

    await first.send(f"/start event_{event}")
    await first.press("📝 Register")
    await first.press("✅ Yes, register")

    seats = {1: "No seats left; the waiting list is empty", 2: "Full — waiting list (1 waiting)"}
    for user, position in ((second, 1), (third, 2)):
        await user.send(f"/start event_{event}")
        assert seats[position] in user.last_message()["text"]
        replies = await user.press("📝 Register")
        assert "is full. Join the waiting list?" in replies.last.text
        replies = await user.press("Join the waiting list")
        assert f"You are number {position} on the waiting list" in replies.texts[0]

    replies = await second.send("/my")
    assert "You are number 1 on the waiting list." in replies.last.text

    # The first cancels: the first waiting person gets the seat and is told.
    await first.send("/my")
    await first.press("✖ Cancel")
    before = len(sandbox.api.calls)
    replies = await first.press("✖ Yes, cancel")
    assert "is cancelled" in replies.texts[0]
    told = second.replies_since(before)
    assert told.texts[0].startswith("🎉 A seat has freed up")
    assert any(r.file is not None for r in told)
    assert third.replies_since(before).texts == []
    statuses = [(r.user_id, r.status) for r in await registrations(sandbox, event)]
    assert [s for _, s in statuses] == ["cancelled", "confirmed", "waiting"]
    assert "You are number 1 on the waiting list." in (await third.send("/my")).last.text


async def test_two_hundred_presses_at_once_fill_exactly_the_seats(sandbox: Sandbox) -> None:
    await make_organiser(sandbox, 520, "Olga Organizatore")
    event = await make_event(sandbox, 520, title="Populārs kurss", capacity=20, days=1)
    people = await members(sandbox, 10_000, 200)
    for user in people:  # everyone opens the card from the link
        await user.send(f"/start event_{event}")

    answers = await asyncio.gather(*(user.press_data(f"ev:rc:{event}") for user in people))

    rows = await registrations(sandbox, event)
    assert len(rows) == 200 and len({r.user_id for r in rows}) == 200
    confirmed = [r for r in rows if r.status == "confirmed"]
    waiting = [r for r in rows if r.status == "waiting"]
    assert len(confirmed) == 20 and len(waiting) == 180
    assert sum(a.texts[0].startswith("✅ You are registered") for a in answers) == 20
    positions = sorted(
        int(a.texts[0].split("You are number ")[1].split(" ")[0])
        for a in answers
        if "waiting list" in a.texts[0]
    )
    assert positions == list(range(1, 181))
    assert sandbox.errors == []

    # Five confirmed people cancel at once: exactly the first five waiting get their seats.
    by_user_id = {(await stored_user(sandbox, u.id)).id: u for u in people}  # type: ignore[union-attr]
    before = len(sandbox.api.calls)
    await asyncio.gather(
        *(by_user_id[r.user_id].press_data(f"my:cc:{r.id}") for r in confirmed[:5])
    )
    rows = await registrations(sandbox, event)
    now_confirmed = {r.user_id for r in rows if r.status == "confirmed"}
    assert len(now_confirmed) == 20
    assert now_confirmed - {r.user_id for r in confirmed} == {r.user_id for r in waiting[:5]}
    for registration in waiting[:5]:
        told = by_user_id[registration.user_id].replies_since(before)
        assert told.texts[0].startswith("🎉 A seat has freed up")
    assert by_user_id[waiting[5].user_id].replies_since(before).texts == []


async def test_closed_events_and_forged_presses_change_nothing(
    sandbox: Sandbox, clock: Clock
) -> None:
    await make_organiser(sandbox, 530, "Olga Organizatore")
    draft = await make_event(sandbox, 530, title="Melnraksts", publish=False)
    soon = await make_event(
        sandbox,
        530,
        title="Drīz",
        days=1,
        registration_deadline=clock() + timedelta(days=2),
    )
    anna = await onboard(sandbox, 531, "Anna Bērziņa")
    juris = await onboard(sandbox, 532, "Juris Kalns")

    replies = await anna.press_data(f"ev:rc:{draft}")
    assert replies.alert == "This event does not exist."
    replies = await anna.press_data(f"ev:{draft}")
    assert replies.alert == "This event does not exist."  # drafts are invisible
    replies = await anna.press_data("ev:rc:99999")
    assert replies.alert == "This event does not exist."

    await juris.send(f"/start event_{soon}")
    await juris.press("📝 Register")
    await juris.press("✅ Yes, register")
    juris_registration = (await registrations(sandbox, soon))[0]

    # Someone else's registration cannot be cancelled with a forged button.
    replies = await anna.press_data(f"my:cc:{juris_registration.id}")
    assert replies.alert == "Sorry, you are not allowed to do that."
    replies = await anna.press_data(f"my:c:{juris_registration.id}")
    assert replies.alert == "This button is no longer valid."
    assert [r.status for r in await registrations(sandbox, soon)] == ["confirmed"]

    clock.advance(days=3)  # past the deadline
    await anna.send(f"/start event_{soon}")
    replies = await anna.press_data(f"ev:rc:{soon}")
    assert replies.alert is not None and replies.alert.startswith("Registration closed on")
    clock.advance(days=60)  # the event is over
    replies = await anna.press_data(f"ev:rc:{soon}")
    assert replies.alert == "This event has already taken place."
    assert len(await registrations(sandbox, soon)) == 1
    assert len(await registrations(sandbox, draft)) == 0


async def test_municipality_limit_holds_in_the_same_decision(sandbox: Sandbox) -> None:
    await make_organiser(sandbox, 540, "Olga Organizatore")
    event = await make_event(sandbox, 540, capacity=10, municipality_limit=1, days=1)
    people = await members(sandbox, 40_000, 8)  # municipalities cycle over 4
    for user in people:
        await user.send(f"/start event_{event}")
    answers = await asyncio.gather(*(u.press_data(f"ev:rc:{event}") for u in people))
    rows = await registrations(sandbox, event)
    confirmed = [r for r in rows if r.status == "confirmed"]
    assert len(confirmed) == 4
    assert len({r.municipality for r in confirmed}) == 4
    assert sum("waiting list" in a.texts[0] for a in answers) == 4
    card = (await people[0].send(f"/start event_{event}")).last.text
    assert "At most 1 per municipality" in card


async def test_a_press_and_its_replies_go_to_telegram_together(sandbox: Sandbox) -> None:
    """Telegram takes tens of milliseconds per call: the answer to a press (which stops
    the phone's spinner), the edited card and a confirmed seat's calendar file must not
    wait for one another, or a busy minute queues behind three round trips per press."""
    await make_organiser(sandbox, 500, "Olga Organizatore")
    event_id = await make_event(sandbox, 500, title="Vasaras skola", capacity=5)
    anna = await onboard(sandbox, 601, "Anna Bērziņa")
    await anna.send(f"/start event_{event_id}")
    latency = 0.4

    async def press(label: str) -> tuple[Replies, list[float]]:
        before = len(sandbox.api.calls)
        sandbox.api.latency = latency
        try:
            replies = await anna.press(label)
        finally:
            sandbox.api.latency = 0
        return replies, [call.at for call in sandbox.api.calls[before:]]

    replies, started = await press("📝 Register")
    assert [r.method for r in replies] == ["editMessageText", "answerCallbackQuery"]
    assert replies.last.text.startswith("Register for Vasaras skola")
    assert max(started) - min(started) < latency / 2  # the answer did not wait for the edit

    replies, started = await press("✅ Yes, register")
    assert sorted(r.method for r in replies) == [
        "answerCallbackQuery",
        "editMessageText",
        "sendDocument",
    ]
    assert replies.texts[0].startswith("✅ You are registered for Vasaras skola")
    assert replies.file is not None and replies.file.filename.endswith(".ics")
    assert max(started) - min(started) < latency / 2

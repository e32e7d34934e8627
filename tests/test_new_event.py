"""/new_event: an organiser creates a training step by step; bad answers are re-asked."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.sandbox import Sandbox
from storage.models import Event
from storage.models import Session as EventSession
from tests.helpers import Clock, make_organiser, onboard


async def stored_events(sandbox: Sandbox) -> list[Event]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        return list(await session.scalars(select(Event)))


async def test_wizard_creates_and_publishes_a_training(sandbox: Sandbox, clock: Clock) -> None:
    olga = await make_organiser(sandbox, 700, "Olga Organizatore")
    day = (clock() + timedelta(days=40)).astimezone(sandbox.settings.tz).strftime("%d.%m.%Y")
    next_day = (clock() + timedelta(days=41)).astimezone(sandbox.settings.tz).strftime("%d.%m.%Y")
    past_day = (clock() - timedelta(days=2)).astimezone(sandbox.settings.tz).strftime("%d.%m.%Y")

    replies = await olga.send("/new_event")
    assert "what is its title" in replies.last.text
    replies = await olga.send("T" * 300)
    assert replies.texts[0] == "That is too long: at most 150 characters, you sent 300."
    await olga.send("Vasaras skola: sociālais darbs ģimenēm ar bērniem")
    await olga.send("Starpnovērtēšana metodikai darbam ar ģimenēm.")
    await olga.send("Strazde, Talsu novads")
    await olga.press("Skip")  # no online link
    for bad, reason in (("0", "at least 1"), ("-5", "at least 1"), ("daudz", "whole number")):
        replies = await olga.send(bad)
        assert reason in replies.texts[0]
    await olga.send("30")
    await olga.press("No, first come first served")
    replies = await olga.send("40")
    assert "cannot be larger than the capacity" in replies.texts[0]
    await olga.send("3")
    await olga.press("Until the first session")

    replies = await olga.send(past_day)
    assert "in the past" in replies.texts[0]
    replies = await olga.send("31.02.2027")
    assert "no such date" in replies.texts[0]
    await olga.send(day)
    await olga.send("10:00")
    replies = await olga.send("09:00")
    assert replies.texts[0] == "The session must end after it starts."
    await olga.send("17:00")
    await olga.press("Another session")
    await olga.send(day)
    await olga.send("16:00")
    replies = await olga.send("18:00")
    assert replies.texts[0].startswith("This session overlaps another one")
    replies = await olga.press("Another date")
    assert "Session 2: on which date" in replies.last.text
    await olga.send(next_day)
    await olga.send("09:30")

    # The organiser is interrupted: the bot restarts, she comes back with /new_event.
    await sandbox.stop_application()
    await sandbox.start_application()
    replies = await olga.send("/new_event")
    assert replies.texts[0] == "You have an unfinished training; let's continue."
    assert "Session 2: end time" in replies.last.text
    await olga.send("16:00")
    replies = await olga.press("▶ Continue")
    assert "at least 80 % of the hours" in replies.last.text  # the default certificate rule
    await olga.press("Keep 80 %")
    replies = await olga.press("No programme")
    preview = replies.last.text
    assert "Vasaras skola: sociālais darbs ģimenēm ar bērniem" in preview
    assert "Seats: 30" in preview and "Per municipality: 3" in preview
    assert "Registration until: the first session" in preview
    assert "1. " in preview and "2. " in preview
    assert await stored_events(sandbox) == []  # nothing is created before publishing

    replies = await olga.press("Publish")
    assert replies.texts[0].startswith("✅ Published. Share this link: https://t.me/")
    [event] = await stored_events(sandbox)
    assert (event.status, event.capacity, event.municipality_limit, event.place) == (
        "published",
        30,
        3,
        "Strazde, Talsu novads",
    )
    assert replies.texts[0].endswith(f"?start=event_{event.id}")
    replies = await olga.press_data("nw:publish")  # a second press creates nothing
    assert replies.alert == "This button is no longer valid."
    assert len(await stored_events(sandbox)) == 1
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        sessions = list(await session.scalars(select(EventSession).order_by(EventSession.id)))
    hours = [(s.ends_at - s.starts_at).total_seconds() / 3600 for s in sessions]
    assert hours == [7.0, 6.5]

    anna = await onboard(sandbox, 701, "Anna Bērziņa")
    replies = await anna.send("/events")
    assert "Vasaras skola" in replies.last.text


async def test_commands_during_the_wizard_keep_it_without_taking_later_text(
    sandbox: Sandbox,
) -> None:
    olga = await make_organiser(sandbox, 702, "Olga Organizatore")
    await olga.send("/new_event")
    await olga.send("Semināra nosaukums")
    await olga.send("/help")
    replies = await olga.send("Apraksts")
    assert replies.texts == [
        "You have an unfinished training Semināra nosaukums. I did not take your message "
        "as one of its answers. Continue it?"
    ]
    replies = await olga.press("▶ Continue the training")
    assert "A short description" in replies.last.text
    replies = await olga.send("Apraksts")
    assert "Where does it take place" in replies.last.text
    await olga.press("✖ Cancel")
    replies = await olga.send("Strazde")
    assert "Where does it take place" not in replies.last.text
    assert await stored_events(sandbox) == []


async def test_only_organisers_may_start_the_wizard(sandbox: Sandbox) -> None:
    anna = await onboard(sandbox, 710, "Anna Bērziņa")
    replies = await anna.send("/new_event")
    assert replies.texts == ["Sorry, you are not allowed to do that."]
    replies = await anna.press_data("nw:publish")
    assert replies.alert == "This button is no longer valid."
    assert await stored_events(sandbox) == []

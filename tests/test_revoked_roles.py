"""A trainer or organiser whose role is revoked loses access at once: staff screens,
buttons still on their phone, exports, /results and announcements."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.outbox import dispatch_due
from bot.sandbox import Sandbox, SandboxUser
from tests.eventkit import NOT_ALLOWED, START, create_event, register, seed_people
from tests.helpers import ADMIN_ID, Clock, onboard
from tests.survey_kit import attach, tick

SESSION = (START + timedelta(days=1), START + timedelta(days=1, hours=4))


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


async def staff_buttons(person: SandboxUser, event_id: int, session_id: int, survey: int) -> dict:
    """What each old button shows this person now: an alert, or the text/file sent."""
    found = {}
    for data in (
        f"ea:{event_id}",
        f"el:{event_id}:0",
        f"es:{event_id}",
        f"ex:{event_id}:csv",
        f"ex:{event_id}:xlsx",
        f"as:{event_id}",
        f"ci:{session_id}",
        f"am:{session_id}:0",
        f"rs:{event_id}",
        f"rv:{survey}:0",
        f"rx:{survey}:0:csv",
        f"rc:{survey}:0",
    ):
        replies = await person.press_data(data)
        found[data] = replies.alert or (replies.last.text if replies.messages else "")
    return found


async def test_a_revoked_trainer_and_organiser_lose_access_at_once(
    sandbox: Sandbox, clock: Clock
) -> None:
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    olga = await onboard(sandbox, 501, "Olga Organizatore")
    toms = await onboard(sandbox, 502, "Toms Treneris")
    await admin.send("/grant 501 organiser")
    await admin.send("/grant 502 trainer")
    event_id, (session_id,) = await create_event(sandbox, 501, [SESSION], trainers=[502])
    await seed_people(
        sandbox,
        event_id,
        [("Anna Ābele", "cesu-novads", "Sociālais dienests", "confirmed")],
        first_telegram_id=700_000,
    )
    await attach(olga, event_id, anonymous=False)
    clock.set(SESSION[1] + timedelta(minutes=15))
    await tick(sandbox)
    survey_id = 1

    # While they hold their roles, both see the registrant list and the exports.
    for person in (toms, olga):
        seen = await staff_buttons(person, event_id, session_id, survey_id)
        assert "Anna Ābele" in seen[f"el:{event_id}:0"]
        assert NOT_ALLOWED not in seen.values()
        assert "choose a training" in (await person.send("/results")).last.text

    await admin.send("/revoke 502 trainer")
    await admin.send("/revoke 501 organiser")
    for person in (toms, olga):
        before = len(sandbox.api.calls)
        seen = await staff_buttons(person, event_id, session_id, survey_id)
        assert set(seen.values()) == {NOT_ALLOWED}, seen
        assert (await person.send("/results")).texts == [NOT_ALLOWED]
        assert (await person.send("/remind")).texts == [NOT_ALLOWED]
        sent = person.replies_since(before)
        assert not [r for r in sent if r.file is not None]  # no export reached them
        assert not any("Anna" in text for text in sent.texts)


async def test_a_revoked_trainers_scheduled_announcement_does_not_go_out(
    sandbox: Sandbox, clock: Clock
) -> None:
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    await onboard(sandbox, 501, "Olga Organizatore")
    await admin.send("/grant 501 organiser")
    toms = await onboard(sandbox, 502, "Toms Treneris")
    await admin.send("/grant 502 trainer")
    event_id, _ = await create_event(
        sandbox, 501, [SESSION], title="Krīzes intervence", trainers=[502]
    )
    anna = await onboard(sandbox, 601, "Anna Ābele")
    await register(anna, event_id)
    await toms.send("/remind")
    await toms.press("Krīzes intervence")
    await toms.send("Tomorrow we start at 9.")
    await toms.press("✅ Registered (1)")
    await toms.press("In one hour")
    await toms.press("✅ Schedule")

    await admin.send("/revoke 502 trainer")
    clock.advance(hours=1)
    assert sandbox.application is not None
    await dispatch_due(sandbox.application)
    assert not [t for t in anna.replies_since(0).texts if "start at 9" in t]

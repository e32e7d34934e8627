"""The certificate rule and the programme, set where an organiser creates and edits a
training: the /new_event wizard (a 75 % rule and a programme, which the funder's report
then includes) and the edit screen; bad shares and names are refused and change nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.sandbox import Sandbox, SandboxUser
from storage.models import Event
from tests.certkit import CODE, FIRST, course, documents, mark, set_language, tick
from tests.eventkit import NOT_ALLOWED, create_event, daily_sessions, db, organiser
from tests.helpers import Clock, onboard
from tests.test_funder_report import sheets

PROGRAMME = "ESF+ Atbalsts ģimenēm ar bērniem"
REFUSED = "Sorry, I could not accept that share. Send a whole number of per cent from 50 to 100"


async def rule_of(sandbox: Sandbox, event_id: int) -> tuple[int, bool, str | None]:
    async with db(sandbox)() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        return event.completion_percent, event.completion_needs_survey, event.programme


async def wizard_until_the_certificate_step(olga: SandboxUser, clock: Clock, tz) -> None:  # type: ignore[no-untyped-def]
    day = (clock() + timedelta(days=30)).astimezone(tz).strftime("%d.%m.%Y")
    await olga.send("/new_event")
    await olga.send("Darbs ar ģimenēm krīzē")
    await olga.press("Skip")  # description
    await olga.send("Cēsis, Raunas iela 4")
    await olga.press("Skip")  # online link
    await olga.send("20")
    await olga.press("No, first come first served")
    await olga.press("No limit")
    await olga.press("Until the first session")
    await olga.send(day)
    await olga.send("09:00")
    await olga.send("13:00")


async def test_wizard_sets_the_rule_and_programme_and_the_funder_report_includes_it(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga = await organiser(sandbox)
    await wizard_until_the_certificate_step(olga, clock, sandbox.settings.tz)
    replies = await olga.press("▶ Continue")
    question = replies.last
    assert "🎓 Certificate. A certificate goes to everyone who attended at least 80 %" in (
        question.text
    )
    assert "Keep 80 %" in question.button_labels[0]

    # Bad shares are refused clearly; the step waits for a good one.
    for bad in ("0", "0 %", "150", "150 %", "viens", "75,5", "-75", "٧٥"):
        replies = await olga.send(bad)
        assert replies.texts[0].startswith(REFUSED), bad
    replies = await olga.press_data("nw:certificate:p150")  # a forged button
    assert (replies.alert or "").startswith(REFUSED)
    # The survey can be required too; the question says so.
    replies = await olga.press("☐ Survey required")
    assert "at least 80 % of the hours and answered the feedback survey" in replies.last.text
    assert "✅ Survey required" in replies.last.button_labels
    replies = await olga.send("75 %")
    assert "Does the training belong to a programme of a funder?" in replies.last.text
    replies = await olga.send("P" * 151)
    assert replies.texts[0] == "A programme name is 1 to 150 characters long."
    replies = await olga.send(f"  {PROGRAMME} ")
    preview = replies.last.text
    assert "A certificate goes to everyone who attended at least 75 % of the hours and " in preview
    assert f"Programme (for the funder's report): {PROGRAMME}" in preview
    async with db(sandbox)() as session:
        assert list(await session.scalars(select(Event))) == []

    await olga.press("Publish")
    async with db(sandbox)() as session:
        [event] = await session.scalars(select(Event))
    assert (event.title, event.status) == ("Darbs ar ģimenēm krīzē", "published")
    assert await rule_of(sandbox, event.id) == (75, True, PROGRAMME)

    # A second training joins the programme from its edit screen.
    start = clock() + timedelta(days=40)
    other_id, _ = await create_event(
        sandbox, 501, [(start, start + timedelta(hours=3))], title="Supervīzija"
    )
    await olga.send(f"/start event_{other_id}")
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("Programme")
    replies = await olga.send(PROGRAMME)
    assert f"Programme (for the funder's report): {PROGRAMME}" in replies.texts[0]
    assert await rule_of(sandbox, other_id) == (80, False, PROGRAMME)

    replies = await olga.send("/funder")
    assert PROGRAMME in replies.last.button_labels
    replies = await olga.press(PROGRAMME)
    assert "2 events" in replies.last.text
    events = sheets(replies.last.file.content)["Events"]  # type: ignore[union-attr]
    header = events[0]
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in events[1:]}
    assert set(rows) == {"Darbs ar ģimenēm krīzē", "Supervīzija"}
    assert rows["Darbs ar ģimenēm krīzē"]["Rule: share of hours (%)"] == 75
    assert rows["Supervīzija"]["Rule: share of hours (%)"] == 80
    assert {row["Programme"] for row in rows.values()} == {PROGRAMME}
    assert sandbox.errors == []


async def test_a_wizard_that_keeps_the_defaults_creates_the_usual_rule(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga = await organiser(sandbox)
    await wizard_until_the_certificate_step(olga, clock, sandbox.settings.tz)
    await olga.press("▶ Continue")
    await olga.press("Keep 80 %")
    replies = await olga.press("No programme")
    assert "at least 80 % of the hours." in replies.last.text
    assert "Programme (for the funder's report): —" in replies.last.text
    await olga.press("Save as draft")
    async with db(sandbox)() as session:
        [event] = await session.scalars(select(Event))
    assert event.status == "draft"
    assert await rule_of(sandbox, event.id) == (80, False, None)
    assert sandbox.errors == []


async def test_the_edit_screen_changes_the_rule_and_refuses_bad_input(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga = await organiser(sandbox)
    start = clock() + timedelta(days=20)
    event_id, _ = await create_event(sandbox, 501, [(start, start + timedelta(hours=4))])
    await olga.send(f"/start event_{event_id}")
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    replies = await olga.press("Certificate rule")
    assert "at least 80 % of the hours" in replies.last.text
    assert "✓ 80 %" in replies.last.button_labels

    for bad in ("0", "150 %", "astoņdesmit", "101", "49"):
        replies = await olga.send(bad)
        assert replies.texts[0].startswith(REFUSED), bad
    assert await rule_of(sandbox, event_id) == (80, False, None)
    replies = await olga.send("85")
    assert replies.texts[0].startswith(
        "A certificate goes to everyone who attended at least 85 % of the hours."
    )
    assert await rule_of(sandbox, event_id) == (85, False, None)

    # The buttons: a usual share, then the survey (this training has none yet: said so).
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("Certificate rule")
    await olga.press("75 %")
    assert await rule_of(sandbox, event_id) == (75, False, None)
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("Certificate rule")
    replies = await olga.press("☐ Survey required")
    assert "This event has no feedback survey, so the survey is not required." in replies.texts[0]
    assert await rule_of(sandbox, event_id) == (75, True, None)

    # The programme: too long is refused; then set, then cleared.
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("Programme")
    replies = await olga.send("P" * 200)
    assert replies.texts[0] == "A programme name is 1 to 150 characters long."
    await olga.send(PROGRAMME)
    assert await rule_of(sandbox, event_id) == (75, True, PROGRAMME)
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("Programme")
    await olga.press("Clear")
    assert await rule_of(sandbox, event_id) == (75, True, None)

    # Someone else's buttons, forged: refused, nothing changes.
    anna = await onboard(sandbox, 720, "Anna Bērziņa")
    for data in (
        f"ef:{event_id}:completion_percent",
        f"ev:set:{event_id}:p50",
        f"ev:set:{event_id}:s0",
    ):
        assert (await anna.press_data(data)).alert == NOT_ALLOWED, data
    replies = await olga.press_data(f"ev:set:{event_id}:p999")
    assert (replies.alert or "").startswith(REFUSED)
    assert await rule_of(sandbox, event_id) == (75, True, None)
    assert sandbox.errors == []


async def test_hours_in_the_chat_are_hours_and_minutes_never_decimals(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga = await organiser(sandbox)
    two_sessions = daily_sessions(2, FIRST, hours=2 + 20 / 60)  # 2 h 20 min each
    event_id, sessions, (anna, peteris) = await course(
        sandbox,
        [("Anna Ābele", "cesu-novads"), ("Pēteris Kalniņš", "riga")],
        sessions=two_sessions,
    )
    await set_language(sandbox, anna, "lv")
    await mark(olga, sessions, anna, True)
    await mark(olga, sessions[:1], peteris, True)
    clock.set(two_sessions[-1][1] + timedelta(minutes=1))
    await tick(sandbox)

    [(caption, _)] = documents(sandbox, 700_000)
    code = CODE.search(caption).group(1)  # type: ignore[union-attr]
    assert "(4 st. 40 min no 4 st. 40 min)" in caption
    stranger = sandbox.user(880_010, "Vera", language_code="en")
    answer = (await stranger.send(f"/verify {code}")).last.text
    assert "Attended: 4 h 40 min of 4 h 40 min" in answer
    people = (await olga.press_data(f"ctl:{event_id}:0")).last.text
    assert f"Anna Ābele — 4 h 40 min of 4 h 40 min — 🎓 {code}" in people
    assert "Pēteris Kalniņš — 2 h 20 min of 4 h 40 min — — no certificate" in people
    record = (await sandbox.user(700_000, "Anna").send("/hours")).last.text
    assert "2030. gads: 4 st. 40 min" in record
    assert f"Ģimenes asistentu kurss — 4 st. 40 min — 🎓 {code}" in record
    for text in (caption, answer, people, record):
        assert "4,7" not in text and "4.7" not in text and "2,3" not in text
    assert sandbox.errors == []

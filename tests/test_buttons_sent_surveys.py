"""Every button the survey features send parses back: a staff member builds a template
with one question of every kind, attaches it (and removes a second survey), people
answer each kind (back, next, skip, change), and the staff look at the results, the
sessions, the written answers, the chart and both exports. Every callback data the bot
sent on the way is collected from the fake Bot API and must parse back (`parse_any`) to a
button that packs to the same data; every survey button class must have been sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.buttons import REGISTRY, parse_any
from bot.sandbox import Sandbox, SandboxUser
from bot.screens import survey_results, survey_staff, surveys
from bot.survey_kinds import KINDS
from tests.helpers import EN, Clock
from tests.survey_kit import FIRST, course, tick

END = FIRST + timedelta(hours=4)
# Buttons of other features that the survey screens link to, not declared as typed
# buttons in these modules: the event's admin card and the page number between arrows.
OTHER_FEATURES = {"ea", "noop"}


@pytest.fixture
def clock() -> Clock:
    return Clock(FIRST - timedelta(days=1))


def sent_data(sandbox: Sandbox, since: int, card: range) -> list[str]:
    found = []
    for index, call in enumerate(sandbox.api.calls[since:], since):
        if index in card:
            continue
        for source in (call.params, call.result if isinstance(call.result, dict) else {}):
            markup: Any = source.get("reply_markup") or {}
            if isinstance(markup, dict):
                for row in markup.get("inline_keyboard", []):
                    found += [b["callback_data"] for b in row if "callback_data" in b]
    return found


async def build_template_with_every_kind(olga: SandboxUser) -> None:
    await olga.send("/templates")
    await olga.press("➕ New template")
    await olga.send("Visi jautājumi")
    for kind in KINDS.values():
        await olga.press(EN._(kind.add_label))
        await olga.send(f"Question of kind {kind.name}")
        if kind.has_options:
            await olga.send("One\nTwo\nThree")
        await olga.press("Optional" if kind.typed else "Required")


async def answer_every_kind(person: SandboxUser, n: int) -> None:
    replies = await person.press("📝 Answer")
    for _kind in KINDS.values():
        shown = replies.last
        labels = [b["text"] for row in shown.buttons for b in row]
        answers = [label for label in labels if label not in ("◀ Back", "⏭ Skip", "➡ Next")]
        if "⏭ Skip" in labels and n == 0:
            replies = await person.press("⏭ Skip")
        elif answers:
            replies = await person.press(answers[n % len(answers)])
        else:
            replies = await person.send(f"Written answer {n}")
    assert "Thank you" in replies.last.text
    replies = await person.press("✏️ Change my answers")
    replies = await person.press("➡ Next")
    await person.press("◀ Back")


async def test_every_survey_button_the_bot_sends_parses_back_to_itself(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga, event_id, _sessions, people, _ids = await course(sandbox, sessions=2)
    since = len(sandbox.api.calls)  # after onboarding and the event's creation
    await build_template_with_every_kind(olga)
    replies = await olga.press("◀ Templates")
    before_card = len(sandbox.api.calls)
    await olga.press_data(f"ea:{event_id}")  # the event's card: another feature's buttons
    card = range(before_card, len(sandbox.api.calls))
    await olga.press("📝 Survey")
    for template, mode, who in (
        ("Standard", "Once, after the last session", "🕶 Anonymous"),
        ("Visi jautājumi", "After each session", "👤 Named"),
    ):
        await olga.press("➕ Add a survey")
        await olga.press(template)
        await olga.press(mode)
        replies = await olga.press(who)
    await olga.press("🗑 Remove 1")  # the Standard one, nobody has answered it
    await olga.press("⏱ 15 min")
    replies = await olga.press("📅 7 days")
    assert "sent 30 min after the end, open for 14 days" in replies.last.text

    clock.set(END + timedelta(minutes=30))
    await tick(sandbox)
    for n, person in enumerate(people):
        await answer_every_kind(person, n)

    await olga.send("/results")
    await olga.press("Ģimenes")
    await olga.press("🗓 By session")
    replies = await olga.press_at(0, 0)
    assert "Session 1" in replies.last.text
    await olga.press("📊 All sessions")
    await olga.press("💬 Written answers (4)")
    await olga.press("◀ Back")
    for label in ("📈 Chart", "📄 CSV", "📊 Excel"):
        await olga.press(label)
    assert sandbox.errors == []

    data = sent_data(sandbox, since, card)
    ours = [d for d in data if d.split(":", 1)[0] not in OTHER_FEATURES]
    assert len(ours) > 100
    seen = set()
    for item in ours:
        value = parse_any(item)
        assert value is not None, item
        assert value.pack() == item
        seen.add(type(value))
    declared = {
        kind
        for kind in REGISTRY.values()
        if kind.__module__ in {m.__name__ for m in (surveys, survey_staff, survey_results)}
    }
    # Every kind of survey button was sent at least once on the way.
    assert declared - seen == set(), sorted(k.__name__ for k in declared - seen)

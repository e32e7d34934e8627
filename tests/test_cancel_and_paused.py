"""/cancel leaves any dialog in every language; a wizard left for another command does
not take later text as an answer (even across a restart): it offers to continue."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.sandbox import Sandbox
from storage.models import Dialog, Event
from tests.helpers import ADMIN_ID, make_event, make_organiser, onboard


async def count(sandbox: Sandbox, model) -> int:  # type: ignore[no-untyped-def]
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_cancel_leaves_any_dialog_in_every_language(sandbox: Sandbox) -> None:
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    olga = await onboard(sandbox, 700, "Olga Organizatore", language="lv")
    await admin.send("/grant 700 organiser")
    # Latvian: the /new_event wizard.
    await olga.send("/new_event")
    replies = await olga.send("/cancel")
    assert replies.texts == ["✖ Atcelts. Nosūtiet /help, lai redzētu, ko es varu."]
    await olga.send("Test")  # no longer an answer: a FAQ search
    replies = await olga.send("/new_event")  # a fresh wizard, not the cancelled one
    assert replies.texts == [
        "Jaunas mācības, 1. solis: kāds ir to nosaukums? (ne vairāk kā 150 rakstzīmes)"
    ]
    await olga.send("/cancel")
    assert await count(sandbox, Dialog) == 0

    # English: editing an event's field.
    await make_organiser(sandbox, 710, "Ōskars Organizators")
    oskars = sandbox.user(710, "Oskars", language_code="en")
    event = await make_event(sandbox, 710, title="Supervīzija")
    await oskars.send(f"/start event_{event}")
    await oskars.press("⚙️ Manage")
    await oskars.press("✏️ Edit")
    await oskars.press("Title")
    replies = await oskars.send("/cancel")
    assert replies.texts == ["✖ Cancelled. Send /help to see what I can do."]
    await oskars.send("Jauns nosaukums")
    async with sandbox.runtime.db() as session:  # type: ignore[union-attr]
        assert await session.scalar(select(Event.title).where(Event.id == event)) == "Supervīzija"

    # Russian: nothing open (a FAQ search is not a question waiting for an answer).
    ivan = await onboard(sandbox, 720, "Ivan Petrov", language="ru")
    replies = await ivan.send("/cancel")
    assert replies.texts == ["Отменять нечего."]
    await ivan.send("Где проходит летняя школа?")
    replies = await ivan.send("/cancel")
    assert replies.texts == ["Отменять нечего."]
    await ivan.press("✉️")  # "Ask the organisers": now a question is awaited
    replies = await ivan.send("/cancel")
    assert replies.texts == ["✖ Отменено. Отправьте /help, чтобы увидеть, что я умею."]


async def test_an_abandoned_wizard_does_not_take_later_text_even_after_a_restart(
    sandbox: Sandbox,
) -> None:
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    olga = await onboard(sandbox, 700, "Olga Organizatore", language="lv")
    await admin.send("/grant 700 organiser")
    await olga.send("/new_event")
    await olga.send("/events")
    replies = await olga.send("Test")
    assert replies.texts == [
        "Jūs neesat pabeiguši jaunu mācību izveidi. Jūsu ziņu es neizmantoju kā atbildi. "
        "Vai turpināt?"
    ]
    assert replies.last.button_labels == ["▶ Turpināt izveidi", "✖ Atmest"]

    await sandbox.stop_application()
    await sandbox.start_application()
    replies = await olga.send("Test")
    assert replies.texts[0].startswith("Jūs neesat pabeiguši jaunu mācību izveidi.")
    replies = await olga.press("▶ Turpināt izveidi")
    assert "1. solis" in replies.last.text
    await olga.send("Vasaras skola")
    await olga.send("/my")
    replies = await olga.send("Apraksts, kas nav domāts vedņa solim")
    assert replies.texts == [
        "Jūs neesat pabeiguši mācību „Vasaras skola” izveidi. Jūsu ziņu es neizmantoju kā "
        "atbildi. Vai turpināt?"
    ]
    # /new_event itself goes back to where she stopped; her next text is the answer.
    replies = await olga.send("/new_event")
    assert replies.texts[0] == "Jūs neesat pabeiguši mācību izveidi — turpināsim."
    assert replies.last.text.startswith("Īss apraksts")
    replies = await olga.send("Trīs dienu vasaras skola.")
    assert replies.last.text.startswith("Kur mācības notiks?")
    replies = await olga.send("/cancel")
    assert replies.texts == ["✖ Atcelts. Nosūtiet /help, lai redzētu, ko es varu."]
    assert await count(sandbox, Event) == 0
    assert (await olga.press_data("nw:resume")).alert == "Šī poga vairs nav derīga."


async def test_cancel_before_onboarding_keeps_onboarding(sandbox: Sandbox) -> None:
    newcomer = sandbox.user(730, "Jauns", language_code="en")
    await newcomer.send("/start")
    replies = await newcomer.send("/cancel")
    assert replies.texts[0] == "Let's finish setting up your profile first."


async def test_pressing_buttons_elsewhere_also_pauses_the_wizard(sandbox: Sandbox) -> None:
    olga = await make_organiser(sandbox, 700, "Olga Organizatore")
    await olga.send("/new_event")
    await olga.send("Supervīzija")
    await olga.press("📅 Trainings")  # on the main menu from before: no command typed
    replies = await olga.send("Test")
    assert replies.texts[0].startswith("You have an unfinished training Supervīzija.")
    replies = await olga.press("▶ Continue the training")
    assert "A short description" in replies.last.text
    await olga.press("Skip")  # the wizard's own buttons keep it going
    replies = await olga.send("Strazde")
    assert "online link" in replies.last.text

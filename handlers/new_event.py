"""/new_event: a guided conversation that creates a training, one question at a time."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import N_, Translator
from bot.screens.certificates import rule_sentence
from bot.screens.events import OpenCard
from bot.screens.new_event import (
    Choose,
    Discard,
    Publish,
    Restart,
    Resume,
    SaveDraft,
    preview_text,
    step_buttons,
)
from bot.services import certificates
from bot.services import event_wizard as wizard_service
from bot.services.errors import InvalidInput
from bot.services.event_wizard import WIZARD, Step, Wizard
from handlers.common import (
    Context,
    drop_buttons,
    explain,
    guarded,
    on_input,
    on_press,
    say,
    who,
)

QUESTIONS: dict[Step, str] = {
    Step.TITLE: N_("New training, step 1: what is its <b>title</b>? (at most 150 characters)"),
    Step.DESCRIPTION: N_("A short <b>description</b>: for whom, what about, what to bring."),
    Step.PLACE: N_("Where does it take place? Send the <b>address</b>, or skip if it is online."),
    Step.ONLINE: N_("An <b>online link</b> (https://...) for participants, or skip."),
    Step.CAPACITY: N_("How many <b>seats</b>? Send a number."),
    Step.APPROVAL: N_("Should you <b>approve</b> each registration yourself?"),
    Step.LIMIT: N_("At most how many seats <b>per municipality</b>? Send a number, or no limit."),
    Step.DEADLINE: N_(
        "When does <b>registration close</b>? Send DD.MM.YYYY HH:MM, or keep it open until "
        "the first session starts."
    ),
    Step.SESSION_DATE: N_("Session {number}: on which <b>date</b>? Send DD.MM.YYYY."),
    Step.SESSION_START: N_("Session {number}: <b>start time</b>? Send HH:MM."),
    Step.SESSION_END: N_("Session {number}: <b>end time</b>? Send HH:MM."),
    Step.MORE: N_(
        "Session added. Add another session, or continue to the certificate, the programme "
        "and the preview?"
    ),
    Step.CERTIFICATE: N_(
        "🎓 <b>Certificate.</b> {rule} Keep this rule, or choose or send another share of "
        "the hours (from {low} to 100 %)."
    ),
    Step.PROGRAMME: N_(
        "Does the training belong to a <b>programme</b> of a funder? Send the programme's "
        "name (events with the same name make one programme in the funder's report), or "
        "skip."
    ),
}


async def ask(update: Update, tr: Translator, wizard: Wizard) -> None:
    if wizard.step is Step.PREVIEW:
        rows = [
            [(tr._("✅ Publish"), Publish()), (tr._("💾 Save as draft"), SaveDraft())],
            [(tr._("✖ Cancel"), Discard())],
        ]
        await say(update, preview_text(tr, wizard), rows)
        return
    number = len(wizard.data.get("sessions", [])) + 1
    draft = wizard.draft()
    rule = rule_sentence(tr, draft.completion_percent, draft.completion_needs_survey)
    question = tr._(QUESTIONS[wizard.step], number=number, rule=rule, low=certificates.MIN_PERCENT)
    await say(update, question, step_buttons(tr, wizard))


@guarded
async def new_event(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    unfinished = await wizard_service.current(context.runtime.db, person)
    wizard = await wizard_service.begin(
        context.runtime.db, person, fresh=False, now=context.runtime.clock()
    )
    if unfinished is not None:
        await say(
            update,
            tr._("You have an unfinished training; let's continue."),
            [[(tr._("Start over"), Restart())]],
        )
    await ask(update, tr, wizard)


async def restart(update: Update, context: Context, press: Restart) -> None:
    person, tr = await who(update, context)
    await drop_buttons(update)
    wizard = await wizard_service.begin(
        context.runtime.db, person, fresh=True, now=context.runtime.clock()
    )
    await ask(update, tr, wizard)


async def typed(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    message = update.effective_message
    text = message.text if message is not None else None
    runtime = context.runtime
    wizard = await wizard_service.current(runtime.db, person)
    if wizard is None:
        return
    if text is None:
        await say(update, tr._("Please answer with text or the buttons."))
        await ask(update, tr, wizard)
        return
    try:
        wizard = await wizard_service.answer(
            runtime.db, person, text, runtime.clock(), runtime.settings.tz
        )
    except InvalidInput as error:
        await say(update, explain(tr, error), step_buttons(tr, wizard))
        return
    except wizard_service.Stale:
        await ask(update, tr, wizard)  # this step wants a button
        return
    await ask(update, tr, wizard)


async def pressed(update: Update, context: Context, press: Choose) -> None:
    person, tr = await who(update, context)
    wizard = await wizard_service.choose(
        context.runtime.db, person, press.step, press.choice, context.runtime.clock()
    )
    await drop_buttons(update)
    await ask(update, tr, wizard)


async def publish_new(update: Update, context: Context, press: Publish) -> None:
    await save(update, context, publish=True)


async def save_draft(update: Update, context: Context, press: SaveDraft) -> None:
    await save(update, context, publish=False)


async def save(update: Update, context: Context, *, publish: bool) -> None:
    person, tr = await who(update, context)
    runtime = context.runtime
    event_id = await wizard_service.finish(runtime.db, person, runtime.clock(), publish=publish)
    await drop_buttons(update)
    link = f"https://t.me/{context.bot.username}?start=event_{event_id}"
    text = (
        tr._("✅ Published. Share this link: {link}", link=link)
        if publish
        else tr._("💾 Saved as a draft; only you see it. Publish it from its card.")
    )
    await say(update, text, [[(tr._("Open the card"), OpenCard(event_id))]])


async def offer_to_continue(update: Update, context: Context) -> None:
    """Text while the wizard is paused (the organiser went on to other commands): not an
    answer; offer to go back to it."""
    person, tr = await who(update, context)
    wizard = await wizard_service.current(context.runtime.db, person)
    if wizard is None:
        return
    title = wizard.data.get("title")
    text = (
        tr._(
            "You have an unfinished training <b>{title}</b>. I did not take your message "
            "as one of its answers. Continue it?",
            title=escape(title),
        )
        if title
        else tr._(
            "You have an unfinished new training. I did not take your message as one of "
            "its answers. Continue it?"
        )
    )
    rows = [
        [(tr._("▶ Continue the training"), Resume())],
        [(tr._("✖ Discard it"), Discard())],
    ]
    await say(update, text, rows)


async def resume(update: Update, context: Context, press: Resume) -> None:
    person, tr = await who(update, context)
    if await wizard_service.current(context.runtime.db, person) is None:
        raise wizard_service.Stale()
    await drop_buttons(update)
    wizard = await wizard_service.begin(
        context.runtime.db, person, fresh=False, now=context.runtime.clock()
    )
    await ask(update, tr, wizard)


async def cancel(update: Update, context: Context, press: Discard) -> None:
    person, tr = await who(update, context)
    await wizard_service.discard(context.runtime.db, person)
    await drop_buttons(update)
    await say(update, tr._("The new training was discarded."))


def register(application: Application) -> None:  # type: ignore[type-arg]

    on_input(
        application,
        WIZARD,
        typed,
        ttl=timedelta(days=14),
        survives_commands=True,
        own_commands=frozenset({"new_event"}),
        on_paused=offer_to_continue,
        own_buttons=(
            Restart,
            Resume,
            Choose,
            Publish,
            SaveDraft,
            Discard,
        ),
    )
    application.add_handler(CommandHandler("new_event", new_event))
    on_press(application, Restart, restart)
    on_press(application, Resume, resume)
    on_press(application, Choose, pressed)
    on_press(application, Publish, publish_new)
    on_press(application, SaveDraft, save_draft)
    on_press(application, Discard, cancel)

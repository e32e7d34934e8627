"""Surveys for staff: an event's surveys (attach a template, timing, remove) and building
templates in the chat. The rules live in bot/services/surveys.py and survey_templates.py;
the buttons and screens in bot/screens/survey_staff.py.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.screens.survey_staff import (
    MODE_CODES,
    AddQuestion,
    AttachSurvey,
    CancelBuilder,
    EventSurveys,
    NewTemplate,
    PickAnonymity,
    PickMode,
    PickTemplate,
    QuestionRequired,
    RemoveSurvey,
    SetDelay,
    SetOpenDays,
    Templates,
    ViewTemplate,
    anonymity_to_pick,
    cancel_rows,
    event_surveys_screen,
    modes_to_pick,
    required_buttons,
    template_screen,
    templates_screen,
    templates_to_pick,
)
from bot.services import dialogs, surveys
from bot.services import survey_templates as templates_service
from bot.services.errors import NotAllowed, Stale
from bot.services.events import can_manage
from bot.services.survey_templates import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    OPTION_LIMIT,
    QUESTION_LIMIT,
    SURVEY_BUILD,
    BuildStep,
)
from bot.services.users import Role
from handlers.common import Context, guarded, on_input, on_press, say, who


async def show_event_surveys(update: Update, context: Context, event_id: int) -> None:
    person, tr = await who(update, context)
    event, found = await surveys.event_surveys(context.runtime.db, person, event_id)
    text, rows = event_surveys_screen(tr, event, found, can_manage(person, event))
    await say(update, text, rows, edit=True)


async def event_surveys(update: Update, context: Context, press: EventSurveys) -> None:
    await show_event_surveys(update, context, press.event_id)


async def pick_template(update: Update, context: Context, press: PickTemplate) -> None:
    person, tr = await who(update, context)
    event, _ = await surveys.event_surveys(context.runtime.db, person, press.event_id)
    if not can_manage(person, event):  # attach() checks again; this only avoids a dead end
        raise NotAllowed()
    found = [
        t for t in await templates_service.templates(context.runtime.db, person) if t.questions
    ]
    rows = templates_to_pick(tr, press.event_id, found)
    await say(update, tr._("Which questions should the survey ask?"), rows, edit=True)


async def pick_mode(update: Update, context: Context, press: PickMode) -> None:
    _, tr = await who(update, context)
    rows = modes_to_pick(tr, press.event_id, press.template_id)
    await say(update, tr._("When should the survey go out?"), rows, edit=True)


async def pick_anonymity(update: Update, context: Context, press: PickAnonymity) -> None:
    _, tr = await who(update, context)
    text, rows = anonymity_to_pick(tr, press)
    await say(update, text, rows, edit=True)


async def create(update: Update, context: Context, press: AttachSurvey) -> None:
    person, tr = await who(update, context)
    await surveys.attach(
        context.runtime.db,
        person,
        press.event_id,
        press.template_id,
        MODE_CODES[press.mode],
        press.anonymous,
    )
    context.toast = tr._("Survey added.")
    await show_event_surveys(update, context, press.event_id)


async def delay(update: Update, context: Context, press: SetDelay) -> None:
    person, _ = await who(update, context)
    survey, _event = await surveys.set_timing(
        context.runtime.db, person, press.survey_id, delay=press.minutes
    )
    await show_event_surveys(update, context, survey.event_id)


async def open_days(update: Update, context: Context, press: SetOpenDays) -> None:
    person, _ = await who(update, context)
    survey, _event = await surveys.set_timing(
        context.runtime.db, person, press.survey_id, open_days=press.days
    )
    await show_event_surveys(update, context, survey.event_id)


async def remove(update: Update, context: Context, press: RemoveSurvey) -> None:
    person, tr = await who(update, context)
    event = await surveys.detach(context.runtime.db, person, press.survey_id)
    context.toast = tr._("Survey removed.")
    await show_event_surveys(update, context, event.id)


# -- templates ------------------------------------------------------------------------------


async def show_templates(update: Update, context: Context, *, edit: bool) -> None:
    person, tr = await who(update, context)
    found = await templates_service.templates(context.runtime.db, person)
    text, rows = templates_screen(tr, found)
    await say(update, text, rows, edit=edit)


@guarded
async def templates_command(update: Update, context: Context) -> None:
    await show_templates(update, context, edit=False)


async def templates_list(update: Update, context: Context, press: Templates) -> None:
    await show_templates(update, context, edit=True)


async def template_view(update: Update, context: Context, press: ViewTemplate) -> None:
    person, tr = await who(update, context)
    found = await templates_service.template(context.runtime.db, person, press.template_id)
    text, rows = template_screen(tr, found, person.id, person.can(Role.ADMIN))
    await say(update, text, rows, edit=True)


async def new_template(update: Update, context: Context, press: NewTemplate) -> None:
    person, tr = await who(update, context)
    await templates_service.start_template(context.runtime.db, person, context.runtime.clock())
    await say(
        update,
        tr._(
            "Type a name for the new template (up to {limit} characters).",
            limit=templates_service.NAME_LIMIT,
        ),
        cancel_rows(tr),
    )


async def new_question(update: Update, context: Context, press: AddQuestion) -> None:
    person, tr = await who(update, context)
    await templates_service.start_question(
        context.runtime.db, person, press.template_id, press.kind, context.runtime.clock()
    )
    await say(
        update,
        tr._("Type the question (up to {limit} characters).", limit=QUESTION_LIMIT),
        cancel_rows(tr),
    )


@guarded
async def builder_typed(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    message = update.effective_message
    if message is None or message.text is None:
        await say(update, tr._("Please type a text message."))
        return
    state, created = await templates_service.typed(
        context.runtime.db, person, message.text, context.runtime.clock()
    )
    if created is not None:
        person, tr = await who(update, context, fresh=True)
        found = await templates_service.template(context.runtime.db, person, created)
        text, rows = template_screen(tr, found, person.id, person.can(Role.ADMIN))
        await say(update, text, rows)
    elif state.step == BuildStep.OPTIONS:
        await say(
            update,
            tr._(
                "Type the options, one per line ({low} to {high}, up to {limit} characters each).",
                low=MIN_OPTIONS,
                high=MAX_OPTIONS,
                limit=OPTION_LIMIT,
            ),
            cancel_rows(tr),
        )
    else:
        if state.template_id is None:
            raise Stale()
        await say(
            update,
            tr._("Must everyone answer this question?"),
            required_buttons(tr, state.template_id),
        )


async def question_required(update: Update, context: Context, press: QuestionRequired) -> None:
    person, tr = await who(update, context)
    found = await templates_service.finish_question(
        context.runtime.db, person, press.template_id, press.required
    )
    context.toast = tr._("Question added.")
    text, rows = template_screen(tr, found, person.id, person.can(Role.ADMIN))
    await say(update, text, rows, edit=True)


async def cancel_builder(update: Update, context: Context, press: CancelBuilder) -> None:
    person, tr = await who(update, context)
    await dialogs.close_dialog(context.runtime.db, person.id, SURVEY_BUILD)
    await say(update, tr._("Cancelled."), edit=True)


def register(application: Application) -> None:  # type: ignore[type-arg]
    on_input(application, SURVEY_BUILD, builder_typed)
    application.add_handler(CommandHandler("templates", templates_command))
    on_press(application, EventSurveys, event_surveys)
    on_press(application, PickTemplate, pick_template)
    on_press(application, PickMode, pick_mode)
    on_press(application, PickAnonymity, pick_anonymity)
    on_press(application, AttachSurvey, create)
    on_press(application, SetDelay, delay)
    on_press(application, SetOpenDays, open_days)
    on_press(application, RemoveSurvey, remove)
    on_press(application, Templates, templates_list)
    on_press(application, NewTemplate, new_template)
    on_press(application, ViewTemplate, template_view)
    on_press(application, AddQuestion, new_question)
    on_press(application, QuestionRequired, question_required)
    on_press(application, CancelBuilder, cancel_builder)

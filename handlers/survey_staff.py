"""Surveys for staff: an event's surveys (attach a template, timing, remove) and building
templates in the chat. The rules live in bot/services/surveys.py and survey_templates.py.

Callback data:
  svo:<event>                      the event's surveys
  svn:<event>                      attach: pick a template
  svt:<event>:<template>           attach: after each session or after the last
  svm:<event>:<template>:<e|l>     attach: named or anonymous
  svc:<event>:<template>:<e|l>:<0|1>  attach
  svd:<survey>:<minutes>  svp:<survey>:<days>  svx:<survey>   delay, open days, remove
  tpl:l  tpl:n  tpl:v:<template>  tpl:q:<template>:<kind>  tpl:r:<template>:<0|1>  tpl:x
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.i18n import N_, Translator
from bot.services import dialogs, surveys
from bot.services import survey_templates as templates_service
from bot.services.errors import NotAllowed
from bot.services.events import can_manage
from bot.services.survey_templates import (
    DEFAULT_NAME,
    MAX_OPTIONS,
    MIN_OPTIONS,
    OPTION_LIMIT,
    QUESTION_LIMIT,
    SURVEY_BUILD,
    TemplateView,
)
from bot.services.surveys import DELAYS, OPEN_DAYS, EventSurveyView
from bot.services.users import Role
from bot.survey_kinds import KINDS, kind_of
from handlers.common import Buttons, Context, guarded, on_input, say, who
from handlers.paging import shorten

MODE_CODES = {"e": "after_each_session", "l": "after_last"}
MODE_NAMES = {
    "after_each_session": N_("after each session"),
    "after_last": N_("once, after the last session"),
}


def template_name(tr: Translator, name: str, key: str | None) -> str:
    return tr._(DEFAULT_NAME) if key == templates_service.DEFAULT_KEY else name


def survey_line(tr: Translator, number: int, survey: EventSurveyView) -> str:
    kind = tr._("anonymous") if survey.anonymous else tr._("named")
    values = {
        "number": number,
        "name": escape(template_name(tr, survey.template_name, survey.template_key)),
        "mode": tr._(MODE_NAMES[survey.mode]),
        "kind": kind,
        "open": tr.ngettext("open for {count} day", "open for {count} days", survey.open_days),
    }
    if survey.delay_minutes == 0:
        return tr._(
            "{number}. <b>{name}</b>: {mode}, {kind}; sent right after the end, {open}", **values
        )
    return tr._(
        "{number}. <b>{name}</b>: {mode}, {kind}; sent {delay} after the end, {open}",
        delay=tr.duration(survey.delay_minutes),
        **values,
    )


def _next(values: tuple[int, ...], current: int) -> int:
    return values[(values.index(current) + 1) % len(values)] if current in values else values[0]


async def show_event_surveys(update: Update, context: Context, event_id: int) -> None:
    person, tr = await who(update, context)
    event, found = await surveys.event_surveys(context.runtime.db, person, event_id)
    manage = can_manage(person, event)
    lines = [tr._("📝 <b>Surveys: {title}</b>", title=escape(event.title))]
    rows: list[list[tuple[str, str]]] = []
    if not found:
        lines.append(tr._("No survey is attached to this event yet."))
    for number, survey in enumerate(found, 1):
        lines.append(survey_line(tr, number, survey))
        row = [(tr._("📊 Results {number}", number=number), f"rv:{survey.id}:0")]
        if manage:
            rows.append(
                [
                    (
                        tr._("⏱ {minutes} min", minutes=survey.delay_minutes),
                        f"svd:{survey.id}:{_next(DELAYS, survey.delay_minutes)}",
                    ),
                    (
                        tr.ngettext("📅 {count} day", "📅 {count} days", survey.open_days),
                        f"svp:{survey.id}:{_next(OPEN_DAYS, survey.open_days)}",
                    ),
                    (tr._("🗑 Remove {number}", number=number), f"svx:{survey.id}"),
                ]
            )
        rows.append(row)
    if manage:
        lines.append("")
        lines.append(
            tr._(
                "A survey goes to those present at a session (or to everyone registered when "
                "no attendance was taken), with one reminder after 24 hours."
            )
        )
        rows.append([(tr._("➕ Add a survey"), f"svn:{event.id}")])
        rows.append([(tr._("🧩 Templates"), "tpl:l")])
    rows.append([(tr._("◀ Back"), f"ea:{event.id}")])
    await say(update, "\n".join(lines), rows, edit=True)


@guarded
async def event_surveys(update: Update, context: Context) -> None:
    assert context.matches
    await show_event_surveys(update, context, int(context.matches[0].group(1)))


@guarded
async def pick_template(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event_id = int(context.matches[0].group(1))
    event, _ = await surveys.event_surveys(context.runtime.db, person, event_id)
    if not can_manage(person, event):  # attach() checks again; this only avoids a dead end
        raise NotAllowed()
    found = [
        t for t in await templates_service.templates(context.runtime.db, person) if t.questions
    ]
    rows = [
        [(shorten(template_name(tr, t.name, t.key), 60), f"svt:{event_id}:{t.id}")] for t in found
    ]
    rows.append([(tr._("◀ Back"), f"svo:{event_id}")])
    await say(update, tr._("Which questions should the survey ask?"), rows, edit=True)


@guarded
async def pick_mode(update: Update, context: Context) -> None:
    assert context.matches
    _, tr = await who(update, context)
    event_id, template_id = int(context.matches[0].group(1)), int(context.matches[0].group(2))
    rows = [
        [(tr._("After each session"), f"svm:{event_id}:{template_id}:e")],
        [(tr._("Once, after the last session"), f"svm:{event_id}:{template_id}:l")],
        [(tr._("◀ Back"), f"svn:{event_id}")],
    ]
    await say(update, tr._("When should the survey go out?"), rows, edit=True)


@guarded
async def pick_anonymity(update: Update, context: Context) -> None:
    assert context.matches
    _, tr = await who(update, context)
    event_id, template_id, mode = (
        int(context.matches[0].group(1)),
        int(context.matches[0].group(2)),
        context.matches[0].group(3),
    )
    base = f"svc:{event_id}:{template_id}:{mode}"
    text = tr._(
        "Named or anonymous? In an anonymous survey you see who answered (the response "
        "rate), but never who answered what, not even in the exports."
    )
    rows = [
        [(tr._("👤 Named"), f"{base}:0"), (tr._("🕶 Anonymous"), f"{base}:1")],
        [(tr._("◀ Back"), f"svt:{event_id}:{template_id}")],
    ]
    await say(update, text, rows, edit=True)


@guarded
async def create(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    match = context.matches[0]
    event_id = int(match.group(1))
    await surveys.attach(
        context.runtime.db,
        person,
        event_id,
        int(match.group(2)),
        MODE_CODES[match.group(3)],
        match.group(4) == "1",
    )
    context.toast = tr._("Survey added.")
    await show_event_surveys(update, context, event_id)


@guarded
async def timing(update: Update, context: Context) -> None:
    assert context.matches
    person, _ = await who(update, context)
    match = context.matches[0]
    kind, survey_id, value = match.group(1), int(match.group(2)), int(match.group(3))
    survey, _event = await surveys.set_timing(
        context.runtime.db,
        person,
        survey_id,
        delay=value if kind == "d" else None,
        open_days=value if kind == "p" else None,
    )
    await show_event_surveys(update, context, survey.event_id)


@guarded
async def remove(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event = await surveys.detach(context.runtime.db, person, int(context.matches[0].group(1)))
    context.toast = tr._("Survey removed.")
    await show_event_surveys(update, context, event.id)


# -- templates ------------------------------------------------------------------------------


def question_lines(tr: Translator, template: TemplateView) -> list[str]:
    lines = []
    for number, question in enumerate(template.questions, 1):
        required = tr._("required") if question.required else tr._("optional")
        lines.append(
            f"{number}. {escape(question.text(tr.language))} "
            f"<i>({tr._(kind_of(question.kind).label)}, {required})</i>"
        )
        for i in range(len(question.options)):
            lines.append(f"    • {escape(question.option(i, tr.language))}")
    return lines


async def show_templates(update: Update, context: Context, *, edit: bool) -> None:
    person, tr = await who(update, context)
    found = await templates_service.templates(context.runtime.db, person)
    lines = [tr._("🧩 <b>Survey templates</b>")]
    rows = []
    for template in found:
        name = template_name(tr, template.name, template.key)
        count = len(template.questions)
        rows.append(
            [
                (
                    tr.ngettext(
                        "{name} ({count} question)",
                        "{name} ({count} questions)",
                        count,
                        name=shorten(name, 50),
                    ),
                    f"tpl:v:{template.id}",
                )
            ]
        )
    rows.append([(tr._("➕ New template"), "tpl:n")])
    await say(update, "\n".join(lines), rows, edit=edit)


@guarded
async def templates_command(update: Update, context: Context) -> None:
    await show_templates(update, context, edit=False)


@guarded
async def templates_list(update: Update, context: Context) -> None:
    await show_templates(update, context, edit=True)


def template_screen(
    tr: Translator, template: TemplateView, person_id: int, admin: bool
) -> tuple[str, Buttons]:
    lines = [f"🧩 <b>{escape(template_name(tr, template.name, template.key))}</b>", ""]
    lines += question_lines(tr, template) or [tr._("No questions yet: add the first one.")]
    rows: list[list[tuple[str, str]]] = []
    editable = (
        not template.is_default
        and not template.in_use
        and (admin or template.author_id == person_id)
    )
    if editable:
        adds = [
            (tr._(kind.add_label), f"tpl:q:{template.id}:{kind.name}") for kind in KINDS.values()
        ]
        rows += [adds[i : i + 3] for i in range(0, len(adds), 3)]
    elif template.in_use and not template.is_default:
        lines += ["", tr._("Used by a survey, so its questions no longer change.")]
    rows.append([(tr._("◀ Templates"), "tpl:l")])
    return "\n".join(lines), rows


@guarded
async def template_view(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    found = await templates_service.template(
        context.runtime.db, person, int(context.matches[0].group(1))
    )
    text, rows = template_screen(tr, found, person.id, person.can(Role.ADMIN))
    await say(update, text, rows, edit=True)


CANCEL = "tpl:x"


@guarded
async def new_template(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    await templates_service.start_template(context.runtime.db, person, context.runtime.clock())
    await say(
        update,
        tr._(
            "Type a name for the new template (up to {limit} characters).",
            limit=templates_service.NAME_LIMIT,
        ),
        [[(tr._("Cancel"), CANCEL)]],
    )


@guarded
async def new_question(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    kind = context.matches[0].group(2)
    await templates_service.start_question(
        context.runtime.db, person, int(context.matches[0].group(1)), kind, context.runtime.clock()
    )
    await say(
        update,
        tr._("Type the question (up to {limit} characters).", limit=QUESTION_LIMIT),
        [[(tr._("Cancel"), CANCEL)]],
    )


def required_buttons(tr: Translator, template_id: int | None) -> Buttons:
    return [
        [
            (tr._("Required"), f"tpl:r:{template_id}:1"),
            (tr._("Optional"), f"tpl:r:{template_id}:0"),
        ],
        [(tr._("Cancel"), CANCEL)],
    ]


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
    elif state.step == "options":
        await say(
            update,
            tr._(
                "Type the options, one per line ({low} to {high}, up to {limit} characters each).",
                low=MIN_OPTIONS,
                high=MAX_OPTIONS,
                limit=OPTION_LIMIT,
            ),
            [[(tr._("Cancel"), CANCEL)]],
        )
    else:
        await say(
            update,
            tr._("Must everyone answer this question?"),
            required_buttons(tr, state.template_id),
        )


@guarded
async def question_required(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    found = await templates_service.finish_question(
        context.runtime.db,
        person,
        int(context.matches[0].group(1)),
        context.matches[0].group(2) == "1",
    )
    context.toast = tr._("Question added.")
    text, rows = template_screen(tr, found, person.id, person.can(Role.ADMIN))
    await say(update, text, rows, edit=True)


@guarded
async def cancel_builder(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    await dialogs.close_dialog(context.runtime.db, person.id, SURVEY_BUILD)
    await say(update, tr._("Cancelled."), edit=True)


def register(application: Application) -> None:  # type: ignore[type-arg]

    on_input(application, SURVEY_BUILD, builder_typed)
    application.add_handler(CommandHandler("templates", templates_command))
    add = application.add_handler
    add(CallbackQueryHandler(event_surveys, pattern=r"^svo:(\d{1,9})$"))
    add(CallbackQueryHandler(pick_template, pattern=r"^svn:(\d{1,9})$"))
    add(CallbackQueryHandler(pick_mode, pattern=r"^svt:(\d{1,9}):(\d{1,9})$"))
    add(CallbackQueryHandler(pick_anonymity, pattern=r"^svm:(\d{1,9}):(\d{1,9}):([el])$"))
    add(CallbackQueryHandler(create, pattern=r"^svc:(\d{1,9}):(\d{1,9}):([el]):([01])$"))
    add(CallbackQueryHandler(timing, pattern=r"^sv([dp]):(\d{1,9}):(\d{1,4})$"))
    add(CallbackQueryHandler(remove, pattern=r"^svx:(\d{1,9})$"))
    add(CallbackQueryHandler(templates_list, pattern=r"^tpl:l$"))
    add(CallbackQueryHandler(new_template, pattern=r"^tpl:n$"))
    add(CallbackQueryHandler(template_view, pattern=r"^tpl:v:(\d{1,9})$"))
    add(CallbackQueryHandler(new_question, pattern=r"^tpl:q:(\d{1,9}):([a-z0-9_]{1,20})$"))
    add(CallbackQueryHandler(question_required, pattern=r"^tpl:r:(\d{1,9}):([01])$"))
    add(CallbackQueryHandler(cancel_builder, pattern=r"^tpl:x$"))

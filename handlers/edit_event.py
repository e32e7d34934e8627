"""Changing an event after it was created: one field at a time, and publishing a draft."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application

from bot.i18n import N_
from bot.notices import tell_promoted
from bot.outbox import wake
from bot.screens.certificates import event_rule, percent_buttons, survey_button
from bot.screens.edit_event import (
    FIELD_LABELS,
    EditEvent,
    EditField,
    PublishDraft,
    SetByButton,
    field_buttons,
)
from bot.screens.events import card_screen
from bot.screens.keyboard import Row
from bot.services import certificates, dialogs, registration
from bot.services import event_builder as builder
from bot.services.errors import InvalidInput, NotAllowed, Stale
from bot.services.events import event_for, require_manage
from handlers.common import Context, drop_buttons, explain, on_input, on_press, say, who

EDIT = "edit_event"
PROMPTS: dict[str, str] = {
    "title": N_("Send the new title (at most 150 characters)."),
    "description": N_("Send the new description."),
    "place": N_("Send the new place."),
    "online_url": N_("Send the new online link (https://...)."),
    "capacity": N_("Send the new number of seats."),
    "municipality_limit": N_("Send the new limit per municipality."),
    "registration_deadline": N_("Send the new deadline as DD.MM.YYYY HH:MM."),
    "registration_opens_at": N_(
        "From when can people register? Send DD.MM.YYYY HH:MM, or clear it to open "
        "registration now."
    ),
    "completion_percent": N_(
        "Choose or send the share of the hours a participant must attend for a certificate "
        "(from {low} to 100 %)."
    ),
    "programme": N_(
        "Send the programme's name (events with the same name make one programme in "
        "the funder's report), or send - to clear it."
    ),
}
# Kept by the certificate service, which may change them after the event has ended too.
RULE_FIELDS = {"completion_percent", "needs_survey", "programme"}
CLEARABLE = {
    "description",
    "place",
    "online_url",
    "municipality_limit",
    "registration_deadline",
    "registration_opens_at",
    "programme",
}


async def choose_field(update: Update, context: Context, press: EditEvent) -> None:
    person, tr = await who(update, context)
    event = await event_for(context.runtime.db, person, press.event_id)
    require_manage(person, event)
    if person.dialog is not None and person.dialog.name in (EDIT, "event_team"):
        await dialogs.close_dialog(context.runtime.db, person.id, person.dialog.name)
    await say(
        update,
        tr._("What do you want to change in <b>{title}</b>?", title=escape(event.title)),
        field_buttons(tr, event.id),
        edit=True,
    )


async def ask_value(update: Update, context: Context, press: EditField) -> None:
    person, tr = await who(update, context)
    event_id, name = press.event_id, str(press.field)
    event = await event_for(context.runtime.db, person, event_id)
    require_manage(person, event)
    if name == "needs_approval":
        rows = [
            [
                (tr._("Yes, I approve"), SetByButton(event_id, "a1")),
                (tr._("No, first come first served"), SetByButton(event_id, "a0")),
            ]
        ]
        await say(update, tr._(FIELD_LABELS[name]), rows, edit=True)
        return
    await dialogs.open_dialog(
        context.runtime.db, person.id, EDIT, name, {"event_id": event_id}, context.runtime.clock()
    )
    rows: list[Row] = (
        [[(tr._("Clear"), SetByButton(event_id, "clear"))]] if name in CLEARABLE else []
    )
    text = tr._(PROMPTS[name], low=certificates.MIN_PERCENT)
    if name == "completion_percent":
        found = await certificates.rules(context.runtime.db, person, event_id)
        text = event_rule(tr, found) + "\n" + text
        rows = [*percent_buttons(found.percent, lambda share: SetByButton(event_id, f"p{share}"))]
        on = found.needs_survey
        rows.append([survey_button(tr, on, SetByButton(event_id, "s0" if on else "s1"))])
    await say(update, text, rows, edit=True)


def parse(name: str, text: str, context: Context) -> object:
    settings = context.runtime.settings
    if name == "title":
        return builder.clean_title(text)
    if name == "description":
        return builder.clean_text(text, builder.DESCRIPTION_LIMIT, what="description")
    if name == "place":
        return builder.clean_text(text, builder.PLACE_LIMIT, what="place")
    if name == "online_url":
        return builder.clean_url(text)
    if name in ("capacity", "municipality_limit"):
        return builder.parse_count(text)
    if name == "completion_percent":
        return certificates.parse_percent(text)
    if name == "programme":
        return None if text.strip() == "-" else certificates.clean_programme(text)
    if name in ("registration_deadline", "registration_opens_at"):
        moment = builder.parse_moment(text, settings.tz)
        if moment <= context.runtime.clock():
            raise InvalidInput(N_("That time is in the past. Please send a future date."))
        return moment
    raise Stale()


async def apply_rule(
    update: Update, context: Context, event_id: int, name: str, value: object
) -> None:
    person, tr = await who(update, context)
    db = context.runtime.db
    if name == "completion_percent":
        assert isinstance(value, int)
        found = await certificates.set_rules(db, person, event_id, percent=value)
    elif name == "needs_survey":
        found = await certificates.set_rules(db, person, event_id, needs_survey=bool(value))
    elif value is None:
        found = await certificates.set_rules(db, person, event_id, clear_programme=True)
    else:
        found = await certificates.set_rules(db, person, event_id, programme=str(value))
    await dialogs.close_dialog(db, person.id, EDIT)
    wake(context.application)  # an ended event may now issue or revoke certificates
    lines = [event_rule(tr, found)]
    lines.append(
        tr._("Programme (for the funder's report): {name}", name=escape(found.programme or "—"))
    )
    if found.needs_survey and not found.has_survey:
        lines.append(tr._("This event has no feedback survey, so the survey is not required."))
    await say(update, "\n".join(lines))
    await show_card(update, context, event_id, edit=False)


async def show_card(update: Update, context: Context, event_id: int, *, edit: bool) -> None:
    person, tr = await who(update, context)
    event, standing = await registration.event_and_standing(context.runtime.db, person, event_id)
    now = context.runtime.clock()
    text, rows = card_screen(tr, event, person, context.bot.username, standing, now)
    await say(update, text, rows, edit=edit)


async def apply(update: Update, context: Context, event_id: int, name: str, value: object) -> None:
    if name in RULE_FIELDS:
        await apply_rule(update, context, event_id, name, value)
        return
    person, _ = await who(update, context)
    _, promoted = await builder.update_field(
        context.runtime.db, person, event_id, name, value, context.runtime.clock()
    )
    await dialogs.close_dialog(context.runtime.db, person.id, EDIT)
    await tell_promoted(context, promoted)
    await show_card(update, context, event_id, edit=False)


async def typed(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    dialog = person.dialog
    assert dialog is not None
    text = update.effective_message.text if update.effective_message else None
    if not text:
        await say(update, tr._("Please answer with text or the buttons."))
        return
    try:
        value = parse(dialog.step, text, context)
        await apply(update, context, int(dialog.data["event_id"]), dialog.step, value)
    except InvalidInput as error:
        await say(update, explain(tr, error))
    except (Stale, NotAllowed) as error:
        await dialogs.close_dialog(context.runtime.db, person.id, EDIT)
        await say(update, explain(tr, error))


async def set_by_button(update: Update, context: Context, press: SetByButton) -> None:
    person, _ = await who(update, context)
    event_id, choice = press.event_id, press.choice
    if choice in ("a0", "a1"):
        name, value = "needs_approval", choice == "a1"
    elif choice in ("s0", "s1"):
        name, value = "needs_survey", choice == "s1"
    elif choice.startswith("p") and choice[1:].isdigit() and len(choice) <= 4:
        name, value = "completion_percent", int(choice[1:])
    elif choice != "clear":
        raise Stale()
    else:
        dialog = person.dialog
        if dialog is None or dialog.name != EDIT or dialog.data.get("event_id") != event_id:
            raise Stale()
        if dialog.step not in CLEARABLE:
            raise Stale()
        name, value = dialog.step, "" if dialog.step == "description" else None
    await drop_buttons(update)
    await apply(update, context, event_id, name, value)


async def publish(update: Update, context: Context, press: PublishDraft) -> None:
    person, _ = await who(update, context)
    event_id = press.event_id
    await builder.publish(context.runtime.db, person, event_id)
    await show_card(update, context, event_id, edit=True)


def register(application: Application) -> None:  # type: ignore[type-arg]

    on_input(application, EDIT, typed)
    on_press(application, EditEvent, choose_field)
    on_press(application, EditField, ask_value)
    on_press(application, SetByButton, set_by_button)
    on_press(application, PublishDraft, publish)

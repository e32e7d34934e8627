"""Changing an event after it was created: one field at a time, and publishing a draft."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.i18n import N_, Translator
from bot.outbox import wake
from bot.services import certificates, dialogs
from bot.services import event_builder as builder
from bot.services.errors import InvalidInput, NotAllowed, Stale
from bot.services.events import event_for, require_manage
from handlers.certificates import event_rule, percent_buttons, survey_button
from handlers.common import Buttons, Context, drop_buttons, explain, guarded, say, who
from handlers.events import show_card, tell_promoted

EDIT = "edit_event"
FIELD_LABELS: dict[str, str] = {
    "title": N_("Title"),
    "description": N_("Description"),
    "place": N_("Place"),
    "online_url": N_("Online link"),
    "capacity": N_("Seats"),
    "municipality_limit": N_("Seats per municipality"),
    "needs_approval": N_("Approval"),
    "registration_deadline": N_("Registration deadline"),
    "registration_opens_at": N_("Registration opens"),
    "completion_percent": N_("Certificate rule"),
    "programme": N_("Programme"),
}
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


def field_buttons(tr: Translator, event_id: int) -> Buttons:
    fields = [(tr._(label), f"ef:{event_id}:{name}") for name, label in FIELD_LABELS.items()]
    rows = [fields[i : i + 2] for i in range(0, len(fields), 2)]
    rows.append(
        [(tr._("👩‍🏫 Trainers"), f"et:{event_id}"), (tr._("🗓 Sessions"), f"ess:{event_id}")]
    )
    rows.append([(tr._("📄 Copy as a new draft"), f"ecp:{event_id}")])
    rows.append([(tr._("◀ Back"), f"ea:{event_id}")])
    return rows


@guarded
async def choose_field(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event = await event_for(context.runtime.db, person, int(context.matches[0].group(1)))
    require_manage(person, event)
    if person.dialog is not None and person.dialog.name in (EDIT, "event_team"):
        await dialogs.close_dialog(context.runtime.db, person.id, person.dialog.name)
    await say(
        update,
        tr._("What do you want to change in <b>{title}</b>?", title=escape(event.title)),
        field_buttons(tr, event.id),
        edit=True,
    )


@guarded
async def ask_value(update: Update, context: Context) -> None:
    assert context.matches
    person, tr = await who(update, context)
    event_id, name = int(context.matches[0].group(1)), context.matches[0].group(2)
    event = await event_for(context.runtime.db, person, event_id)
    require_manage(person, event)
    if name == "needs_approval":
        rows = [
            [
                (tr._("Yes, I approve"), f"ev:set:{event_id}:a1"),
                (tr._("No, first come first served"), f"ev:set:{event_id}:a0"),
            ]
        ]
        await say(update, tr._(FIELD_LABELS[name]), rows, edit=True)
        return
    await dialogs.open_dialog(
        context.runtime.db, person.id, EDIT, name, {"event_id": event_id}, context.runtime.clock()
    )
    rows = [[(tr._("Clear"), f"ev:set:{event_id}:clear")]] if name in CLEARABLE else []
    text = tr._(PROMPTS[name], low=certificates.MIN_PERCENT)
    if name == "completion_percent":
        found = await certificates.rules(context.runtime.db, person, event_id)
        text = event_rule(tr, found) + "\n" + text
        rows = percent_buttons(found.percent, f"ev:set:{event_id}:p{{}}")
        on = found.needs_survey
        rows.append([survey_button(tr, on, f"ev:set:{event_id}:s{int(not on)}")])
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


@guarded
async def set_by_button(update: Update, context: Context) -> None:
    assert context.matches
    person, _ = await who(update, context)
    event_id, choice = int(context.matches[0].group(1)), context.matches[0].group(2)
    if choice in ("a0", "a1"):
        name, value = "needs_approval", choice == "a1"
    elif choice in ("s0", "s1"):
        name, value = "needs_survey", choice == "s1"
    elif choice.startswith("p"):
        name, value = "completion_percent", int(choice[1:])
    else:
        dialog = person.dialog
        if dialog is None or dialog.name != EDIT or dialog.data.get("event_id") != event_id:
            raise Stale()
        if dialog.step not in CLEARABLE:
            raise Stale()
        name, value = dialog.step, "" if dialog.step == "description" else None
    await drop_buttons(update)
    await apply(update, context, event_id, name, value)


@guarded
async def publish(update: Update, context: Context) -> None:
    assert context.matches
    person, _ = await who(update, context)
    event_id = int(context.matches[0].group(1))
    await builder.publish(context.runtime.db, person, event_id)
    await show_card(update, context, event_id, edit=True)


def register(application: Application) -> None:  # type: ignore[type-arg]
    from handlers.dialogs import on_input

    on_input(EDIT, typed)
    names = "|".join(FIELD_LABELS)
    application.add_handler(CallbackQueryHandler(choose_field, pattern=r"^ee:(\d{1,9})$"))
    application.add_handler(CallbackQueryHandler(ask_value, pattern=rf"^ef:(\d{{1,9}}):({names})$"))
    choices = r"a0|a1|s0|s1|p\d{1,3}|clear"
    application.add_handler(
        CallbackQueryHandler(set_by_button, pattern=rf"^ev:set:(\d{{1,9}}):({choices})$")
    )
    application.add_handler(CallbackQueryHandler(publish, pattern=r"^ev:pub:(\d{1,9})$"))

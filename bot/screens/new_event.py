"""/new_event, the guided conversation: its buttons, each step's buttons and the preview."""

from __future__ import annotations

from html import escape

from bot.buttons import Button, button
from bot.i18n import Translator
from bot.screens.certificates import percent_buttons, rule_sentence, survey_button
from bot.screens.keyboard import Row, Rows
from bot.services import event_wizard as wizard_service
from bot.services.event_wizard import Step, Wizard


@button("nw:restart")
class Restart(Button):
    pass


@button("nw:resume")
class Resume(Button):
    pass


@button("nw")
class Choose(Button):
    """A button answer to a step (skip, yes, more, p70...); the wizard service checks it."""

    step: Step
    choice: str


@button("nw:publish")
class Publish(Button):
    pass


@button("nw:draft")
class SaveDraft(Button):
    pass


@button("nw:cancel")
class Discard(Button):
    pass


def step_buttons(tr: Translator, wizard: Wizard) -> Rows:
    step = wizard.step
    rows: list[Row] = []
    if step is Step.CERTIFICATE:
        draft = wizard.draft()
        percent = draft.completion_percent
        rows.append(
            [(tr._("✅ Keep {percent} %", percent=percent), Choose(Step.CERTIFICATE, "keep"))]
        )
        rows += percent_buttons(percent, lambda share: Choose(Step.CERTIFICATE, f"p{share}"))
        rows.append(
            [survey_button(tr, draft.completion_needs_survey, Choose(Step.CERTIFICATE, "survey"))]
        )
    if step in wizard_service.SKIPPABLE:
        labels = {
            Step.LIMIT: tr._("No limit"),
            Step.DEADLINE: tr._("Until the first session"),
            Step.PROGRAMME: tr._("No programme"),
        }
        rows.append([(labels.get(step, tr._("Skip")), Choose(step, "skip"))])
    if step is Step.APPROVAL:
        rows.append(
            [
                (tr._("Yes, I approve"), Choose(Step.APPROVAL, "yes")),
                (tr._("No, first come first served"), Choose(Step.APPROVAL, "no")),
            ]
        )
    if step in (Step.SESSION_START, Step.SESSION_END):
        rows.append([(tr._("↩ Another date"), Choose(step, "redo"))])
    if step is Step.MORE:
        rows.append(
            [
                (tr._("➕ Another session"), Choose(Step.MORE, "more")),
                (tr._("▶ Continue"), Choose(Step.MORE, "done")),
            ]
        )
    rows.append([(tr._("✖ Cancel"), Discard())])
    return rows


def preview_text(tr: Translator, wizard: Wizard) -> str:
    draft = wizard.draft()
    lines = [tr._("<b>Preview</b>"), f"<b>{escape(draft.title)}</b>"]
    if draft.description:
        lines.append(escape(draft.description))
    lines.append(tr._("Place: {value}", value=escape(draft.place or "—")))
    lines.append(tr._("Online: {value}", value=escape(draft.online_url or "—")))
    lines.append(tr._("Seats: {value}", value=draft.capacity))
    lines.append(tr._("Per municipality: {value}", value=draft.municipality_limit or "—"))
    lines.append(
        tr._("Approval needed: {value}", value=tr._("yes") if draft.needs_approval else tr._("no"))
    )
    closes = draft.registration_deadline
    lines.append(
        tr._(
            "Registration until: {value}",
            value=tr.until_datetime(closes) if closes else tr._("the first session"),
        )
    )
    for number, item in enumerate(draft.sessions, start=1):
        lines.append(
            f"{number}. {tr.short_date(item.starts_at)}, "
            f"{tr.time(item.starts_at)}–{tr.time(item.ends_at)}"
        )
    lines.append(rule_sentence(tr, draft.completion_percent, draft.completion_needs_survey))
    lines.append(
        tr._("Programme (for the funder's report): {name}", name=escape(draft.programme or "—"))
    )
    return "\n".join(lines)

"""The command list, /help and the main menu: each shows only what the user's role can do."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from telegram import Update

from bot.i18n import N_, Translator
from bot.services.users import Person, Role
from handlers.common import Buttons, say


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    role: Role | None = None  # None: everyone


COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Start or open the main menu")),
    Command("help", N_("What I can do")),
    Command("cancel", N_("Stop what you are doing (a question, a form)")),
    Command("events", N_("Upcoming trainings")),
    Command("my", N_("My registrations and hours")),
    Command("hours", N_("My learning record: hours by year and certificates")),
    Command("verify", N_("Check a certificate by its code")),
    Command("checkin", N_("Check in to a session with the trainer's code")),
    Command("faq", N_("Frequently asked questions; /faq words searches them")),
    Command("profile", N_("Your profile and language")),
    Command("settings", N_("Reminders: on or off")),
    Command("privacy", N_("What is stored about you and why")),
    Command("mydata", N_("Download everything stored about you")),
    Command("forget", N_("Delete your personal data")),
    Command("remind", N_("Send an announcement to a training's participants"), Role.TRAINER),
    Command("new_event", N_("Create a training"), Role.ORGANISER),
    Command("results", N_("Feedback survey results of your trainings"), Role.TRAINER),
    Command("funder", N_("Funder's report for a programme or a period (XLSX)"), Role.ORGANISER),
    Command("templates", N_("Feedback survey templates"), Role.ORGANISER),
    Command("users", N_("List users by role"), Role.ADMIN),
    Command("grant", N_("Give someone a role"), Role.ADMIN),
    Command("revoke", N_("Take a role away"), Role.ADMIN),
    Command("audit", N_("Latest role changes"), Role.ADMIN),
    Command("questions", N_("Open questions for the organisers"), Role.ORGANISER),
    Command("faqadd", N_("Add an FAQ entry"), Role.ORGANISER),
)

# (label, callback data, role needed) for the main menu's buttons.
MENU: tuple[tuple[str, str, Role | None], ...] = (
    (N_("📅 Trainings"), "menu:events", None),
    (N_("📋 My registrations"), "menu:my", None),
    (N_("👤 Profile"), "menu:profile", None),
    (N_("🔒 Privacy"), "menu:privacy", None),
    (N_("📚 FAQ"), "menu:faq", None),
    (N_("❓ Help"), "menu:help", None),
    (N_("👥 Users"), "menu:users", Role.ADMIN),
    (N_("📜 Role changes"), "menu:audit", Role.ADMIN),
    (N_("📨 Open questions"), "menu:questions", Role.ORGANISER),
)


def visible(person: Person | None, role: Role | None) -> bool:
    return role is None or (person is not None and person.can(role))


def public_commands() -> list[Command]:
    return [command for command in COMMANDS if command.role is None]


def help_text(person: Person | None, tr: Translator) -> str:
    lines = [tr._("<b>What I can do</b>")]
    lines += [
        f"/{command.name} — {tr._(command.description)}"
        for command in COMMANDS
        if visible(person, command.role)
    ]
    return "\n".join(lines)


def menu_buttons(person: Person, tr: Translator) -> Buttons:
    labels = [(tr._(label), data) for label, data, role in MENU if visible(person, role)]
    return [labels[i : i + 2] for i in range(0, len(labels), 2)]


async def show_menu(update: Update, person: Person, tr: Translator, *, edit: bool = False) -> None:
    text = tr._(
        "<b>Main menu</b>, {name}. What would you like to do?", name=escape(person.full_name or "")
    )
    await say(update, text, menu_buttons(person, tr), edit=edit)

"""The command list, /help and the main menu: each shows only what the user's role can do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from html import escape

from bot.buttons import Button, button
from bot.i18n import N_, Translator
from bot.screens.keyboard import Data, Row, Rows
from bot.services.users import Person, Role


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


class Item(StrEnum):
    """A main menu button opens what the command of the same name shows (home: /start)."""

    HOME = "home"
    EVENTS = "events"
    MY = "my"
    PROFILE = "profile"
    PRIVACY = "privacy"
    FAQ = "faq"
    USERS = "users"
    AUDIT = "audit"
    QUESTIONS = "questions"

    @property
    def command(self) -> str:
        return "start" if self is Item.HOME else self.value


@button("menu")
class MenuButton(Button):
    item: Item


@button("menu:help", before_onboarding=True)
class HelpButton(Button):
    """/help as a button: it works before onboarding is finished."""


# (label, button, role needed) for the main menu's buttons.
MENU: tuple[tuple[str, Data, Role | None], ...] = (
    (N_("📅 Trainings"), MenuButton(Item.EVENTS), None),
    (N_("📋 My registrations"), MenuButton(Item.MY), None),
    (N_("👤 Profile"), MenuButton(Item.PROFILE), None),
    (N_("🔒 Privacy"), MenuButton(Item.PRIVACY), None),
    (N_("📚 FAQ"), MenuButton(Item.FAQ), None),
    (N_("❓ Help"), HelpButton(), None),
    (N_("👥 Users"), MenuButton(Item.USERS), Role.ADMIN),
    (N_("📜 Role changes"), MenuButton(Item.AUDIT), Role.ADMIN),
    (N_("📨 Open questions"), MenuButton(Item.QUESTIONS), Role.ORGANISER),
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


def menu_buttons(person: Person, tr: Translator) -> Rows:
    labels: list[tuple[str, Data]] = [
        (tr._(label), data) for label, data, role in MENU if visible(person, role)
    ]
    rows: list[Row] = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    return rows


def main_menu(person: Person, tr: Translator) -> tuple[str, Rows]:
    text = tr._(
        "<b>Main menu</b>, {name}. What would you like to do?", name=escape(person.full_name or "")
    )
    return text, menu_buttons(person, tr)

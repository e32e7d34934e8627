"""/start and /help."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import N_, Translator
from handlers.common import Context, who

# (command, description) as shown in /help and in Telegram's command menu.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start or restart the assistant")),
    ("help", N_("What I can do")),
)


def help_text(tr: Translator) -> str:
    lines = [tr._("<b>What I can do</b>")]
    lines += [f"/{command} — {tr._(description)}" for command, description in COMMANDS]
    return "\n".join(lines)


async def start(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    greeting = tr._(
        "Hello, {name}! I am Kopiena, the assistant of Latvia's social work community: "
        "trainings, reminders, feedback and answers to common questions.",
        name=escape(person.first_name),
    )
    await update.effective_message.reply_text(f"{greeting}\n\n{help_text(tr)}")


async def show_help(update: Update, context: Context) -> None:
    _, tr = await who(update, context)
    await update.effective_message.reply_text(help_text(tr))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", show_help))

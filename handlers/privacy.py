"""/privacy, /mydata and /forget."""

from __future__ import annotations

import json
from html import escape

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.screens.privacy import ForgetCancelled, ForgetConfirmed
from bot.services import privacy
from handlers.common import Context, drop_buttons, guarded, say, who
from handlers.events import tell_promoted


@guarded
async def privacy_command(update: Update, context: Context) -> None:
    _, tr = await who(update, context)
    settings = context.runtime.settings
    unset = tr._("not set yet: please ask the admins")
    text = "\n\n".join(
        [
            tr._("<b>Your data in Kopiena</b>"),
            tr._(
                "<b>What is stored.</b> Your Telegram id and language from the first "
                "message; after you agree, your full name, municipality, workplace "
                "(optional) and Telegram username."
            ),
            tr._(
                "<b>Why.</b> Organisers need to know who registers and attends trainings, "
                "and EU-funded projects must report attendance and feedback by "
                "municipality. Your username lets an admin find you to give you a role."
            ),
            tr._(
                "<b>Who sees it.</b> Organisers and trainers of the events you register "
                "for, and the admins. It is never sold or shared outside the programme."
            ),
            tr._(
                "<b>Your rights.</b> /mydata sends you a file with everything stored about "
                "you. /forget deletes your personal data; only anonymous counts (for "
                "example, one participant from your municipality) stay in reports."
            ),
            tr._(
                "<b>Who is responsible.</b> Data controller: {controller}. "
                "Questions about your data: {contact}.",
                controller=escape(settings.data_controller or unset),
                contact=escape(settings.data_contact or unset),
            ),
            tr.ngettext(
                "<b>How long.</b> Your data is kept at most {count} month after you last "
                "use Kopiena; /forget deletes it sooner.",
                "<b>How long.</b> Your data is kept at most {count} months after you last "
                "use Kopiena; /forget deletes it sooner.",
                settings.retention_months,
            )
            if settings.retention_months
            else tr._("<b>How long.</b> Your data is kept until you delete it with /forget."),
        ]
    )
    await say(update, text)


@guarded
async def my_data(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    data = await privacy.export(context.runtime.db, person)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode()
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(content, filename="kopiena-my-data.json"),
        caption=tr._("Everything Kopiena stores about you."),
    )


@guarded
async def forget_command(update: Update, context: Context) -> None:
    _, tr = await who(update, context)
    text = tr._(
        "This deletes your name, workplace, username, Telegram id, roles and settings. "
        "Reports keep only anonymous counts (your municipality, without your name). "
        "It cannot be undone. Delete your data?"
    )
    text = "\n\n".join(
        [
            tr._(
                "Your registrations for trainings still to come are cancelled first; a seat "
                "you hold goes to the next person waiting."
            ),
            text,
        ]
    )
    rows = [[(tr._("🗑 Yes, delete"), ForgetConfirmed()), (tr._("No, keep it"), ForgetCancelled())]]
    await say(update, text, rows)


@guarded
async def forget_confirmed(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    await drop_buttons(update)
    runtime = context.runtime
    runtime.forgotten_chats.add(person.telegram_id)  # stops messages already being sent
    forgotten = await privacy.forget(runtime.db, person, runtime.clock())
    await say(update, tr._("Your personal data has been deleted. Send /start to begin again."))
    await tell_promoted(context, forgotten.promoted)


@guarded
async def forget_cancelled(update: Update, context: Context) -> None:
    _, tr = await who(update, context)
    await drop_buttons(update)
    await say(update, tr._("Nothing was deleted."))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("privacy", privacy_command))
    application.add_handler(CommandHandler("mydata", my_data))
    application.add_handler(CommandHandler("forget", forget_command))
    application.add_handler(CallbackQueryHandler(forget_confirmed, pattern=r"^fg:yes$"))
    application.add_handler(CallbackQueryHandler(forget_cancelled, pattern=r"^fg:no$"))

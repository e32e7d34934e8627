"""The catalogue, event cards, registering, the waiting list and /my."""

from __future__ import annotations

from datetime import datetime
from html import escape

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler

from bot.i18n import Translator
from bot.screens.certificates import progress_note
from bot.screens.events import (
    AskToCancel,
    AskToRegister,
    CalendarFile,
    CataloguePage,
    ConfirmCancel,
    ConfirmRegistration,
    MyList,
    OpenCard,
)
from bot.services import events as events_service
from bot.services import my_trainings, registration
from bot.services.calendar import event_calendar
from bot.services.certificates import Progress
from bot.services.certificates import progress as certificate_progress
from bot.services.events import EventStatus, EventView, RegStatus, can_manage, can_staff
from bot.services.ids import parse_id
from bot.services.municipalities import get as municipality
from bot.services.my_trainings import Card
from bot.services.registration import Closed, Outcome, Promotion, Standing
from bot.services.users import Person
from handlers.common import Buttons, Context, deep_links, explain, guarded, on_press, say, who
from handlers.notify import notify
from handlers.paging import navigation
from handlers.surveys import start_data

MAX_SESSIONS_ON_CARD = 8
DESCRIPTION_ON_CARD = 600


def hours_text(tr: Translator, hours: float) -> str:
    """'2 st. 20 min' / '2 h 20 min': hours and minutes, never decimal hours."""
    return tr.duration(hours * 60)


def dates_text(tr: Translator, event: EventView) -> str:
    if event.starts_at is None or event.ends_at is None:
        return tr._("no sessions yet")
    return tr.date_range(event.starts_at, event.ends_at)


def session_line(tr: Translator, event: EventView, index: int) -> str:
    session = event.sessions[index]
    start, end = tr.time(session.starts_at), tr.time(session.ends_at)
    line = f"• {tr.short_date(session.starts_at)}, {start}–{end}"
    if session.place and session.place != event.place:
        line += f" ({escape(session.place)})"
    return line


def seats_text(tr: Translator, event: EventView) -> str:
    if event.seats_left > 0:
        return tr._(
            "🪑 Seats left: {left} of {capacity}", left=event.seats_left, capacity=event.capacity
        )
    if event.waiting == 0:
        return tr._("🪑 No seats left; the waiting list is empty")
    return tr.ngettext(
        "🪑 Full — waiting list ({count} waiting)",
        "🪑 Full — waiting list ({count} waiting)",
        event.waiting,
    )


def municipality_full_text(tr: Translator, event: EventView, code: str | None) -> str:
    place = municipality(code or "")
    return tr._(
        "🏘 No seats are left for {municipality} (at most {limit} per municipality).",
        municipality=escape(place.name if place else code or "—"),
        limit=event.municipality_limit,
    )


def standing_text(tr: Translator, standing: Standing) -> str | None:
    if standing.status == RegStatus.CONFIRMED:
        return tr._("✅ You have a seat at this training.")
    if standing.status == RegStatus.WAITING:
        return tr._("⏳ You are number {position} on the waiting list.", position=standing.position)
    if standing.status == RegStatus.PENDING:
        return tr._("📨 Your request is waiting for the organiser's decision.")
    return None


def registration_state(
    tr: Translator, event: EventView, person: Person, standing: Standing | None, now: datetime
) -> list[str]:
    """What the person can do about registering, and why not when they cannot."""
    if event.status != EventStatus.PUBLISHED or standing is None:
        return []
    mine = standing_text(tr, standing)
    if mine:
        return [mine]
    try:
        registration.check_open(event, now)
    except Closed as error:
        return [f"⏳ {explain(tr, error)}"]
    lines = []
    if event.closes_at:
        lines.append(tr._("⏳ Registration until {when}", when=tr.until_datetime(event.closes_at)))
    if standing.municipality_full and event.seats_left > 0:
        lines.append(municipality_full_text(tr, event, person.municipality))
    return lines


def card_text(
    tr: Translator,
    event: EventView,
    person: Person,
    bot_username: str,
    standing: Standing | None = None,
    now: datetime | None = None,
) -> str:
    lines = [f"<b>{escape(event.title)}</b>"]
    if event.status == EventStatus.DRAFT:
        lines.append(tr._("📝 Draft: not visible to participants"))
    elif event.status == EventStatus.CANCELLED:
        lines.append(tr._("❌ Cancelled"))
    lines.append(f"📅 {dates_text(tr, event)}")
    if event.place:
        lines.append(f"📍 {escape(event.place)}")
    if event.online_url:
        lines.append(tr._("💻 Online: {url}", url=escape(event.online_url)))
    lines.append(seats_text(tr, event))
    if event.municipality_limit:
        lines.append(tr._("🏘 At most {limit} per municipality", limit=event.municipality_limit))
    if now is None:
        if event.closes_at:
            until = tr.until_datetime(event.closes_at)
            lines.append(tr._("⏳ Registration until {when}", when=until))
    else:
        lines += registration_state(tr, event, person, standing, now)
    if event.needs_approval:
        lines.append(tr._("✋ Registrations are approved by the organiser"))
    total = len(event.sessions)
    lines.append("")
    lines.append(
        tr.ngettext(
            "<b>{count} session</b>, {duration} in all",
            "<b>{count} sessions</b>, {duration} in all",
            total,
            duration=hours_text(tr, event.total_hours),
        )
    )
    lines += [session_line(tr, event, i) for i in range(min(total, MAX_SESSIONS_ON_CARD))]
    if total > MAX_SESSIONS_ON_CARD:
        lines.append(
            tr.ngettext(
                "… and {count} more session",
                "… and {count} more sessions",
                total - MAX_SESSIONS_ON_CARD,
            )
        )
    if event.description:
        description = event.description
        if len(description) > DESCRIPTION_ON_CARD:
            description = description[:DESCRIPTION_ON_CARD].rsplit(" ", 1)[0] + "…"
        lines += ["", escape(description)]
    if can_staff(person, event):
        link = f"https://t.me/{bot_username}?start=event_{event.id}"
        lines += ["", tr._("🔗 Link to this event: {link}", link=link)]
    return "\n".join(lines)


def register_button(
    tr: Translator, event: EventView, standing: Standing | None, now: datetime | None
) -> tuple[str, str] | None:
    if event.status != EventStatus.PUBLISHED:
        return None
    if standing is not None and standing.registration_id is not None:
        return (tr._("✖ Cancel my registration"), AskToCancel(standing.registration_id).pack())
    if now is not None:
        try:
            registration.check_open(event, now)
        except Closed:
            return None
    if standing is not None and standing.municipality_full and not event.needs_approval:
        return (tr._("⏳ Join the waiting list"), AskToRegister(event.id).pack())
    return (tr._("📝 Register"), AskToRegister(event.id).pack())


def card_buttons(
    tr: Translator,
    event: EventView,
    person: Person,
    standing: Standing | None = None,
    now: datetime | None = None,
) -> Buttons:
    rows: list[list[tuple[str, str]]] = []
    button = register_button(tr, event, standing, now)
    if button:
        rows.append([button])
    if event.status == EventStatus.DRAFT and can_manage(person, event):
        rows.append([(tr._("✅ Publish"), f"ev:pub:{event.id}")])
    rows.append([(tr._("📆 Add to calendar"), CalendarFile(event.id).pack())])
    if can_staff(person, event):
        rows.append([(tr._("⚙️ Manage"), f"ea:{event.id}")])
    rows.append([(tr._("◀ All events"), CataloguePage(0).pack())])
    return rows


async def show_card(update: Update, context: Context, event_id: int, *, edit: bool) -> None:
    person, tr = await who(update, context)
    event, standing = await registration.event_and_standing(context.runtime.db, person, event_id)
    now = context.runtime.clock()
    text = card_text(tr, event, person, context.bot.username, standing, now)
    await say(update, text, card_buttons(tr, event, person, standing, now), edit=edit)


async def show_catalogue(update: Update, context: Context, page: int, *, edit: bool) -> None:
    _, tr = await who(update, context)
    found, pages = await events_service.upcoming(context.runtime.db, context.runtime.clock(), page)
    if not found:
        await say(update, tr._("There are no upcoming trainings yet."), edit=edit)
        return
    page = min(page, pages - 1)
    lines = [tr._("<b>Upcoming trainings</b>")]
    rows: list[list[tuple[str, str]]] = []
    for event in found:
        when = tr.short_date(event.starts_at) if event.starts_at else "—"
        state = (
            tr._("seats left: {left}", left=event.seats_left)
            if event.seats_left
            else tr._("waiting list")
        )
        lines.append(f"• <b>{escape(event.title)}</b> — {when}; {state}")
        rows.append([(f"{event.title[:40]} · {when}", OpenCard(event.id).pack())])
    if pages > 1:
        rows.append(navigation("evp:", page, pages))
    await say(update, "\n".join(lines), rows, edit=edit)


@guarded
async def events_command(update: Update, context: Context) -> None:
    await show_catalogue(update, context, 0, edit=False)


async def catalogue_page(update: Update, context: Context, press: CataloguePage) -> None:
    await show_catalogue(update, context, press.page, edit=True)


async def card(update: Update, context: Context, press: OpenCard) -> None:
    await show_card(update, context, press.event_id, edit=True)


async def open_event_link(update: Update, context: Context, argument: str) -> None:
    event_id = parse_id(argument)
    if event_id is None:
        _, tr = await who(update, context)
        await say(update, tr._("That link is not valid any more."))
        return
    await show_card(update, context, event_id, edit=False)


async def ask_to_register(update: Update, context: Context, press: AskToRegister) -> None:
    person, tr = await who(update, context)
    event, standing = await registration.event_and_standing(
        context.runtime.db, person, press.event_id
    )
    registration.check_open(event, context.runtime.clock())
    title = escape(event.title)
    rows: Buttons
    if standing.status is not None:
        text = tr._("You are already registered for <b>{title}</b>.", title=title)
        mine = standing_text(tr, standing)
        rows = [[(tr._("◀ Back"), OpenCard(event.id).pack())]]
        await say(update, f"{text}\n{mine}", rows, edit=True)
        return
    if event.needs_approval:
        text = tr._(
            "Ask to join <b>{title}</b>? The organiser will approve or decline.", title=title
        )
        label = tr._("✅ Send request")
    elif event.seats_left > 0 and standing.municipality_full:
        text = (
            municipality_full_text(tr, event, person.municipality)
            + "\n"
            + tr._(
                "Join the waiting list for <b>{title}</b>? You get a seat automatically when "
                "one frees up.",
                title=title,
            )
        )
        label = tr._("⏳ Join the waiting list")
    elif event.seats_left > 0:
        text = tr._(
            "Register for <b>{title}</b> ({dates})?", title=title, dates=dates_text(tr, event)
        )
        label = tr._("✅ Yes, register")
    else:
        text = tr._(
            "<b>{title}</b> is full. Join the waiting list? You get a seat "
            "automatically when one frees up.",
            title=title,
        )
        label = tr._("⏳ Join the waiting list")
    rows = [
        [(label, ConfirmRegistration(event.id).pack())],
        [(tr._("◀ Back"), OpenCard(event.id).pack())],
    ]
    await say(update, text, rows, edit=True)


def outcome_text(tr: Translator, outcome: Outcome, municipality_name: str = "—") -> str:
    title = escape(outcome.event.title)
    if outcome.already:
        prefix = tr._("You are already registered for <b>{title}</b>.", title=title)
        if outcome.status == RegStatus.WAITING:
            return (
                prefix
                + " "
                + tr._("Your place on the waiting list: {position}.", position=outcome.position)
            )
        if outcome.status == RegStatus.PENDING:
            return prefix + " " + tr._("The organiser has not decided yet.")
        return prefix
    if outcome.status == RegStatus.CONFIRMED:
        when = tr.on_datetime(outcome.event.starts_at) if outcome.event.starts_at else ""
        return tr._(
            "✅ You are registered for <b>{title}</b>. It starts on {when}. "
            "The calendar file below has every session.",
            title=title,
            when=when,
        )
    if outcome.status == RegStatus.WAITING and outcome.municipality_full:
        return tr._(
            "⏳ No seats are left for {municipality} (at most {limit} per municipality). "
            "You are number {position} on the waiting list for <b>{title}</b>; I will tell "
            "you as soon as a seat frees up.",
            municipality=escape(municipality_name),
            limit=outcome.event.municipality_limit,
            position=outcome.position,
            title=title,
        )
    if outcome.status == RegStatus.WAITING:
        return tr._(
            "⏳ <b>{title}</b> is full. You are number {position} on the waiting list; "
            "I will tell you as soon as a seat frees up.",
            title=title,
            position=outcome.position,
        )
    return tr._(
        "📨 Your request to join <b>{title}</b> has been sent. I will tell you when "
        "the organiser decides.",
        title=title,
    )


async def send_calendar(update: Update, context: Context, event: EventView) -> None:
    chat = update.effective_chat
    assert chat is not None
    content = event_calendar(event, context.runtime.settings.tz, context.runtime.clock())
    await chat.send_document(InputFile(content, filename=f"kopiena-event-{event.id}.ics"))


async def confirm_registration(
    update: Update, context: Context, press: ConfirmRegistration
) -> None:
    person, tr = await who(update, context)
    outcome = await registration.register(
        context.runtime.db, person, press.event_id, context.runtime.clock()
    )
    place = municipality(person.municipality or "")
    text = outcome_text(tr, outcome, place.name if place else person.municipality or "—")
    await say(update, text, [[(tr._("📋 My registrations"), MyList().pack())]], edit=True)
    if outcome.status == RegStatus.CONFIRMED and not outcome.already:
        await send_calendar(update, context, outcome.event)
    if outcome.status == RegStatus.PENDING and not outcome.already:
        await ask_organiser(context, outcome, person)


async def ask_organiser(context: Context, outcome: Outcome, person: Person) -> None:
    from handlers.event_staff import approval_request

    await approval_request(context, outcome, person)


async def calendar_file(update: Update, context: Context, press: CalendarFile) -> None:
    person, _ = await who(update, context)
    event = await events_service.event_for(context.runtime.db, person, press.event_id)
    await send_calendar(update, context, event)


async def tell_promoted(context: Context, promotions: list[Promotion]) -> None:
    for promotion in promotions:
        event = promotion.event
        calendar = event_calendar(event, context.runtime.settings.tz, context.runtime.clock())
        await notify(
            context,
            promotion.recipient,
            lambda tr, e=event: tr._(
                "🎉 A seat has freed up: you are now registered for <b>{title}</b>.",
                title=escape(e.title),
            ),
            document=(calendar, f"kopiena-event-{event.id}.ics"),
        )


def status_text(tr: Translator, status: RegStatus, position: int | None) -> str:
    if status == RegStatus.CONFIRMED:
        return tr._("registered")
    if status == RegStatus.WAITING:
        return tr._("waiting list, place {position}", position=position)
    return tr._("waiting for approval")


MY_CARDS = 10


def my_card(
    tr: Translator, card: Card, now: datetime, toward: Progress | None = None
) -> tuple[str, Buttons]:
    """One registration: status, next session, place or link, hours and what the
    certificate still needs; and its buttons."""
    item, event = card.item, card.event_view
    lines = [f"<b>{escape(event.title)}</b>"]
    if event.status == EventStatus.CANCELLED:
        lines.append(tr._("❌ Cancelled"))
    else:
        standing = Standing(item.id, item.status, item.position, False)
        lines.append(standing_text(tr, standing) or "")
    session = card.next_session
    if session is not None and event.status != EventStatus.CANCELLED:
        when = f"{tr.short_date(session.starts_at)}, {tr.time(session.starts_at)}–"
        when += tr.time(session.ends_at)
        lines.append(tr._("🗓 Next session: {when}", when=when))
        place = session.place or event.place
        if place:
            lines.append(f"📍 {escape(place)}")
        if event.online_url:
            lines.append(tr._("💻 Online: {url}", url=escape(event.online_url)))
    if item.status == RegStatus.CONFIRMED and event.total_hours:
        lines.append(
            "⏱ "
            + tr._(
                "{attended} of {total} attended",
                attended=hours_text(tr, item.attended_hours),
                total=hours_text(tr, event.total_hours),
            )
            + progress_note(tr, toward)
        )
    rows: list[list[tuple[str, str]]] = []
    if card.checkin_open:
        rows.append([(tr._("✅ Check in now"), "my:ci")])
    for found in card.surveys:
        label = tr._("📝 Feedback: session {number}", number=found.target.number)
        rows.append([(label, start_data(found.target))])
    rows.append(
        [
            (tr._("ℹ️ Event card"), OpenCard(event.id).pack()),
            (tr._("📆 Calendar"), CalendarFile(event.id).pack()),
        ]
    )
    if event.status == EventStatus.PUBLISHED:
        rows.append([(tr._("✖ Cancel my registration"), AskToCancel(item.id).pack())])
    return "\n".join(lines), rows


async def show_mine(update: Update, context: Context, *, edit: bool) -> None:
    person, tr = await who(update, context)
    now = context.runtime.clock()
    found = await my_trainings.cards(context.runtime.db, person, now)
    if not found:
        await say(
            update,
            tr._("You have no registrations. See /events for upcoming trainings."),
            edit=edit,
        )
        return
    header = tr._("<b>My registrations</b>")
    if len(found) > MY_CARDS:
        header += "\n" + tr.ngettext(
            "The {count} nearest are shown.", "The {count} nearest are shown.", MY_CARDS
        )
    await say(update, header, edit=edit)
    toward = await certificate_progress(
        context.runtime.db, person.id, [card.event_view.id for card in found[:MY_CARDS]]
    )
    for card in found[:MY_CARDS]:
        text, rows = my_card(tr, card, now, toward.get(card.event_view.id))
        await say(update, text, rows)


@guarded
async def my_command(update: Update, context: Context) -> None:
    await show_mine(update, context, edit=False)


async def my_list(update: Update, context: Context, press: MyList) -> None:
    await show_mine(update, context, edit=False)


async def ask_to_cancel(update: Update, context: Context, press: AskToCancel) -> None:
    person, tr = await who(update, context)
    registration_id = press.registration_id
    mine = {
        r.id: r
        for r in await registration.mine(context.runtime.db, person, context.runtime.clock())
    }
    item = mine.get(registration_id)
    if item is None:
        raise registration.Stale()
    rows = [
        [
            (tr._("✖ Yes, cancel"), ConfirmCancel(registration_id).pack()),
            (tr._("No, keep it"), MyList().pack()),
        ]
    ]
    await say(
        update,
        tr._("Cancel your registration for <b>{title}</b>?", title=escape(item.event.title)),
        rows,
        edit=True,
    )


async def confirm_cancel(update: Update, context: Context, press: ConfirmCancel) -> None:
    person, tr = await who(update, context)
    result = await registration.cancel(
        context.runtime.db, person, press.registration_id, context.runtime.clock()
    )
    await say(
        update,
        tr._(
            "Your registration for <b>{title}</b> is cancelled.", title=escape(result.event.title)
        ),
        edit=True,
    )
    await tell_promoted(context, result.promoted)


def register(application: Application) -> None:  # type: ignore[type-arg]
    deep_links(application)["event"] = open_event_link
    application.add_handler(CommandHandler("events", events_command))
    application.add_handler(CommandHandler("my", my_command))
    on_press(application, CataloguePage, catalogue_page)
    on_press(application, OpenCard, card)
    on_press(application, AskToRegister, ask_to_register)
    on_press(application, ConfirmRegistration, confirm_registration)
    on_press(application, CalendarFile, calendar_file)
    on_press(application, MyList, my_list)
    on_press(application, AskToCancel, ask_to_cancel)
    on_press(application, ConfirmCancel, confirm_cancel)

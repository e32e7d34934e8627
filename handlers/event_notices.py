"""Notices to registrants queued by `kopiena events import` (the outbox sends them): the
event was cancelled, a session moved, or a seat freed up."""

from __future__ import annotations

from datetime import datetime
from html import escape

from telegram.ext import Application

from bot.i18n import Translator
from bot.outbox import Due, Outgoing, register_renderer
from bot.runtime import Runtime
from bot.screens.events import CalendarFile, promoted_text
from bot.screens.keyboard import packed
from bot.services.event_import import NOTICE_KIND, notice_target
from bot.services.events import ACTIVE, RegStatus

ACTIVE_VALUES = {s.value for s in ACTIVE}


def _when(tr: Translator, iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    return f"{tr.short_date(moment)}, {tr.time(moment)}"


async def render_notice(runtime: Runtime, due: Due, tr: Translator) -> Outgoing | None:
    found = await notice_target(runtime.db, due.ref_id, due.user_id)
    if found is None:
        return None
    event, status = found
    title = escape(event.title)
    calendar = packed([[(tr._("📆 Add to calendar"), CalendarFile(event.id))]])
    what = due.payload.get("what")
    if what == "cancelled":
        return Outgoing(
            tr._("❌ <b>{title}</b> has been cancelled. Sorry for the inconvenience.", title=title)
        )
    if what == "promoted" and status == RegStatus.CONFIRMED.value:
        return Outgoing(promoted_text(tr, title), calendar)
    if what == "moved" and status in ACTIVE_VALUES:
        lines = [tr._("🗓 The schedule of <b>{title}</b> has changed:", title=title)]
        lines += [
            "• " + tr._("{when}: no longer held", when=_when(tr, iso))
            for iso in due.payload.get("gone", [])
        ]
        lines += [
            "• " + tr._("{when}: new session", when=_when(tr, iso))
            for iso in due.payload.get("new", [])
        ]
        lines.append(tr._("Your registration stays as it is."))
        return Outgoing("\n".join(lines), calendar)
    return None


def register(application: Application) -> None:  # type: ignore[type-arg]
    register_renderer(application, NOTICE_KIND, render_notice)

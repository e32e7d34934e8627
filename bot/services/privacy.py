"""What we store about a person, a copy of it for them, and forgetting it on request."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import certificates, faq_questions, learning_record, municipalities
from bot.services.users import Person
from storage.models import (
    Attendance,
    Dialog,
    Event,
    Registration,
    ReminderMute,
    RoleAudit,
    SurveyAnswer,
    SurveyResponse,
    User,
    UserRole,
    utcnow,
)
from storage.models import Session as EventSession

RIGA = ZoneInfo("Europe/Riga")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def export(db: async_sessionmaker[AsyncSession], person: Person) -> dict[str, Any]:
    """Everything stored about this person, as plain JSON-ready data."""
    async with db() as session:
        user = await session.get(User, person.id)
        assert user is not None
        roles = await session.scalars(select(UserRole).where(UserRole.user_id == user.id))
        audit = await session.scalars(
            select(RoleAudit).where(RoleAudit.target_id == user.id).order_by(RoleAudit.at)
        )
        municipality = municipalities.get(user.municipality or "")
        return {
            "profile": {
                "telegram_id": user.telegram_id,
                "username": user.username,
                "full_name": user.full_name,
                "municipality": municipality.name if municipality else user.municipality,
                "workplace": user.workplace,
                "language": user.language,
                "telegram_language": user.telegram_language,
                "consented_at": _iso(user.consented_at),
                "onboarded_at": _iso(user.onboarded_at),
                "created_at": _iso(user.created_at),
                "updated_at": _iso(user.updated_at),
            },
            "roles": [{"role": r.role, "granted_at": _iso(r.granted_at)} for r in roles],
            "role_changes": [{"action": a.action, "role": a.role, "at": _iso(a.at)} for a in audit],
            "faq_questions": await faq_questions.questions_of(session, user.id),
            "registrations": await _registrations(session, user.id),
            "attendance": await _attendance(session, user.id),
            "survey_answers": await _named_answers(session, user.id),
            # Certificates and the learning record (bot/services/learning_record.py).
            "learning_record": await learning_record.export(session, user.id, RIGA),
            "certificates": [
                {"code": certificates.format_code(c.code), "event": c.event_title, "valid": c.valid}
                for c in await certificates.of_user(session, user.id)
            ],
            "reminders_muted_for_events": sorted(
                await session.scalars(
                    select(ReminderMute.event_id).where(ReminderMute.user_id == user.id)
                )
            ),
        }


async def _registrations(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Event.title, Registration.status, Registration.created_at)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.user_id == user_id)
        .order_by(Registration.created_at)
    )
    return [{"event": t, "status": s, "registered_at": _iso(at)} for t, s, at in rows]


async def _attendance(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Event.title, EventSession.starts_at, Attendance.present)
        .join(EventSession, EventSession.id == Attendance.session_id)
        .join(Event, Event.id == EventSession.event_id)
        .where(Attendance.user_id == user_id)
        .order_by(EventSession.starts_at)
    )
    return [{"event": t, "session": _iso(at), "present": p} for t, at, p in rows]


async def _named_answers(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    """Answers to named surveys (anonymous answers are linked to nobody, so not to you)."""
    rows = await session.execute(
        select(
            SurveyResponse.session_id,
            SurveyAnswer.question_id,
            SurveyAnswer.value,
            SurveyAnswer.text,
        )
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyResponse.user_id == user_id)
    )
    return [{"session_id": s, "question_id": q, "value": v, "text": t} for s, q, v, t in rows]


async def forget(db: async_sessionmaker[AsyncSession], person: Person) -> None:
    """Erase personal data. The row stays, anonymous, so counts in reports stay right;
    the municipality stays too because reports are made by municipality."""
    async with db.begin() as session:
        user = await session.get(User, person.id)
        assert user is not None
        await session.execute(delete(UserRole).where(UserRole.user_id == user.id))
        await session.execute(delete(Dialog).where(Dialog.user_id == user.id))
        await faq_questions.forget_questions(session, user.id)
        await session.execute(delete(ReminderMute).where(ReminderMute.user_id == user.id))
        # Certificates stay checkable but verify as "holder data removed".
        await certificates.forget_holder(session, user.id)
        # Named survey answers stay in the results, but as anonymous ones.
        await session.execute(
            update(SurveyResponse)
            .where(SurveyResponse.user_id == user.id)
            .values(user_id=None, started_at=None, updated_at=None, completed_at=None)
        )
        user.telegram_id = None
        user.username = None
        user.full_name = None
        user.workplace = None
        user.telegram_language = None
        user.language = None
        user.forgotten_at = utcnow()

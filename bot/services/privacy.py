"""What we store about a person, a copy of it for them, and forgetting it on request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import certificates, faq_questions, learning_record, municipalities
from bot.services.events import EventStatus, RegStatus, lock_seats
from bot.services.registration import Promotion, promote
from bot.services.users import Person
from storage.db import Database, truncate_wal
from storage.inbox import InboundStatus
from storage.models import (
    Announcement,
    Attendance,
    CheckinAttempts,
    Delivery,
    Event,
    EventSurvey,
    EventTrainer,
    FaqEntry,
    FaqQuestion,
    FaqVote,
    InboundUpdate,
    Registration,
    ReminderMute,
    RoleAudit,
    SurveyAnswer,
    SurveyParticipant,
    SurveyResponse,
    SurveyTemplate,
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
            "anonymous_survey_participation": await _participation(session, user.id),
            "messages_to_you": await _deliveries(session, user.id),
            "checkin_attempts": await _checkin_attempts(session, user.id),
            "faq_votes": [
                {"faq_entry": entry, "helpful": helpful, "at": _iso(at)}
                for entry, helpful, at in await session.execute(
                    select(FaqVote.entry_id, FaqVote.helpful, FaqVote.at).where(
                        FaqVote.user_id == user.id
                    )
                )
            ],
            "as_staff": await _as_staff(session, user.id),
        }


async def _participation(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    """That the person answered an anonymous survey (never what: see docs/privacy.md)."""
    rows = await session.execute(
        select(Event.title, EventSession.starts_at, EventSurvey.anonymous)
        .select_from(SurveyParticipant)
        .join(EventSurvey, EventSurvey.id == SurveyParticipant.survey_id)
        .join(EventSession, EventSession.id == SurveyParticipant.session_id)
        .join(Event, Event.id == EventSurvey.event_id)
        .where(SurveyParticipant.user_id == user_id, EventSurvey.anonymous.is_(True))
        .order_by(EventSession.starts_at)
    )
    return [{"event": title, "session": _iso(at)} for title, at, _ in rows]


async def _deliveries(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Delivery).where(Delivery.user_id == user_id).order_by(Delivery.due_at)
    )
    return [
        {
            "kind": d.kind,
            "status": d.status,
            "due_at": _iso(d.due_at),
            "sent_at": _iso(d.sent_at),
            "attempts": d.attempts,
        }
        for d in rows
    ]


async def _checkin_attempts(session: AsyncSession, user_id: int) -> dict[str, Any] | None:
    row = await session.get(CheckinAttempts, user_id)
    if row is None:
        return None
    return {"wrong_codes_in_a_row": row.failures, "locked_until": _iso(row.locked_until)}


async def _as_staff(session: AsyncSession, user_id: int) -> dict[str, Any]:
    """What the person did or wrote as a trainer, organiser or admin."""
    organised = await session.scalars(select(Event.title).where(Event.organiser_id == user_id))
    trains = await session.scalars(
        select(Event.title)
        .join(EventTrainer, EventTrainer.event_id == Event.id)
        .where(EventTrainer.user_id == user_id)
    )
    announcements = await session.execute(
        select(Event.title, Announcement.text, Announcement.due_at, Announcement.status)
        .join(Event, Event.id == Announcement.event_id)
        .where(Announcement.sender_id == user_id)
        .order_by(Announcement.due_at)
    )
    answers = await session.execute(
        select(FaqQuestion.text, FaqQuestion.answer, FaqQuestion.answered_at).where(
            FaqQuestion.answered_by == user_id
        )
    )
    entries = await session.scalars(select(FaqEntry.key).where(FaqEntry.author_id == user_id))
    templates = await session.scalars(
        select(SurveyTemplate.name).where(SurveyTemplate.author_id == user_id)
    )
    surveys = await session.scalars(
        select(Event.title)
        .join(EventSurvey, EventSurvey.event_id == Event.id)
        .where(EventSurvey.created_by == user_id)
    )
    changes = await session.execute(
        select(RoleAudit.action, RoleAudit.role, RoleAudit.at).where(RoleAudit.actor_id == user_id)
    )
    return {
        "events_organised": list(organised),
        "events_as_trainer": list(trains),
        "announcements": [
            {"event": e, "text": t, "due_at": _iso(at), "status": st}
            for e, t, at, st in announcements
        ],
        "faq_answers": [
            {"question": q, "answer": a, "answered_at": _iso(at)} for q, a, at in answers
        ],
        "faq_entries_written": list(entries),
        "survey_templates": list(templates),
        "surveys_attached_to_events": list(surveys),
        "role_changes_made": [{"action": a, "role": r, "at": _iso(at)} for a, r, at in changes],
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


@dataclass(frozen=True)
class Forgotten:
    telegram_id: int | None
    promoted: list[Promotion]  # people who got the seat the person held: tell them


async def forget(db: Database, person: Person, now: datetime | None = None) -> Forgotten:
    return await forget_user(db, person.id, now)


async def forget_user(db: Database, user_id: int, now: datetime | None = None) -> Forgotten:
    """Erase a person (see docs/privacy.md): registrations for what is still to come are
    ended first (a held seat goes to the next person waiting, a waiting place is freed);
    what happened stays in the reports only as anonymous rows, one stand-in per event, so
    nothing ties one event's row to another's; named survey answers stay, linked to
    nobody; what they wrote as staff stays without their name; then the user row goes
    with every row that hangs on it (deliveries still queued, check-in attempts, survey
    participation, votes, roles, settings)."""
    now = now or utcnow()
    async with db.begin() as session:
        user = await session.get(User, user_id)
        if user is None:
            return Forgotten(None, [])
        telegram_id = user.telegram_id
        # Updates parked after failing keep their content (name, text) for a look: not theirs.
        await session.execute(
            delete(InboundUpdate).where(
                InboundUpdate.lane == telegram_id, InboundUpdate.status == InboundStatus.PARKED
            )
        )
        promoted = await _end_registrations(session, user.id, now)
        await _keep_history_anonymously(session, user.id, now)
        await session.execute(
            update(SurveyResponse)
            .where(SurveyResponse.user_id == user.id)
            .values(user_id=None, started_at=None, updated_at=None, completed_at=None)
        )
        await faq_questions.forget_questions(session, user.id)
        for column in (
            Event.organiser_id,
            Announcement.sender_id,
            FaqEntry.author_id,
            FaqQuestion.answered_by,
            SurveyTemplate.author_id,
            EventSurvey.created_by,
        ):
            await session.execute(
                update(column.class_).where(column == user.id).values({column.key: None})
            )
        await session.execute(
            update(RoleAudit).where(RoleAudit.actor_id == user.id).values(actor_id=None)
        )
        await session.execute(
            update(RoleAudit).where(RoleAudit.target_id == user.id).values(target_id=None)
        )
        await session.execute(delete(User).where(User.id == user.id))  # the rest cascades
    await truncate_wal(db.engine)
    return Forgotten(telegram_id, promoted)


async def _event_over(session: AsyncSession, event_id: int, now: datetime) -> bool:
    event = await session.get(Event, event_id)
    if event is None or event.status in (EventStatus.CANCELLED, EventStatus.FINISHED):
        return True
    last_end = await session.scalar(
        select(func.max(EventSession.ends_at)).where(EventSession.event_id == event_id)
    )
    return last_end is not None and last_end <= now


async def _end_registrations(session: AsyncSession, user_id: int, now: datetime) -> list[Promotion]:
    """Registrations for events still to come: a held seat passes on, the row goes."""
    promoted: list[Promotion] = []
    events = await session.scalars(
        select(Registration.event_id).where(Registration.user_id == user_id)
    )
    await lock_seats(session, *events)
    rows = list(
        await session.scalars(
            select(Registration)
            .where(Registration.user_id == user_id)
            .execution_options(populate_existing=True)
        )
    )
    for registration in rows:
        if await _event_over(session, registration.event_id, now):
            continue
        had_seat = registration.status == RegStatus.CONFIRMED.value
        event_id = registration.event_id
        await session.delete(registration)
        await session.flush()
        if had_seat:
            promoted += await promote(session, event_id, now)
    return promoted


async def _keep_history_anonymously(session: AsyncSession, user_id: int, now: datetime) -> None:
    """Past registrations and attendance move to a fresh, empty stand-in user per event,
    with coarse times (the event's first session), so reports keep their counts."""
    rows = list(await session.scalars(select(Registration).where(Registration.user_id == user_id)))
    for registration in rows:
        sessions = list(
            await session.scalars(
                select(EventSession).where(EventSession.event_id == registration.event_id)
            )
        )
        first = min((s.starts_at for s in sessions), default=now)
        stand_in = User(
            municipality=registration.municipality, forgotten_at=first, created_at=first
        )
        session.add(stand_in)
        await session.flush()
        stand_in.updated_at = first
        registration.user_id = stand_in.id
        registration.created_at = registration.updated_at = first
        for row in sessions:
            await session.execute(
                update(Attendance)
                .where(Attendance.session_id == row.id, Attendance.user_id == user_id)
                .values(user_id=stand_in.id, marked_at=row.starts_at)
            )
        await certificates.move_to_stand_in(session, user_id, registration.event_id, stand_in.id)
    await certificates.forget_holder(session, user_id)
    await session.flush()


INACTIVE_MONTH = timedelta(days=30)


async def forget_inactive(db: Database, months: int, now: datetime) -> int:
    """RETENTION_MONTHS: forget people not seen for `months` months who hold no role and
    no registration for a training still to come; returns how many."""
    if months <= 0:
        return 0
    cutoff = now - INACTIVE_MONTH * months
    async with db() as session:
        candidates = list(
            await session.scalars(
                select(User.id).where(
                    User.telegram_id.is_not(None),
                    func.coalesce(User.last_seen_on, User.created_at) < cutoff,
                    ~User.id.in_(select(UserRole.user_id)),
                )
            )
        )
        idle = []
        for user_id in candidates:
            upcoming = [
                event_id
                for event_id in await session.scalars(
                    select(Registration.event_id).where(Registration.user_id == user_id)
                )
                if not await _event_over(session, event_id, now)
            ]
            if not upcoming:
                idle.append(user_id)
    for user_id in idle:
        await forget_user(db, user_id, now)
    return len(idle)

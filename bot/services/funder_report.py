"""The funder's report: participation by municipality for a programme or a period.

A selection is a programme (every event with that `programme`) or a date range (every
event with a session in it). Organisers report on the events they organise; admins on
all. Cancelled and draft events are left out.

Definitions (the method sheet states them to the reader):
- registered: a confirmed registration for at least one event of the selection;
- attended: marked present at at least one session;
- completed: met the completion rule (hours and, if asked, the survey) of at least one
  event, or holds a valid certificate for one (an organiser may issue one by hand);
- certificates: valid certificates, duplicates not counted;
- hours: hours attended, summed over sessions.
People are counted once across the selection, in the municipality of their latest
registration. Only counts leave this module: no names, no answers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_
from bot.services.certificates import CertificateStatus, standings
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.events import EventStatus, RegStatus
from bot.services.surveys import SURVEY_KIND
from bot.services.users import Person, Role
from bot.survey_kinds.rating import KIND as RATING
from storage.models import (
    Certificate,
    Delivery,
    DeliveryStatus,
    Event,
    EventSurvey,
    Registration,
    SurveyAnswer,
    SurveyParticipant,
    SurveyQuestion,
    SurveyResponse,
    User,
)
from storage.models import Session as EventSession

REPORTED = (EventStatus.PUBLISHED.value, EventStatus.FINISHED.value)


@dataclass
class Counts:
    registered: int = 0
    attended: int = 0
    completed: int = 0
    certificates: int = 0
    minutes: int = 0

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass(frozen=True)
class EventRow:
    event_id: int
    title: str
    programme: str | None
    organiser: str | None
    first: datetime | None
    last: datetime | None
    sessions: int
    total_minutes: int
    percent: int
    counts: Counts
    survey_invited: int
    survey_answered: int


@dataclass(frozen=True)
class QuestionRow:
    texts: dict[str, str]  # language -> wording
    answers: int
    average: float | None


@dataclass
class FunderReport:
    programme: str | None
    since: datetime | None
    until: datetime | None
    events: list[EventRow] = field(default_factory=list)
    municipalities: dict[str | None, Counts] = field(default_factory=dict)
    total: Counts = field(default_factory=Counts)
    questions: list[QuestionRow] = field(default_factory=list)


def require_reporter(actor: Person) -> None:
    if not actor.can(Role.ORGANISER):
        raise NotAllowed()


async def programmes(db: async_sessionmaker[AsyncSession], actor: Person) -> list[tuple[str, int]]:
    """The programmes the actor can report on: (name, an event id that carries it)."""
    require_reporter(actor)
    async with db() as session:
        query = (
            select(Event.programme, func.min(Event.id))
            .where(Event.programme.is_not(None), Event.status.in_(REPORTED))
            .group_by(Event.programme)
            .order_by(Event.programme)
        )
        if not actor.can(Role.ADMIN):
            query = query.where(Event.organiser_id == actor.id)
        return [(name, event_id) for name, event_id in await session.execute(query)]


async def _selected(
    session: AsyncSession,
    actor: Person,
    programme: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[Event]:
    query = select(Event).where(Event.status.in_(REPORTED)).order_by(Event.id)
    if not actor.can(Role.ADMIN):
        query = query.where(Event.organiser_id == actor.id)
    if programme is not None:
        query = query.where(Event.programme == programme)
    if since is not None and until is not None:
        in_range = select(EventSession.event_id).where(
            EventSession.starts_at >= since, EventSession.starts_at < until
        )
        query = query.where(Event.id.in_(in_range))
    return list(await session.scalars(query))


async def build(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    *,
    programme: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    by_event: int | None = None,
) -> FunderReport:
    """The report for a programme (by name, or the programme of event `by_event`) or for
    the events with a session in [since, until)."""
    require_reporter(actor)
    async with db() as session:
        if by_event is not None:
            row = await session.get(Event, by_event)
            programme = row.programme if row is not None else None
            if programme is None:
                raise InvalidInput(N_("This event belongs to no programme."))
        if programme is None and (since is None or until is None or since >= until):
            raise InvalidInput(N_("Choose a programme or a period."))
        events = await _selected(session, actor, programme, since, until)
        report = FunderReport(programme, since, until)
        # person -> (municipality of the latest registration, registration id)
        home: dict[int, tuple[str | None, int]] = {}
        attended: set[int] = set()
        completed: set[int] = set()
        registered: set[int] = set()
        certificates: dict[int, int] = defaultdict(int)
        minutes: dict[int, int] = defaultdict(int)
        for event in events:
            counts = await _event(
                session, event, home, registered, attended, completed, certificates, minutes
            )
            report.events.append(await _event_row(session, event, counts))
        for user_id in registered:
            place = home[user_id][0]
            counts = report.municipalities.setdefault(place, Counts())
            for target in (counts, report.total):
                target.registered += 1
                target.attended += user_id in attended
                target.completed += user_id in completed
                target.certificates += certificates.get(user_id, 0)
                target.minutes += minutes.get(user_id, 0)
        report.questions = await _questions(session, [e.id for e in events])
        return report


async def _event(
    session: AsyncSession,
    event: Event,
    home: dict[int, tuple[str | None, int]],
    registered: set[int],
    attended: set[int],
    completed: set[int],
    certificates: dict[int, int],
    minutes: dict[int, int],
) -> Counts:
    """One event's counts; adds its people to the selection-wide tallies."""
    counts = Counts()
    for user_id, municipality, fallback, registration_id in await session.execute(
        select(Registration.user_id, Registration.municipality, User.municipality, Registration.id)
        .join(User, User.id == Registration.user_id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegStatus.CONFIRMED.value,
        )
    ):
        place = municipality or fallback
        if user_id not in home or home[user_id][1] < registration_id:
            home[user_id] = (place, registration_id)
    holders: dict[int, int] = defaultdict(int)  # valid certificates, duplicates not counted
    for user_id, number in await session.execute(
        select(Certificate.user_id, Certificate.number).where(
            Certificate.event_id == event.id, Certificate.status == CertificateStatus.VALID
        )
    ):
        holders[user_id] += number == 1
    for standing in await standings(session, event.id):
        user_id = standing.user_id
        registered.add(user_id)
        counts.registered += 1
        counts.minutes += standing.attended_minutes
        minutes[user_id] += standing.attended_minutes
        if standing.attended_minutes:
            attended.add(user_id)
            counts.attended += 1
        if standing.meets or user_id in holders:
            completed.add(user_id)
            counts.completed += 1
        counts.certificates += holders.get(user_id, 0)
        certificates[user_id] += holders.get(user_id, 0)
    return counts


async def _event_row(session: AsyncSession, event: Event, counts: Counts) -> EventRow:
    sessions = list(
        await session.scalars(select(EventSession).where(EventSession.event_id == event.id))
    )
    organiser = await session.get(User, event.organiser_id) if event.organiser_id else None
    survey_ids = list(
        await session.scalars(select(EventSurvey.id).where(EventSurvey.event_id == event.id))
    )
    invited = (
        await session.scalar(
            select(func.count()).where(
                Delivery.kind == SURVEY_KIND,
                Delivery.ref_id.in_(survey_ids),
                Delivery.status == DeliveryStatus.SENT,
            )
        )
        or 0
    )
    answered = (
        await session.scalar(
            select(func.count()).where(SurveyParticipant.survey_id.in_(survey_ids))
        )
        or 0
    )
    return EventRow(
        event.id,
        event.title,
        event.programme,
        organiser.full_name if organiser else None,
        min((s.starts_at for s in sessions), default=None),
        max((s.ends_at for s in sessions), default=None),
        len(sessions),
        sum(round((s.ends_at - s.starts_at).total_seconds() / 60) for s in sessions),
        event.completion_percent,
        counts,
        invited,
        answered,
    )


async def _questions(session: AsyncSession, event_ids: list[int]) -> list[QuestionRow]:
    """Each rating question of the selection's surveys: answers and their average."""
    rows = await session.execute(
        select(SurveyQuestion.texts, func.count(SurveyAnswer.value), func.avg(SurveyAnswer.value))
        .select_from(SurveyAnswer)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(EventSurvey, EventSurvey.id == SurveyResponse.survey_id)
        .where(
            EventSurvey.event_id.in_(event_ids),
            SurveyQuestion.kind == RATING.name,
            SurveyAnswer.value.is_not(None),
        )
        .group_by(SurveyQuestion.id)
        .order_by(SurveyQuestion.template_id, SurveyQuestion.position)
    )
    return [
        QuestionRow(dict(texts), count, float(average) if average is not None else None)
        for texts, count, average in rows
    ]

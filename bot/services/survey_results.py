"""What a survey's results show the event's organisers and trainers: the response rate,
each question's answers counted (its kind in bot/survey_kinds says how they read), the
typed answers, the trend of each rating across a course's sessions, and the rows behind
the CSV/XLSX export.

Figures come from a few grouped queries (the database counts), so 10,000 responses take
milliseconds (bench/survey_results.py). Anonymous surveys hand out no names, user ids,
response ids or times: export rows are ordered by the responses' random ids. Their
answers are shown session by session, only for sessions whose survey has closed (the
answers are released then, see bot/services/surveys.py) with at least
ANONYMOUS_MIN_RESPONSES responses; the response rate is always shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_, latvian_sort_key
from bot.services.errors import InvalidInput, NotAllowed, Stale
from bot.services.events import EventView, can_staff, load_views, require_staff
from bot.services.survey_templates import QuestionView, load_questions
from bot.services.surveys import SURVEY_KIND, EventSurveyView, Target, load_survey, targets
from bot.services.users import Person, Role
from bot.survey_kinds import Answer, QuestionKind, Tally, kind_of
from storage.models import (
    Delivery,
    DeliveryStatus,
    Event,
    EventSurvey,
    SurveyAnswer,
    SurveyParticipant,
    SurveyResponse,
    User,
)
from storage.models import Session as EventSession

EVENTS_LISTED = 30


@dataclass(frozen=True)
class QuestionResult:
    question: QuestionView
    tally: Tally

    @property
    def kind(self) -> QuestionKind:
        return kind_of(self.question.kind)

    @property
    def answered(self) -> int:
        return self.tally.answered

    @property
    def mean(self) -> float | None:
        return self.kind.mean(self.tally)


@dataclass(frozen=True)
class TrendPoint:
    number: int  # the session's number in the event
    starts_at: datetime
    mean: float | None
    count: int


@dataclass(frozen=True)
class Results:
    survey: EventSurveyView
    event: EventView
    targets: tuple[Target, ...]  # every session the survey covers
    scope: Target | None  # one session, or None for all
    recipients: int
    respondents: int
    complete: int
    questions: tuple[QuestionResult, ...]
    trend: dict[int, tuple[TrendPoint, ...]] = field(default_factory=dict)  # by question id
    per_session: dict[int, tuple[int, int]] = field(default_factory=dict)  # recipients, answered
    withheld: int = 0  # sessions in scope whose anonymous answers are not shown (yet)

    @property
    def rate(self) -> float:
        return self.respondents / self.recipients if self.recipients else 0.0


async def _survey_for_staff(
    session: AsyncSession, actor: Person, survey_id: int, session_id: int | None
) -> tuple[EventSurveyView, EventView, tuple[Target, ...], Target | None]:
    survey, event = await load_survey(session, survey_id)
    require_staff(actor, event)
    covered = tuple(targets(survey, event))
    scope = None
    if session_id:
        scope = next((t for t in covered if t.session.id == session_id), None)
        if scope is None:
            raise Stale()
    return survey, event, covered, scope


class AnonymousWithheld(InvalidInput):
    message = N_(
        "The answers of an anonymous survey are shown once it has closed and at least "
        "{count} people have answered."
    )


async def shown_sessions(
    session: AsyncSession, survey: EventSurveyView, in_scope: list[int], min_anonymous: int
) -> list[int]:
    """The sessions whose answers may be shown: all of a named survey; of an anonymous one,
    those with at least `min_anonymous` released responses."""
    if not survey.anonymous:
        return in_scope
    released = dict(
        (
            await session.execute(
                select(SurveyResponse.session_id, func.count())
                .where(
                    SurveyResponse.survey_id == survey.id,
                    SurveyResponse.session_id.in_(in_scope),
                )
                .group_by(SurveyResponse.session_id)
            )
        ).all()
    )
    return [s for s in in_scope if released.get(s, 0) >= min_anonymous]


async def compute(
    session: AsyncSession,
    survey: EventSurveyView,
    event: EventView,
    covered: tuple[Target, ...],
    scope: Target | None,
    min_anonymous: int,
) -> Results:
    """The figures, from grouped queries; no access check (callers do it)."""
    questions = await load_questions(session, survey.template_id)
    everything = [scope.session.id] if scope else [t.session.id for t in covered]
    in_scope = await shown_sessions(session, survey, everything, min_anonymous)
    sent: dict[int, int] = defaultdict(int)
    for (key,) in await session.execute(
        select(Delivery.dedupe_key).where(
            Delivery.kind == SURVEY_KIND,
            Delivery.ref_id == survey.id,
            Delivery.status == DeliveryStatus.SENT,
        )
    ):
        sent[int(key.split(":")[2])] += 1
    answered = dict(
        (
            await session.execute(
                select(SurveyParticipant.session_id, func.count())
                .where(SurveyParticipant.survey_id == survey.id)
                .group_by(SurveyParticipant.session_id)
            )
        ).all()
    )
    complete = await session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(
            SurveyResponse.survey_id == survey.id,
            SurveyResponse.session_id.in_(in_scope),
            SurveyResponse.complete.is_(True),
        )
    )
    # (session, question) -> value -> count
    values: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for session_id, question_id, value, count in await session.execute(
        select(
            SurveyResponse.session_id, SurveyAnswer.question_id, SurveyAnswer.value, func.count()
        )
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(
            SurveyResponse.survey_id == survey.id,
            SurveyResponse.session_id.in_(in_scope),
            SurveyAnswer.value.is_not(None),
        )
        .group_by(SurveyResponse.session_id, SurveyAnswer.question_id, SurveyAnswer.value)
    ):
        values[(session_id, question_id)][value] = count
    texts: dict[int, list[str]] = defaultdict(list)
    for question_id, text in await session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.text)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(
            SurveyResponse.survey_id == survey.id,
            SurveyResponse.session_id.in_(in_scope),
            SurveyAnswer.text.is_not(None),
        )
        .order_by(SurveyResponse.session_id, SurveyResponse.id)
    ):
        texts[question_id].append(text)

    results = []
    trend: dict[int, tuple[TrendPoint, ...]] = {}
    for question in questions:
        merged: dict[int, int] = defaultdict(int)
        for session_id in in_scope:
            for value, count in values.get((session_id, question.id), {}).items():
                merged[value] += count
        kind = kind_of(question.kind)
        results.append(QuestionResult(question, Tally(dict(merged), tuple(texts[question.id]))))
        if kind.trend and scope is None and len(covered) > 1:
            points = []
            for target in covered:
                if target.session.id not in in_scope:
                    continue
                one = Tally(values.get((target.session.id, question.id), {}))
                points.append(
                    TrendPoint(
                        target.number, target.session.starts_at, kind.mean(one), one.answered
                    )
                )
            trend[question.id] = tuple(points)
    return Results(
        survey=survey,
        event=event,
        targets=covered,
        scope=scope,
        recipients=sum(sent.get(s, 0) for s in everything),
        respondents=sum(answered.get(s, 0) for s in everything),
        complete=complete or 0,
        questions=tuple(results),
        trend=trend,
        per_session={
            t.session.id: (sent.get(t.session.id, 0), answered.get(t.session.id, 0))
            for t in covered
        },
        withheld=len(everything) - len(in_scope),
    )


async def results(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    survey_id: int,
    session_id: int | None,
    min_anonymous: int,
) -> Results:
    async with db() as session:
        survey, event, covered, scope = await _survey_for_staff(
            session, actor, survey_id, session_id
        )
        return await compute(session, survey, event, covered, scope, min_anonymous)


async def staff_events(db: async_sessionmaker[AsyncSession], actor: Person) -> list[EventView]:
    """Events with a survey whose results this person may see, latest first."""
    if not actor.can(Role.TRAINER):
        raise NotAllowed()
    async with db() as session:
        starts = (
            select(EventSession.event_id, func.max(EventSession.starts_at).label("last"))
            .group_by(EventSession.event_id)
            .subquery()
        )
        events = list(
            await session.scalars(
                select(Event)
                .join(starts, starts.c.event_id == Event.id)
                .where(Event.id.in_(select(EventSurvey.event_id)))
                .order_by(starts.c.last.desc(), Event.id.desc())
            )
        )
        views = await load_views(session, events)
    return [e for e in views if can_staff(actor, e)][:EVENTS_LISTED]


# -- the export --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRow:
    target: Target
    name: str | None  # named surveys only
    municipality: str | None  # named surveys only
    complete: bool
    started_at: datetime | None  # named surveys only
    updated_at: datetime | None  # named surveys only
    answers: dict[int, Answer]


@dataclass(frozen=True)
class ExportData:
    survey: EventSurveyView
    event: EventView
    questions: tuple[QuestionView, ...]
    rows: list[ExportRow]


async def export_data(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    survey_id: int,
    session_id: int | None,
    min_anonymous: int,
) -> ExportData:
    """One row per response, every answer in full. Named: by session, then name.
    Anonymous: by session, then random id; no name, municipality, id or time; only the
    sessions whose answers may be shown (refused when there are none)."""
    async with db() as session:
        survey, event, covered, scope = await _survey_for_staff(
            session, actor, survey_id, session_id
        )
        everything = [t.session.id for t in ([scope] if scope else covered)]
        shown = await shown_sessions(session, survey, everything, min_anonymous)
        if survey.anonymous and not shown:
            raise AnonymousWithheld(count=min_anonymous)
        in_scope = {t.session.id: t for t in covered if t.session.id in shown}
        questions = await load_questions(session, survey.template_id)
        responses = list(
            await session.execute(
                select(SurveyResponse, User.full_name, User.municipality)
                .outerjoin(User, User.id == SurveyResponse.user_id)
                .where(
                    SurveyResponse.survey_id == survey_id,
                    SurveyResponse.session_id.in_(list(in_scope)),
                )
                .order_by(SurveyResponse.id)
            )
        )
        answers: dict[str, dict[int, Answer]] = defaultdict(dict)
        for response_id, question_id, value, text in await session.execute(
            select(
                SurveyAnswer.response_id,
                SurveyAnswer.question_id,
                SurveyAnswer.value,
                SurveyAnswer.text,
            )
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(
                SurveyResponse.survey_id == survey_id,
                SurveyResponse.session_id.in_(list(in_scope)),
            )
        ):
            answers[response_id][question_id] = Answer(value, text)
    rows = []
    for response, name, municipality in responses:
        named = not survey.anonymous
        rows.append(
            ExportRow(
                target=in_scope[response.session_id],
                name=(name or "—") if named else None,
                municipality=municipality if named else None,
                complete=response.complete,
                started_at=response.started_at if named else None,
                updated_at=response.updated_at if named else None,
                answers=answers.get(response.id, {}),
            )
        )
    if not survey.anonymous:
        rows.sort(key=lambda r: (r.target.number, latvian_sort_key(r.name or "")))
    else:
        rows.sort(key=lambda r: r.target.number)  # stable: random-id order within a session
    return ExportData(survey, event, questions, rows)

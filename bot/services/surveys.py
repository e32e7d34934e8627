"""Feedback surveys after sessions: attaching a template to an event, planning who gets it
and when, and answering one question at a time.

Sending. `plan(now)` runs every minute and at start-up. For every session whose survey is
open (from `delay_minutes` after the session ends until `open_days` later) it enqueues a
"survey" delivery in the outbox for each person who attended (present in Attendance) or,
when attendance was never taken for that session, each confirmed registrant; and a
"survey_nudge" 24 hours later. Dedupe keys make it idempotent: running it again, or
after a restart, adds only people who became eligible since (a late check-in). The
deliveries expire when the survey closes; the nudge's renderer cancels it for anyone who
answered meanwhile.

Who may answer: only someone the survey was sent to (their "survey" delivery is 'sent'),
only while it is open, only questions of its template, only values the question offers.

Anonymous surveys (docs/privacy.md). Who answered is a SurveyParticipant row (survey,
session, user), written on the first answer: the response rate, the nudge and "one
response per person" read it. While the survey is open the person's answers live only in
that row's `sealed` column, encrypted with a key that is never stored (bot/keys.py) and
padded to one size, so the database, its -wal file and backups hold nothing readable
next to a person. When the session's survey closes, `release` opens every draft of the
session and, in one transaction, writes them as SurveyResponses with fresh random ids,
no user and no times (inserted in random-id order, tables without rowid), and empties
the drafts; then the -wal file is truncated. So every response of a session appears at
the same moment, in an order unrelated to the people, and nothing pairs one with a
person. Results of an anonymous survey come from released responses only.

Named surveys keep the user and times on the response: one per survey, session and user
(a unique key), and answering again before the close edits it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_
from bot.outbox import enqueue
from bot.services import dialogs
from bot.services.errors import InvalidInput, NotAllowed, NotFound, Stale
from bot.services.events import (
    EventStatus,
    EventView,
    RegStatus,
    SessionView,
    load_views,
    require_manage,
    require_staff,
    view,
)
from bot.services.sealing import Sealer, Unreadable
from bot.services.survey_templates import QuestionView, load_questions, load_template
from bot.services.users import Person
from bot.survey_kinds import Answer, kind_of
from storage.db import Database, insert, truncate_wal
from storage.models import (
    Attendance,
    Delivery,
    DeliveryStatus,
    Dialog,
    Event,
    EventSurvey,
    Registration,
    SurveyAnswer,
    SurveyParticipant,
    SurveyResponse,
    SurveyTemplate,
    User,
)
from storage.models import Session as EventSession


class SurveyMode(StrEnum):
    """Which sessions of an event a survey follows."""

    AFTER_EACH_SESSION = "after_each_session"
    AFTER_LAST = "after_last"


DELAYS = (0, 15, 30, 60, 120)  # minutes after a session ends
OPEN_DAYS = (1, 3, 7, 14)
DEFAULT_DELAY, DEFAULT_OPEN_DAYS = 15, 7
NUDGE_AFTER = timedelta(hours=24)
SURVEY_KIND, NUDGE_KIND = "survey", "survey_nudge"
SURVEY_DIALOG = "survey"
ANSWER_STEP = "answer"  # the survey dialog's one step


def new_response_id() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 random bits


def survey_key(survey_id: int, session_id: int, user_id: int) -> str:
    return f"survey:{survey_id}:{session_id}:{user_id}"


def nudge_key(survey_id: int, session_id: int, user_id: int) -> str:
    return f"nudge:{survey_id}:{session_id}:{user_id}"


class SurveyClosed(InvalidInput):
    message = N_("This survey closed on {when}.")


class NotSentToYou(NotAllowed):
    message = N_("This survey was not sent to you.")


@dataclass(frozen=True)
class EventSurveyView:
    id: int
    event_id: int
    template_id: int
    template_name: str
    template_key: str | None
    mode: str
    delay_minutes: int
    open_days: int
    anonymous: bool


@dataclass(frozen=True)
class Target:
    """A survey for one session: when it opens and closes."""

    survey: EventSurveyView
    event: EventView
    session: SessionView
    number: int  # the session's number in the event, from 1
    opens_at: datetime
    closes_at: datetime


def targets(survey: EventSurveyView, event: EventView) -> list[Target]:
    numbered = list(enumerate(event.sessions, 1))
    if survey.mode == SurveyMode.AFTER_LAST and numbered:
        numbered = [max(numbered, key=lambda pair: (pair[1].ends_at, pair[1].id))]
    result = []
    for number, item in numbered:
        opens = item.ends_at + timedelta(minutes=survey.delay_minutes)
        result.append(
            Target(survey, event, item, number, opens, opens + timedelta(days=survey.open_days))
        )
    return result


def _survey_view(row: EventSurvey, template: SurveyTemplate) -> EventSurveyView:
    return EventSurveyView(
        row.id,
        row.event_id,
        row.template_id,
        template.name,
        template.key,
        row.mode,
        row.delay_minutes,
        row.open_days,
        row.anonymous,
    )


async def load_survey(session: AsyncSession, survey_id: int) -> tuple[EventSurveyView, EventView]:
    row = await session.get(EventSurvey, survey_id)
    if row is None:
        raise NotFound(N_("This survey does not exist."))
    template = await session.get(SurveyTemplate, row.template_id)
    assert template is not None
    return _survey_view(row, template), await view(session, row.event_id)


async def load_target(session: AsyncSession, survey_id: int, session_id: int) -> Target:
    survey, event = await load_survey(session, survey_id)
    for target in targets(survey, event):
        if target.session.id == session_id:
            return target
    raise Stale()


# -- staff: attach a survey to an event ---------------------------------------------------


async def event_surveys(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int
) -> tuple[EventView, list[EventSurveyView]]:
    async with db() as session:
        event = await view(session, event_id)
        require_staff(actor, event)
        rows = await session.execute(
            select(EventSurvey, SurveyTemplate)
            .join(SurveyTemplate, SurveyTemplate.id == EventSurvey.template_id)
            .where(EventSurvey.event_id == event_id)
            .order_by(EventSurvey.id)
        )
        return event, [_survey_view(row, template) for row, template in rows]


async def attach(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    event_id: int,
    template_id: int,
    mode: SurveyMode,
    anonymous: bool,
) -> int:
    """Attach a template to an event (pressing twice attaches it once)."""
    try:
        mode = SurveyMode(mode)
    except ValueError as error:
        raise Stale() from error
    async with db.begin() as session:
        event = await view(session, event_id)
        require_manage(actor, event)
        if event.status == EventStatus.CANCELLED:
            raise InvalidInput(N_("This event has been cancelled."))
        template = await load_template(session, template_id)
        if not template.questions:
            raise InvalidInput(N_("This template has no questions yet."))
        values = {
            "event_id": event_id,
            "template_id": template_id,
            "mode": mode,
            "anonymous": anonymous,
            "delay_minutes": DEFAULT_DELAY,
            "open_days": DEFAULT_OPEN_DAYS,
            "created_by": actor.id,
        }
        await session.execute(
            insert(session)(EventSurvey)
            .values(**values)
            .on_conflict_do_nothing(
                index_elements=[EventSurvey.event_id, EventSurvey.template_id, EventSurvey.mode]
            )
        )
        found = await session.scalar(
            select(EventSurvey.id).where(
                EventSurvey.event_id == event_id,
                EventSurvey.template_id == template_id,
                EventSurvey.mode == mode,
            )
        )
        assert found is not None
        return found


async def set_timing(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    survey_id: int,
    *,
    delay: int | None = None,
    open_days: int | None = None,
) -> tuple[EventSurveyView, EventView]:
    if (delay is not None and delay not in DELAYS) or (
        open_days is not None and open_days not in OPEN_DAYS
    ):
        raise Stale()
    async with db.begin() as session:
        _, event = await load_survey(session, survey_id)
        require_manage(actor, event)
        values = {}
        if delay is not None:
            values["delay_minutes"] = delay
        if open_days is not None:
            values["open_days"] = open_days
        if values:
            await session.execute(
                update(EventSurvey).where(EventSurvey.id == survey_id).values(**values)
            )
        return await load_survey(session, survey_id)


async def detach(db: async_sessionmaker[AsyncSession], actor: Person, survey_id: int) -> EventView:
    """Remove a survey nobody has answered yet; its unsent deliveries are cancelled."""
    async with db.begin() as session:
        _, event = await load_survey(session, survey_id)
        require_manage(actor, event)
        answered = await session.scalar(
            select(SurveyParticipant.user_id).where(SurveyParticipant.survey_id == survey_id)
        )
        if answered is not None:
            raise InvalidInput(
                N_("People have already answered this survey, so it cannot be removed.")
            )
        await session.execute(
            update(Delivery)
            .where(
                Delivery.kind.in_([SURVEY_KIND, NUDGE_KIND]),
                Delivery.ref_id == survey_id,
                Delivery.status == DeliveryStatus.PENDING,
            )
            .values(status=DeliveryStatus.CANCELLED)
        )
        await session.execute(delete(EventSurvey).where(EventSurvey.id == survey_id))
        return event


# -- planning: who gets which survey, when ------------------------------------------------


async def _recipients(session: AsyncSession, target: Target, attendance_taken: bool) -> set[int]:
    if attendance_taken:
        query = select(Attendance.user_id).where(
            Attendance.session_id == target.session.id, Attendance.present.is_(True)
        )
    else:
        query = select(Registration.user_id).where(
            Registration.event_id == target.event.id,
            Registration.status == RegStatus.CONFIRMED.value,
        )
    return set(await session.scalars(query))


async def plan(db: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Enqueue the surveys (and nudges) due by `now`; return how many surveys were new."""
    async with db() as session:
        rows = list(
            await session.execute(
                select(EventSurvey, SurveyTemplate, Event)
                .join(SurveyTemplate, SurveyTemplate.id == EventSurvey.template_id)
                .join(Event, Event.id == EventSurvey.event_id)
                .where(Event.status.in_([EventStatus.PUBLISHED.value, EventStatus.FINISHED.value]))
            )
        )
        views = {v.id: v for v in await load_views(session, list({r[2] for r in rows}))}
        work: list[tuple[Target, set[int]]] = []
        for survey_row, template, event in rows:
            survey = _survey_view(survey_row, template)
            open_now = [
                t for t in targets(survey, views[event.id]) if t.opens_at <= now < t.closes_at
            ]
            if not open_now:
                continue
            taken = dict(
                (
                    await session.execute(
                        select(EventSession.id, EventSession.attendance_taken).where(
                            EventSession.id.in_([t.session.id for t in open_now])
                        )
                    )
                ).all()
            )
            existing = set(
                await session.scalars(
                    select(Delivery.dedupe_key).where(
                        Delivery.kind == SURVEY_KIND, Delivery.ref_id == survey.id
                    )
                )
            )
            for target in open_now:
                people = await _recipients(session, target, bool(taken.get(target.session.id)))
                new = {
                    u for u in people if survey_key(survey.id, target.session.id, u) not in existing
                }
                if new:
                    work.append((target, new))
    added = 0
    if not work:
        return 0
    async with db.begin() as session:
        for target, people in work:
            survey_id, session_id = target.survey.id, target.session.id
            # A day after *this* planning run, so a late check-in's nudge is late too.
            nudge_at = now + NUDGE_AFTER
            for user_id in sorted(people):
                payload = {"session": session_id}
                added += await enqueue(
                    session,
                    user_id=user_id,
                    kind=SURVEY_KIND,
                    dedupe_key=survey_key(survey_id, session_id, user_id),
                    due_at=target.opens_at,
                    ref_id=survey_id,
                    payload=payload,
                    expires_at=target.closes_at,
                )
                if nudge_at < target.closes_at:
                    await enqueue(
                        session,
                        user_id=user_id,
                        kind=NUDGE_KIND,
                        dedupe_key=nudge_key(survey_id, session_id, user_id),
                        due_at=nudge_at,
                        ref_id=survey_id,
                        payload=payload,
                        expires_at=target.closes_at,
                    )
    return added


@dataclass(frozen=True)
class Invitation:
    target: Target
    questions: int


async def invitation(
    db: async_sessionmaker[AsyncSession],
    survey_id: int | None,
    session_id: int,
    user_id: int,
    now: datetime,
    *,
    nudge: bool,
) -> Invitation | None:
    """What a survey (or nudge) delivery should say, or None to cancel it: the survey is
    gone or closed, the event cancelled, they answered already, or (for a nudge) the
    survey itself never reached them."""
    if survey_id is None:
        return None
    async with db() as session:
        try:
            target = await load_target(session, survey_id, session_id)
        except (NotFound, Stale):
            return None
        if target.event.status == EventStatus.CANCELLED or now >= target.closes_at:
            return None
        if await session.get(SurveyParticipant, (survey_id, session_id, user_id)) is not None:
            return None
        if nudge:
            status = await session.scalar(
                select(Delivery.status).where(
                    Delivery.dedupe_key == survey_key(survey_id, session_id, user_id)
                )
            )
            if status != DeliveryStatus.SENT:
                return None
        questions = await load_questions(session, target.survey.template_id)
    return Invitation(target, len(questions))


# -- answering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What someone pressed or typed for one question of a survey session: a button's
    value, a typed text, or a skip."""

    survey_id: int
    session_id: int
    question_id: int
    value: int | None = None
    text: str | None = None
    skip: bool = False


@dataclass(frozen=True)
class Step:
    """A question to show (index < len(questions)), or the end (index == len)."""

    target: Target
    questions: tuple[QuestionView, ...]
    answers: dict[int, Answer]
    index: int

    @property
    def finished(self) -> bool:
        return self.index >= len(self.questions)

    @property
    def question(self) -> QuestionView:
        return self.questions[self.index]

    @property
    def current(self) -> Answer | None:
        return None if self.finished else self.answers.get(self.question.id)


async def _target_for(
    session: AsyncSession, person: Person, survey_id: int, session_id: int, now: datetime
) -> Target:
    try:
        target = await load_target(session, survey_id, session_id)
    except NotFound as error:
        raise Stale() from error
    status = await session.scalar(
        select(Delivery.status).where(
            Delivery.dedupe_key == survey_key(survey_id, session_id, person.id)
        )
    )
    if status != DeliveryStatus.SENT:
        raise NotSentToYou()
    if now >= target.closes_at:
        raise SurveyClosed(when=target.closes_at)
    return target


def draft_size(questions: tuple[QuestionView, ...]) -> int:
    """The padded size of every sealed draft of a template: room for the longest answers."""
    return 64 + sum(40 + kind_of(question.kind).draft_room(question) for question in questions)


def _bound(survey_id: int, session_id: int, user_id: int) -> str:
    return f"survey:{survey_id}:{session_id}:{user_id}"


class Draft:
    """One person's answers to one target, wherever they are kept: the named response,
    or the sealed draft of an anonymous survey."""

    def __init__(
        self,
        session: AsyncSession,
        sealer: Sealer,
        person: Person,
        target: Target,
        questions: tuple[QuestionView, ...],
    ) -> None:
        self.session, self.sealer, self.person = session, sealer, person
        self.target, self.questions = target, questions
        self.participant: SurveyParticipant | None = None
        self.response: SurveyResponse | None = None
        self.answers: dict[int, Answer] = {}
        self.complete = False

    @property
    def bound(self) -> str:
        return _bound(self.target.survey.id, self.target.session.id, self.person.id)

    async def load(self) -> Draft:
        survey_id, session_id = self.target.survey.id, self.target.session.id
        self.participant = await self.session.get(
            SurveyParticipant, (survey_id, session_id, self.person.id)
        )
        if self.target.survey.anonymous:
            if self.participant is not None and self.participant.sealed is None:
                raise InvalidInput(
                    N_(
                        "You have already answered this survey from another message. "
                        "Anonymous answers can only be changed from the message you "
                        "answered in."
                    )
                )
            if self.participant is not None and self.participant.sealed is not None:
                try:
                    payload = self.sealer.open(self.participant.sealed, self.bound)
                except Unreadable:  # sealed under another bot token: start afresh
                    payload = {}
                self.answers = {
                    int(q): Answer(value, text)
                    for q, (value, text) in payload.get("answers", {}).items()
                }
                self.complete = bool(payload.get("complete"))
            return self
        self.response = await self.session.scalar(
            select(SurveyResponse).where(
                SurveyResponse.survey_id == survey_id,
                SurveyResponse.session_id == session_id,
                SurveyResponse.user_id == self.person.id,
            )
        )
        if self.response is not None:
            self.answers = await _answers(self.session, self.response)
            self.complete = self.response.complete
        return self

    async def save(self, question_id: int | None, now: datetime) -> None:
        """Store the answers (and `question_id`'s new answer) and the completion."""
        survey_id, session_id = self.target.survey.id, self.target.session.id
        if self.target.survey.anonymous:
            payload = {
                "answers": {str(q): [a.value, a.text] for q, a in self.answers.items()},
                "complete": self.complete,
            }
            sealed = self.sealer.seal(payload, self.bound, draft_size(self.questions))
            if self.participant is None:
                self.participant = SurveyParticipant(
                    survey_id=survey_id, session_id=session_id, user_id=self.person.id
                )
                self.session.add(self.participant)
            self.participant.sealed = sealed
            await self.session.flush()
            return
        if self.response is None:
            await self.session.execute(
                insert(self.session)(SurveyParticipant)
                .values(survey_id=survey_id, session_id=session_id, user_id=self.person.id)
                .on_conflict_do_nothing()
            )
            self.response = SurveyResponse(
                id=new_response_id(),
                survey_id=survey_id,
                session_id=session_id,
                user_id=self.person.id,
                complete=False,
                started_at=now,
            )
            self.session.add(self.response)
            await self.session.flush()
        if question_id is not None:
            given = self.answers[question_id]
            fields = {"value": given.value, "text": given.text}
            await self.session.execute(
                insert(self.session)(SurveyAnswer)
                .values(response_id=self.response.id, question_id=question_id, **fields)
                .on_conflict_do_update(
                    index_elements=[SurveyAnswer.response_id, SurveyAnswer.question_id],
                    set_=fields,
                )
            )
        self.response.updated_at = now
        if self.complete and not self.response.complete:
            self.response.complete = True
            self.response.completed_at = now


async def _answers(session: AsyncSession, response: SurveyResponse | None) -> dict[int, Answer]:
    if response is None:
        return {}
    rows = await session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.value, SurveyAnswer.text).where(
            SurveyAnswer.response_id == response.id
        )
    )
    return {question: Answer(value, text) for question, value, text in rows}


def _place(questions: tuple[QuestionView, ...], answers: dict[int, Answer], index: int) -> int:
    """Question `index`, or the end when past the last one with every question answered
    or skipped (else the first one still open)."""
    index = min(max(index, 0), len(questions))
    if index == len(questions):
        missing = [i for i, q in enumerate(questions) if q.id not in answers]
        if missing:
            index = missing[0]
    return index


async def _arrive(draft: Draft, index: int, now: datetime, *, changed: int | None) -> Step:
    """Show question `index` (or the end), save what changed and keep the dialog in step
    with what is shown. The dialog holds no answer."""
    index = _place(draft.questions, draft.answers, index)
    finished = index == len(draft.questions)
    if finished and (draft.participant is not None or draft.response is not None):
        became_complete = not draft.complete
        draft.complete = True
        if became_complete or changed is not None:
            await draft.save(changed, now)
    elif changed is not None:
        await draft.save(changed, now)
    person, session = draft.person, draft.session
    if finished:
        await session.execute(
            delete(Dialog).where(Dialog.user_id == person.id, Dialog.name == SURVEY_DIALOG)
        )
    else:
        data = {"survey": draft.target.survey.id, "session": draft.target.session.id}
        data["index"] = index
        values = {"name": SURVEY_DIALOG, "step": ANSWER_STEP, "data": data, "updated_at": now}
        await session.execute(
            insert(session)(Dialog)
            .values(user_id=person.id, **values)
            .on_conflict_do_update(index_elements=[Dialog.user_id], set_=values)
        )
    return Step(draft.target, draft.questions, draft.answers, index)


async def open_survey(
    db: async_sessionmaker[AsyncSession],
    sealer: Sealer,
    person: Person,
    survey_id: int,
    session_id: int,
    now: datetime,
    index: int | None = None,
) -> Step:
    """Start, continue or change a response: the first unanswered question (or the
    first question when all are answered), or question `index`."""
    async with db.begin() as session:
        target = await _target_for(session, person, survey_id, session_id, now)
        questions = tuple(await load_questions(session, target.survey.template_id))
        draft = await Draft(session, sealer, person, target, questions).load()
        if index is None:
            index = next((i for i, q in enumerate(questions) if q.id not in draft.answers), 0)
        return await _arrive(draft, index, now, changed=None)


def check_answer(question: QuestionView, reply: Reply) -> Answer:
    """What a press or a typed text means for this question; refuses anything else."""
    if reply.skip:
        if question.required:
            raise InvalidInput(N_("This question needs an answer; it cannot be skipped."))
        return Answer(None, None)
    return kind_of(question.kind).check(question, reply.value, reply.text)


async def answer(
    db: async_sessionmaker[AsyncSession],
    sealer: Sealer,
    person: Person,
    reply: Reply,
    now: datetime,
) -> Step:
    """Save (or change) one answer and move to the next question."""
    async with db.begin() as session:
        target = await _target_for(session, person, reply.survey_id, reply.session_id, now)
        questions = tuple(await load_questions(session, target.survey.template_id))
        index = next((i for i, q in enumerate(questions) if q.id == reply.question_id), None)
        if index is None:
            raise Stale(N_("This question is not part of this survey."))
        given = check_answer(questions[index], reply)
        draft = await Draft(session, sealer, person, target, questions).load()
        draft.answers[reply.question_id] = given
        return await _arrive(draft, index + 1, now, changed=reply.question_id)


async def typed(
    db: async_sessionmaker[AsyncSession],
    sealer: Sealer,
    person: Person,
    text: str,
    now: datetime,
) -> Step:
    """A message typed while answering: the answer to the question on screen."""
    dialog = person.dialog
    if dialog is None or dialog.name != SURVEY_DIALOG:
        raise Stale()
    data = dialog.data
    try:
        survey_id, session_id = int(data["survey"]), int(data["session"])
        index = int(data.get("index", 0))
    except (KeyError, TypeError, ValueError) as error:
        raise Stale() from error
    async with db() as session:
        try:
            target = await load_target(session, survey_id, session_id)
        except NotFound as error:
            raise Stale() from error
        questions = await load_questions(session, target.survey.template_id)
    if not 0 <= index < len(questions):
        raise Stale()
    reply = Reply(survey_id, session_id, questions[index].id, text=text)
    return await answer(db, sealer, person, reply, now)


# -- releasing anonymous answers at the close ----------------------------------------------


async def release(db: Database, sealer: Sealer, now: datetime) -> int:
    """Turn the sealed drafts of every closed anonymous survey session into responses that
    name nobody (see the module docstring); return how many were released."""
    async with db() as session:
        pending = list(
            (
                await session.execute(
                    select(SurveyParticipant.survey_id, SurveyParticipant.session_id)
                    .where(SurveyParticipant.sealed.is_not(None))
                    .distinct()
                )
            ).all()
        )
        due = []
        for survey_id, session_id in pending:
            try:
                target = await load_target(session, survey_id, session_id)
            except (NotFound, Stale):
                due.append((survey_id, session_id))  # the session no longer has a survey
                continue
            if now >= target.closes_at:
                due.append((survey_id, session_id))
    released = 0
    for survey_id, session_id in due:
        async with db.begin() as session:
            drafts = list(
                await session.execute(
                    select(SurveyParticipant.user_id, SurveyParticipant.sealed).where(
                        SurveyParticipant.survey_id == survey_id,
                        SurveyParticipant.session_id == session_id,
                        SurveyParticipant.sealed.is_not(None),
                    )
                )
            )
            opened = []
            for user_id, sealed in drafts:
                try:
                    opened.append(sealer.open(sealed, _bound(survey_id, session_id, user_id)))
                except Unreadable:
                    continue  # sealed under another bot token: cannot be read by anyone
            batch = sorted(((new_response_id(), payload) for payload in opened), key=_first)
            responses = [
                {
                    "id": response_id,
                    "survey_id": survey_id,
                    "session_id": session_id,
                    "user_id": None,
                    "complete": bool(payload.get("complete")),
                }
                for response_id, payload in batch
            ]
            answers = [
                {"response_id": response_id, "question_id": int(q), "value": v, "text": t}
                for response_id, payload in batch
                for q, (v, t) in sorted(payload.get("answers", {}).items(), key=_as_int)
            ]
            if responses:
                await session.execute(insert(session)(SurveyResponse), responses)
            if answers:
                await session.execute(
                    insert(session)(SurveyAnswer).on_conflict_do_nothing(), answers
                )
            await session.execute(
                update(SurveyParticipant)
                .where(
                    SurveyParticipant.survey_id == survey_id,
                    SurveyParticipant.session_id == session_id,
                )
                .values(sealed=None)
            )
            released += len(responses)
    if due:
        await truncate_wal(db.engine)
    return released


def _first(pair: tuple[str, object]) -> str:
    return pair[0]


def _as_int(item: tuple[str, object]) -> int:
    return int(item[0])


async def leave(db: async_sessionmaker[AsyncSession], person: Person) -> None:
    await dialogs.close_dialog(db, person.id, SURVEY_DIALOG)


async def answering_now(db: async_sessionmaker[AsyncSession], telegram_ids: set[int]) -> set[int]:
    """Which of these people have a survey open for typed answers (their next text is an
    answer, which must never be kept together with who typed it)."""
    if not telegram_ids:
        return set()
    async with db() as session:
        return set(
            await session.scalars(
                select(User.telegram_id)
                .join(Dialog, Dialog.user_id == User.id)
                .where(User.telegram_id.in_(telegram_ids), Dialog.name == SURVEY_DIALOG)
            )
        )

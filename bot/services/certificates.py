"""Certificates of completion (apliecība): the rule, issuing, verifying, revoking.

An event's rule: at least `completion_percent` of its hours attended and, when
`completion_needs_survey` is on, its feedback survey answered (an event without a survey
cannot ask for one, so that part is then met). Once the last session has ended, the
dispatcher's hook (`settle`) issues a certificate to every confirmed participant who meets
the rule, and keeps issued ones in step with corrected attendance for SETTLE_FOR: more or
fewer hours update the certificate, falling below the rule revokes it (and meeting it
again makes it valid again). Every change is one outbox row, so the person is told once.

Organisers may issue one by hand (an exception the rule does not take back), revoke one
with a reason, and reissue one (a copy with its own code, marked as a duplicate).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_
from bot.outbox import enqueue
from bot.services.errors import InvalidInput, NotFound
from bot.services.events import EventStatus, EventView, RegStatus, require_manage, view
from bot.services.users import Person
from storage.models import (
    Attendance,
    Certificate,
    Event,
    EventSurvey,
    Registration,
    SurveyParticipant,
    User,
)
from storage.models import Session as EventSession


class CertificateStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


KIND = "certificate"
DEFAULT_PERCENT = 80
MIN_PERCENT = 50
PERCENT_CHOICES = (50, 60, 70, 75, 80, 90, 100)  # the buttons; a typed share may be any
PERCENT_REFUSED = N_(
    "Sorry, I could not accept that share. Send a whole number of per cent from {low} to "
    "100, for example 75."
)
SETTLE_FOR = timedelta(days=60)  # after the last session: corrections still update
# No 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V, G/6: easy to read aloud and to type from paper.
CODE_ALPHABET = "ACDEFHJKMNPRTWXY3479"
CODE_LENGTH = 8
MAX_REASON = 300
MAX_PROGRAMME = 150


class Action(StrEnum):
    ISSUED = "issued"
    UPDATED = "updated"
    REVOKED = "revoked"
    REINSTATED = "reinstated"
    REISSUED = "reissued"


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _minutes(start: datetime, end: datetime) -> int:
    return round((end - start).total_seconds() / 60)


def meets_hours(attended: int, total: int, percent: int) -> bool:
    return total > 0 and attended * 100 >= total * percent


def needed_minutes(total: int, percent: int) -> int:
    return -(-total * percent // 100)


# -- the rule -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    event: EventView
    percent: int
    needs_survey: bool
    has_survey: bool
    programme: str | None
    issued: int  # valid certificates
    revoked: int


async def _event_row(session: AsyncSession, event_id: int) -> Event:
    row = await session.get(Event, event_id)
    if row is None:
        raise NotFound(N_("This event does not exist."))
    return row


async def _rules(session: AsyncSession, event: EventView) -> Rules:
    row = await _event_row(session, event.id)
    has_survey = await session.scalar(
        select(EventSurvey.id).where(EventSurvey.event_id == event.id).limit(1)
    )
    counts = dict(
        (
            await session.execute(
                select(Certificate.status, func.count())
                .where(Certificate.event_id == event.id)
                .group_by(Certificate.status)
            )
        ).all()
    )
    return Rules(
        event,
        row.completion_percent,
        row.completion_needs_survey,
        has_survey is not None,
        row.programme,
        counts.get(CertificateStatus.VALID, 0),
        counts.get(CertificateStatus.REVOKED, 0),
    )


async def rules(db: async_sessionmaker[AsyncSession], actor: Person, event_id: int) -> Rules:
    async with db() as session:
        event = await view(session, event_id)
        require_manage(actor, event)
        return await _rules(session, event)


async def set_rules(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    event_id: int,
    *,
    percent: int | None = None,
    needs_survey: bool | None = None,
    programme: str | None = None,
    clear_programme: bool = False,
) -> Rules:
    """Change the rule (and the programme); only the event's organiser or an admin."""
    async with db.begin() as session:
        event = await view(session, event_id)
        require_manage(actor, event)
        row = await _event_row(session, event_id)
        if percent is not None:
            row.completion_percent = check_percent(percent)
        if needs_survey is not None:
            row.completion_needs_survey = needs_survey
        if clear_programme:
            row.programme = None
        elif programme is not None:
            row.programme = clean_programme(programme)
        await session.flush()
        return await _rules(session, event)


def check_percent(percent: int) -> int:
    """The share of an event's hours a certificate needs: a whole number of per cent."""
    if not MIN_PERCENT <= percent <= 100:
        raise InvalidInput(PERCENT_REFUSED, low=MIN_PERCENT)
    return percent


def parse_percent(text: str) -> int:
    """'75', '75 %' or '75%' typed by an organiser."""
    value = text.strip().removesuffix("%").strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 3):
        raise InvalidInput(PERCENT_REFUSED, low=MIN_PERCENT)
    return check_percent(int(value))


def clean_programme(text: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > MAX_PROGRAMME:
        raise InvalidInput(
            N_("A programme name is 1 to {limit} characters long."), limit=MAX_PROGRAMME
        )
    return name


# -- where each person stands ---------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    user_id: int
    name: str | None
    attended_minutes: int
    total_minutes: int
    answered_survey: bool
    meets: bool


async def standings(session: AsyncSession, event_id: int) -> list[Standing]:
    """Every confirmed registrant of the event and whether they meet its rule."""
    row = await _event_row(session, event_id)
    sessions = {
        s.id: _minutes(s.starts_at, s.ends_at)
        for s in await session.scalars(
            select(EventSession).where(EventSession.event_id == event_id)
        )
    }
    total = sum(sessions.values())
    people = (
        await session.execute(
            select(User.id, User.full_name)
            .join(Registration, Registration.user_id == User.id)
            .where(
                Registration.event_id == event_id,
                Registration.status == RegStatus.CONFIRMED.value,
            )
        )
    ).all()
    attended: dict[int, int] = {}
    for session_id, user_id in await session.execute(
        select(Attendance.session_id, Attendance.user_id).where(
            Attendance.session_id.in_(list(sessions)), Attendance.present.is_(True)
        )
    ):
        attended[user_id] = attended.get(user_id, 0) + sessions[session_id]
    survey_ids = list(
        await session.scalars(select(EventSurvey.id).where(EventSurvey.event_id == event_id))
    )
    answered = set(
        await session.scalars(
            select(SurveyParticipant.user_id).where(SurveyParticipant.survey_id.in_(survey_ids))
        )
    )
    result = []
    for user_id, name in people:
        minutes = attended.get(user_id, 0)
        survey_ok = not (row.completion_needs_survey and survey_ids) or user_id in answered
        result.append(
            Standing(
                user_id,
                name,
                minutes,
                total,
                user_id in answered,
                survey_ok and meets_hours(minutes, total, row.completion_percent),
            )
        )
    return result


@dataclass(frozen=True)
class Progress:
    attended_minutes: int
    total_minutes: int
    needed_minutes: int
    needs_survey: bool
    answered_survey: bool
    certificate: str | None  # the code of a valid certificate

    @property
    def missing_minutes(self) -> int:
        return max(0, self.needed_minutes - self.attended_minutes)


async def progress(
    db: async_sessionmaker[AsyncSession], user_id: int, event_ids: Sequence[int]
) -> dict[int, Progress]:
    """For /my: per event, the hours towards the certificate and the certificate if any."""
    result: dict[int, Progress] = {}
    async with db() as session:
        for event_id in event_ids:
            row = await session.get(Event, event_id)
            if row is None:
                continue
            mine = next(
                (s for s in await standings(session, event_id) if s.user_id == user_id), None
            )
            if mine is None:
                continue
            code = await session.scalar(
                select(Certificate.code)
                .where(
                    Certificate.event_id == event_id,
                    Certificate.user_id == user_id,
                    Certificate.status == CertificateStatus.VALID,
                )
                .order_by(Certificate.number.desc())
                .limit(1)
            )
            has_survey = await session.scalar(
                select(EventSurvey.id).where(EventSurvey.event_id == event_id).limit(1)
            )
            result[event_id] = Progress(
                mine.attended_minutes,
                mine.total_minutes,
                needed_minutes(mine.total_minutes, row.completion_percent),
                row.completion_needs_survey and has_survey is not None,
                mine.answered_survey,
                code,
            )
    return result


# -- issuing and keeping in step ------------------------------------------------------------


async def _fresh_code(session: AsyncSession) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if await session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


async def _tell(session: AsyncSession, cert: Certificate, action: str, now: datetime) -> None:
    await enqueue(
        session,
        user_id=cert.user_id,
        kind=KIND,
        dedupe_key=f"{KIND}:{cert.id}:v{cert.version}",
        due_at=now,
        ref_id=cert.id,
        payload={"action": action},
    )


async def _issue(
    session: AsyncSession,
    event_id: int,
    standing: Standing,
    now: datetime,
    *,
    number: int = 1,
    manual: bool = False,
    issued_by: int | None = None,
    action: str = Action.ISSUED,
) -> Certificate:
    cert = Certificate(
        code=await _fresh_code(session),
        event_id=event_id,
        user_id=standing.user_id,
        number=number,
        holder_name=standing.name,
        holder_removed=False,
        attended_minutes=standing.attended_minutes,
        total_minutes=standing.total_minutes,
        status=CertificateStatus.VALID,
        manual=manual,
        revoked_auto=False,
        issued_by=issued_by,
        issued_at=now,
        updated_at=now,
        version=1,
    )
    session.add(cert)
    await session.flush()
    await _tell(session, cert, action, now)
    return cert


def _change(cert: Certificate, action: str, now: datetime) -> None:
    cert.version += 1
    cert.updated_at = now


async def _settle_event(session: AsyncSession, event_id: int, now: datetime) -> int:
    """Issue, update, revoke or reinstate this event's certificates; how many changed."""
    certs: dict[int, list[Certificate]] = {}
    for cert in await session.scalars(
        select(Certificate).where(Certificate.event_id == event_id).order_by(Certificate.number)
    ):
        certs.setdefault(cert.user_id, []).append(cert)
    changed = 0
    for standing in await standings(session, event_id):
        mine = certs.get(standing.user_id, [])
        if not mine:
            if standing.meets and standing.name:
                await _issue(session, event_id, standing, now)
                changed += 1
            continue
        latest = mine[-1]
        for cert in mine:
            action = None
            if cert.manual or cert.holder_removed:
                continue
            if cert.status == CertificateStatus.VALID and not standing.meets:
                cert.status = CertificateStatus.REVOKED
                cert.revoked_auto, cert.revoked_at = True, now
                cert.revoked_reason = None
                action = Action.REVOKED
            elif cert.status == CertificateStatus.REVOKED and cert.revoked_auto and standing.meets:
                cert.status = CertificateStatus.VALID
                cert.revoked_auto, cert.revoked_at = False, None
                action = Action.REINSTATED
            if cert.status == CertificateStatus.VALID and (
                cert.attended_minutes != standing.attended_minutes
                or cert.total_minutes != standing.total_minutes
            ):
                cert.attended_minutes = standing.attended_minutes
                cert.total_minutes = standing.total_minutes
                action = action or Action.UPDATED
            if action is not None:
                _change(cert, action, now)
                changed += 1
                if cert is latest:
                    await _tell(session, cert, action, now)
    return changed


def _out_of_step(standing: Standing, mine: list[Certificate]) -> bool:
    """Would `_settle_event` change anything for this person? (Mirrors its rules.)"""
    if not mine:
        return standing.meets and bool(standing.name)
    for cert in mine:
        if cert.manual or cert.holder_removed:
            continue
        if cert.status == CertificateStatus.VALID and not standing.meets:
            return True
        if cert.status == CertificateStatus.REVOKED and cert.revoked_auto and standing.meets:
            return True
        if cert.status == CertificateStatus.VALID and (
            cert.attended_minutes != standing.attended_minutes
            or cert.total_minutes != standing.total_minutes
        ):
            return True
    return False


async def _events_out_of_step(session: AsyncSession, now: datetime) -> list[int]:
    ended = (
        await session.execute(
            select(EventSession.event_id)
            .join(Event, Event.id == EventSession.event_id)
            .where(Event.status.in_([EventStatus.PUBLISHED.value, EventStatus.FINISHED.value]))
            .group_by(EventSession.event_id)
            .having(func.max(EventSession.ends_at) <= now)
            .having(func.max(EventSession.ends_at) > now - SETTLE_FOR)
        )
    ).scalars()
    found = []
    for event_id in list(ended):
        certs: dict[int, list[Certificate]] = {}
        for cert in await session.scalars(
            select(Certificate).where(Certificate.event_id == event_id)
        ):
            certs.setdefault(cert.user_id, []).append(cert)
        if any(
            _out_of_step(standing, certs.get(standing.user_id, []))
            for standing in await standings(session, event_id)
        ):
            found.append(event_id)
    return found


async def settle(db: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """For every event whose last session ended within SETTLE_FOR: bring its certificates
    in line with its rule and attendance. Idempotent; runs before each dispatcher batch.
    Finding what is out of step only reads; each event that needs a change gets its own
    short write transaction."""
    async with db() as session:
        due = await _events_out_of_step(session, now)
    changed = 0
    for event_id in due:
        async with db.begin() as session:
            changed += await _settle_event(session, event_id, now)
    return changed


# -- the organiser's hand -------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    standing: Standing
    certificate: Certificate | None  # the latest one


@dataclass(frozen=True)
class Holders:
    rules: Rules
    people: list[Holder]


async def holders(db: async_sessionmaker[AsyncSession], actor: Person, event_id: int) -> Holders:
    async with db() as session:
        event = await view(session, event_id)
        require_manage(actor, event)
        latest: dict[int, Certificate] = {}
        for cert in await session.scalars(
            select(Certificate).where(Certificate.event_id == event_id).order_by(Certificate.number)
        ):
            latest[cert.user_id] = cert
        people = sorted(
            await standings(session, event_id), key=lambda s: ((s.name or "").lower(), s.user_id)
        )
        return Holders(
            await _rules(session, event), [Holder(s, latest.get(s.user_id)) for s in people]
        )


async def _managed_holder(
    session: AsyncSession, actor: Person, event_id: int, user_id: int
) -> tuple[EventView, Standing]:
    event = await view(session, event_id)
    require_manage(actor, event)
    standing = next((s for s in await standings(session, event_id) if s.user_id == user_id), None)
    if standing is None:
        raise InvalidInput(N_("This person is not registered for this event."))
    return event, standing


async def issue_by_hand(
    db: async_sessionmaker[AsyncSession], actor: Person, event_id: int, user_id: int, now: datetime
) -> Certificate:
    """An exception: a certificate whatever the rule says (the rule does not revoke it)."""
    async with db.begin() as session:
        _, standing = await _managed_holder(session, actor, event_id, user_id)
        if not standing.name:
            raise InvalidInput(N_("This person's data has been removed."))
        existing = await session.scalar(
            select(Certificate).where(
                Certificate.event_id == event_id,
                Certificate.user_id == user_id,
                Certificate.status == CertificateStatus.VALID,
            )
        )
        if existing is not None:
            raise InvalidInput(N_("This person already has a valid certificate."))
        number = (
            await session.scalar(
                select(func.max(Certificate.number)).where(
                    Certificate.event_id == event_id, Certificate.user_id == user_id
                )
            )
            or 0
        ) + 1
        return await _issue(
            session, event_id, standing, now, number=number, manual=True, issued_by=actor.id
        )


async def _managed_certificate(
    session: AsyncSession, actor: Person, certificate_id: int
) -> Certificate:
    cert = await session.get(Certificate, certificate_id)
    if cert is None:
        raise NotFound()
    require_manage(actor, await view(session, cert.event_id))
    return cert


async def managed(
    db: async_sessionmaker[AsyncSession], actor: Person, certificate_id: int
) -> Certificate:
    async with db() as session:
        return await _managed_certificate(session, actor, certificate_id)


async def revoke(
    db: async_sessionmaker[AsyncSession],
    actor: Person,
    certificate_id: int,
    reason: str,
    now: datetime,
) -> Certificate:
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(N_("A reason is 1 to {limit} characters long."), limit=MAX_REASON)
    async with db.begin() as session:
        cert = await _managed_certificate(session, actor, certificate_id)
        if cert.status == CertificateStatus.REVOKED:
            raise InvalidInput(N_("This certificate is already revoked."))
        cert.status = CertificateStatus.REVOKED
        cert.revoked_reason, cert.revoked_at = reason, now
        cert.revoked_auto = False
        _change(cert, Action.REVOKED, now)
        if not cert.holder_removed:
            await _tell(session, cert, Action.REVOKED, now)
        return cert


async def reissue(
    db: async_sessionmaker[AsyncSession], actor: Person, certificate_id: int, now: datetime
) -> Certificate:
    """A copy with its own code, marked as a duplicate of the same event's certificate."""
    async with db.begin() as session:
        cert = await _managed_certificate(session, actor, certificate_id)
        if cert.status != CertificateStatus.VALID or cert.holder_removed:
            raise InvalidInput(N_("Only a valid certificate can be reissued."))
        number = (
            await session.scalar(
                select(func.max(Certificate.number)).where(
                    Certificate.event_id == cert.event_id, Certificate.user_id == cert.user_id
                )
            )
            or 1
        ) + 1
        standing = Standing(
            cert.user_id, cert.holder_name, cert.attended_minutes, cert.total_minutes, True, True
        )
        return await _issue(
            session,
            cert.event_id,
            standing,
            now,
            number=number,
            manual=cert.manual,
            issued_by=actor.id,
            action=Action.REISSUED,
        )


# -- what a certificate says ----------------------------------------------------------------


@dataclass(frozen=True)
class CertificateView:
    id: int
    code: str
    user_id: int
    holder_name: str | None
    holder_removed: bool
    event_title: str
    programme: str | None
    place: str | None
    organiser: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    attended_minutes: int
    total_minutes: int
    valid: bool
    revoked_reason: str | None
    revoked_auto: bool
    duplicate: bool
    issued_at: datetime

    @property
    def attended_hours(self) -> float:
        return self.attended_minutes / 60

    @property
    def total_hours(self) -> float:
        return self.total_minutes / 60


async def _view(session: AsyncSession, cert: Certificate) -> CertificateView:
    event = await _event_row(session, cert.event_id)
    bounds = (
        await session.execute(
            select(func.min(EventSession.starts_at), func.max(EventSession.ends_at)).where(
                EventSession.event_id == event.id
            )
        )
    ).one()
    organiser = await session.get(User, event.organiser_id) if event.organiser_id else None
    return CertificateView(
        cert.id,
        cert.code,
        cert.user_id,
        cert.holder_name,
        cert.holder_removed,
        event.title,
        event.programme,
        event.place,
        organiser.full_name if organiser else None,
        bounds[0],
        bounds[1],
        cert.attended_minutes,
        cert.total_minutes,
        cert.status == CertificateStatus.VALID,
        cert.revoked_reason,
        cert.revoked_auto,
        cert.number > 1,
        cert.issued_at,
    )


async def for_delivery(
    db: async_sessionmaker[AsyncSession], certificate_id: int | None
) -> CertificateView | None:
    if certificate_id is None:
        return None
    async with db() as session:
        cert = await session.get(Certificate, certificate_id)
        return None if cert is None or cert.holder_removed else await _view(session, cert)


async def verify(db: async_sessionmaker[AsyncSession], text: str) -> CertificateView:
    """Anyone may check a code; no account needed."""
    code = normalise_code(text)
    if not code:
        raise InvalidInput(N_("Send the certificate's code, for example: /verify ACDE-3479"))
    async with db() as session:
        cert = (
            await session.scalar(select(Certificate).where(Certificate.code == code))
            if len(code) == CODE_LENGTH
            else None
        )
        if cert is None:
            raise NotFound(N_("No certificate has this code. Please check it and try again."))
        return await _view(session, cert)


async def of_user(session: AsyncSession, user_id: int) -> list[CertificateView]:
    """A person's certificates, newest first (the learning record and /mydata)."""
    certs = await session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    return [await _view(session, cert) for cert in certs]


async def move_to_stand_in(
    session: AsyncSession, user_id: int, event_id: int, stand_in_id: int
) -> None:
    """/forget: an event's certificates follow its attendance to the anonymous stand-in,
    so the codes keep verifying (as "holder data removed") after the user row is gone."""
    await session.execute(
        update(Certificate)
        .where(Certificate.user_id == user_id, Certificate.event_id == event_id)
        .values(user_id=stand_in_id, holder_name=None, holder_removed=True)
    )


async def forget_holder(session: AsyncSession, user_id: int) -> None:
    """/forget: the certificates stay (verifying says the holder's data was removed) but
    no longer carry the name."""
    for cert in await session.scalars(select(Certificate).where(Certificate.user_id == user_id)):
        cert.holder_name = None
        cert.holder_removed = True

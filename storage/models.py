"""SQLAlchemy models: the single source of truth for everything that must survive a restart."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import Document, StrEnumType, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """A person who wrote to the bot.

    Before consent only the Telegram id and the language are stored. /forget deletes the
    row; the person's past registrations and attendance move to empty stand-in rows (no
    `telegram_id`, `forgotten_at` set), one per event, so reports keep their counts. A
    returning person starts as a new user.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    telegram_language: Mapped[str | None] = mapped_column(String(16))
    # Set only once the user picks a language; until then Telegram's language_code decides.
    language: Mapped[str | None] = mapped_column(String(2))
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    full_name: Mapped[str | None] = mapped_column(String(100))
    municipality: Mapped[str | None] = mapped_column(String(40))
    workplace: Mapped[str | None] = mapped_column(String(200))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    onboarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    forgotten_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The day (midnight UTC) of the person's latest update, for RETENTION_MONTHS.
    last_seen_on: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class UserRole(Base):
    """A staff role granted to a user. Everyone is a participant; ADMIN_IDS are admins too."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RoleAudit(Base):
    """Who granted or revoked which role to whom, and when."""

    __tablename__ = "role_audit"
    __table_args__ = (Index("ix_role_audit_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(8))  # "grant" or "revoke"
    role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Dialog(Base):
    """Where a user is in a multi-step conversation (onboarding, editing the profile...).

    Kept in the database so a user who drops out, or a restart, loses nothing.
    """

    __tablename__ = "dialogs"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(Document, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Event(Base):
    """A training: one seminar, a multi-day school or a long course of many sessions."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint(
            "municipality_limit IS NULL OR municipality_limit > 0", name="limit_positive"
        ),
        CheckConstraint(
            "status IN ('draft', 'published', 'cancelled', 'finished')", name="status_known"
        ),
        Index("ix_events_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(64), unique=True)  # stable id for imports
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    capacity: Mapped[int] = mapped_column(Integer)
    municipality_limit: Mapped[int | None] = mapped_column(Integer)
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Certificates (bot/services/certificates.py): the share of the hours to attend, in
    # percent, and whether the feedback survey must be answered; `programme` groups events
    # for the funder's report.
    completion_percent: Mapped[int] = mapped_column(Integer, default=80, server_default="80")
    completion_needs_survey: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="0"
    )
    programme: Mapped[str | None] = mapped_column(String(150), index=True)


class EventTrainer(Base):
    __tablename__ = "event_trainers"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Session(Base):
    """One sitting of an event, with its own time and optionally its own place."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_sessions_event_start", "event_id", "starts_at"),
        Index("ix_sessions_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str | None] = mapped_column(String(300))
    checkin_code: Mapped[str | None] = mapped_column(String(8))
    attendance_taken: Mapped[bool] = mapped_column(Boolean, default=False)


class Registration(Base):
    """A person's place in an event: confirmed, waiting, pending approval, or ended.

    One row per (event, user): pressing a button twice, or twice at once, cannot make two.
    `seq` orders the waiting list (a re-registration goes to the back).
    """

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_registrations_event_user"),
        CheckConstraint(
            "status IN ('confirmed', 'waiting', 'pending', 'rejected', 'cancelled')",
            name="status_known",
        ),
        Index("ix_registrations_event_status_seq", "event_id", "status", "seq"),
        Index("ix_registrations_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    # The municipality when registering: per-municipality seat limits count this.
    municipality: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Attendance(Base):
    """Who was present at a session, by check-in code or marked by staff."""

    __tablename__ = "attendance"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    present: Mapped[bool] = mapped_column(Boolean)
    method: Mapped[str] = mapped_column(String(8))  # "code" or "staff"
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CheckinAttempts(Base):
    """Wrong check-in codes in a row, to slow down guessing."""

    __tablename__ = "checkin_attempts"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FaqEntry(Base):
    """One question of the shared FAQ; its wording in each language is a FaqTranslation.

    `key` is a stable slug so `kopiena faq import` updates an entry instead of adding a
    copy. Helpful / not helpful counts are derived from FaqVote, one row per user.
    """

    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped on every change of the entry or one of its translations: the search index
    # compares max(updated_at) to know when to rebuild.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class FaqTranslation(Base):
    """An entry's question and answer in one language (plain text, escaped when shown)."""

    __tablename__ = "faq_translations"
    __table_args__ = (UniqueConstraint("entry_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(2))
    question: Mapped[str] = mapped_column(String(500))
    answer: Mapped[str] = mapped_column(Text)


class FaqVote(Base):
    """ "Did this help?": one answer per user and entry; pressing again never counts twice."""

    __tablename__ = "faq_votes"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("faq_entries.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    helpful: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FaqQuestion(Base):
    """A question sent to the organisers, its answer, and the FAQ entry made from it."""

    __tablename__ = "faq_questions"
    __table_args__ = (Index("ix_faq_questions_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default="open")  # "open" or "answered"
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("faq_entries.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DeliveryStatus(StrEnum):
    """Where a delivery stands; stored as these strings."""

    PENDING = "pending"  # waiting until it is due (or until a retry)
    SENDING = "sending"  # claimed: a running sender holds its lease
    SENT = "sent"
    FAILED = "failed"  # tried and given up, or rejected by Telegram
    UNREACHABLE = "unreachable"  # the person blocked the bot, or the chat is gone
    EXPIRED = "expired"  # its time passed before it could go out
    CANCELLED = "cancelled"  # no longer wanted (its renderer said so, /forget)


class Delivery(Base):
    """One message due to one person: a reminder, an announcement, a survey, a nudge.

    The outbox. The job queue only wakes the dispatcher; these rows say what is due and
    what was sent, so a restart loses nothing. `dedupe_key` (e.g. "reminder:12:user:5")
    makes enqueueing idempotent: nobody gets the same message twice on purpose.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{status}'" for status in DeliveryStatus)),
            name="status_known",
        ),
        Index("ix_deliveries_status_due", "status", "due_at"),
        Index("ix_deliveries_kind_ref", "kind", "ref_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref_id: Mapped[int | None] = mapped_column(Integer)  # the reminder, survey... it belongs to
    payload: Mapped[dict[str, Any]] = mapped_column(Document, default=dict)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[DeliveryStatus] = mapped_column(
        StrEnumType(DeliveryStatus, 16), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # While 'sending': the claim is a lease. Its owner (one running dispatcher) renews it;
    # once `lease_until` has passed, any instance may take the row again.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxLeader(Base):
    """Who may send the outbox now: one running instance at a time holds this lease, so
    the broadcast rate holds over all instances together (see bot/outbox/leader.py).

    `contended_until`: another instance asked for the lead lately; the holder then looks
    for work others enqueued, and waits out the rate window before it lets go."""

    __tablename__ = "outbox_leaders"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contended_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


# -- feedback surveys ---------------------------------------------------------------------
#
# Who answered is kept apart from what was answered, so that an anonymous survey can show
# its response rate and nudge non-responders without anyone being able to link an answer
# to a person:
#
#   survey_participants  (survey, session, user): WHO answered; no times, no response id;
#                        while an anonymous survey is open, their answers sealed (encrypted)
#   survey_responses     random id: WHAT was answered; user_id only for named surveys
#   survey_answers       (response, question): the answers themselves
#
# Anonymous responses are written only when the survey closes, all of a session's in one
# transaction in random-id order; the tables are WITHOUT ROWID, so neither ids, row order
# nor commit order pair a participant with a response. See bot/services/surveys.py and
# docs/privacy.md.


class SurveyTemplate(Base):
    """A reusable list of questions; `key` marks the shipped default template."""

    __tablename__ = "survey_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SurveyQuestion(Base):
    """One question of a template, language-independent: `texts` maps a language code to
    the wording ({"lv": ..., "en": ..., "ru": ...}); a choice's `options` is a list of such
    maps. `kind` names a module of bot/survey_kinds (checked there, not by the schema, so
    a new kind needs no migration). Answers store a button's value (a rating, a choice's
    index...) or a text."""

    __tablename__ = "survey_questions"
    __table_args__ = (
        UniqueConstraint("template_id", "position", name="uq_survey_questions_template_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("survey_templates.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    texts: Mapped[dict[str, str]] = mapped_column(Document)
    options: Mapped[list[dict[str, str]]] = mapped_column(Document, default=list)


class EventSurvey(Base):
    """A template attached to an event: sent `delay_minutes` after each session ends (or
    only the last one), open for `open_days` after that."""

    __tablename__ = "event_surveys"
    __table_args__ = (
        UniqueConstraint("event_id", "template_id", "mode", name="uq_event_surveys_event_template"),
        CheckConstraint("mode IN ('after_each_session', 'after_last')", name="mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("survey_templates.id", ondelete="RESTRICT"), index=True
    )
    mode: Mapped[str] = mapped_column(String(20))
    delay_minutes: Mapped[int] = mapped_column(Integer, default=15)
    open_days: Mapped[int] = mapped_column(Integer, default=7)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SurveyParticipant(Base):
    """WHO answered a survey for a session (at least one answer): the response rate and
    the nudges read this. It holds no time and no link to the response. While an
    anonymous survey is open, `sealed` holds the person's answers encrypted with a key
    that is not in the database; at the close every draft of the session becomes an
    unlinked response in one transaction and `sealed` is emptied (docs/privacy.md)."""

    __tablename__ = "survey_participants"
    __table_args__ = ({"sqlite_with_rowid": False},)

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("event_surveys.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class SurveyResponse(Base):
    """WHAT one person answered for one session. `id` is random. Named surveys keep the
    user and the times (one response per survey, session and user); anonymous ones keep
    neither: their id is known only to the respondent's own chat (in the buttons)."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint(
            "survey_id", "session_id", "user_id", name="uq_survey_responses_survey_session_user"
        ),
        Index("ix_survey_responses_survey_session", "survey_id", "session_id"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("event_surveys.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SurveyAnswer(Base):
    """One answer: `value` is a button's value (a rating, a choice's index...), `text` a
    typed answer; both empty means the question was skipped."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        Index("ix_survey_answers_question", "question_id"),
        {"sqlite_with_rowid": False},
    )

    response_id: Mapped[str] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)


class AnnouncementStatus(StrEnum):
    """Where an announcement stands; stored as these strings."""

    SCHEDULED = "scheduled"  # waiting for its time
    SENDING = "sending"  # its deliveries are in the outbox
    SENT = "sent"  # every delivery finished; the sender got the report
    CANCELLED = "cancelled"


class Announcement(Base):
    """A message from an event's staff to a part of its registrants, now or later.

    While `scheduled` it can be edited or cancelled. At `due_at` the dispatcher turns it
    into one Delivery per recipient (the audience as it is then) and marks it `sending`;
    when every delivery is finished it is `sent` and the sender gets a delivery report.
    """

    __tablename__ = "announcements"
    __table_args__ = (
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{status}'" for status in AnnouncementStatus)),
            name="status_known",
        ),
        CheckConstraint(
            "audience IN ('confirmed', 'waiting', 'registered', 'session')",
            name="audience_known",
        ),
        Index("ix_announcements_status_due", "status", "due_at"),
        Index("ix_announcements_event", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)  # Telegram HTML, as the sender formatted it
    audience: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL")
    )  # for the audience "session": who attended it
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[AnnouncementStatus] = mapped_column(
        StrEnumType(AnnouncementStatus, 16), default=AnnouncementStatus.SCHEDULED
    )
    recipients: Mapped[int | None] = mapped_column(Integer)  # counted when it went out
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EventReminders(Base):
    """An event's own reminder settings; without a row the global defaults apply.

    `offsets`: minutes before each session. `skipped`: single reminders the staff
    cancelled, as "session_id:offset" strings, so planning again does not bring them back.
    """

    __tablename__ = "event_reminders"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    offsets: Mapped[list[int] | None] = mapped_column(Document)
    skipped: Mapped[list[str]] = mapped_column(Document, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ReminderMute(Base):
    """A participant who does not want automatic reminders: for one event, or for all
    (event_id 0). Announcements from the staff still arrive."""

    __tablename__ = "reminder_mutes"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: every event
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Certificate(Base):
    """A certificate of completion (apliecība): one per (event, person, number); number 1
    is the original, a reissue gets the next number and is marked as a duplicate.

    The holder's name is copied at issue, so the certificate verifies as issued. /forget
    empties it (and sets `holder_removed`): a code then verifies as "holder data removed",
    never as anyone else. The PDF is not stored; it is drawn again from this row.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", "number", name="uq_certificates_event_user_number"),
        CheckConstraint("status IN ('valid', 'revoked')", name="status_known"),
        Index("ix_certificates_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer, default=1)
    holder_name: Mapped[str | None] = mapped_column(String(100))
    holder_removed: Mapped[bool] = mapped_column(Boolean, default=False)
    attended_minutes: Mapped[int] = mapped_column(Integer)
    total_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8), default="valid")
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_reason: Mapped[str | None] = mapped_column(String(300))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Revoked because corrected attendance no longer meets the rule (not by a person):
    # a later correction that meets it again makes the certificate valid again.
    revoked_auto: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped on every change told


class InboundUpdate(Base):
    """A Telegram update as it arrived, stored before Telegram is told it was received.

    `status`: "new" until its handlers have run, then "done" (the payload and lane are
    dropped: they say who wrote what) or "parked" (its handlers kept failing; kept for a look).
    Done rows stay a while so a second delivery of the same update id changes nothing.
    `owner` and `lease_until`: the instance handling a new row and until when it holds it
    unrenewed; another instance (or the next start) takes it over once that has passed.
    """

    __tablename__ = "inbound_updates"
    __table_args__ = (
        CheckConstraint("status IN ('new', 'done', 'parked')", name="status_known"),
        Index("ix_inbound_updates_status", "status"),
    )

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Whose updates must be handled in order: the sender (or the chat when there is none).
    lane: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="new")
    # Start-ups that found this update unhandled: bounds an update that kills the process.
    recoveries: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(100))  # exception type only, no data
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

"""feedback surveys: templates, questions, event surveys, participants, responses, answers

Re-parent onto the reminders migration when merging (down_revision).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('survey_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_survey_templates_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_templates')),
    sa.UniqueConstraint('key', name=op.f('uq_survey_templates_key'))
    )
    op.create_table('event_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('delay_minutes', sa.Integer(), nullable=False),
    sa.Column('open_days', sa.Integer(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("mode IN ('after_each_session', 'after_last')", name=op.f('ck_event_surveys_mode_known')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_event_surveys_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_surveys_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['survey_templates.id'], name=op.f('fk_event_surveys_template_id_survey_templates'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_surveys')),
    sa.UniqueConstraint('event_id', 'template_id', 'mode', name='uq_event_surveys_event_template')
    )
    with op.batch_alter_table('event_surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_surveys_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_surveys_template_id'), ['template_id'], unique=False)

    op.create_table('survey_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.CheckConstraint("kind IN ('rating', 'choice', 'text')", name=op.f('ck_survey_questions_kind_known')),
    sa.ForeignKeyConstraint(['template_id'], ['survey_templates.id'], name=op.f('fk_survey_questions_template_id_survey_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_questions')),
    sa.UniqueConstraint('template_id', 'position', name='uq_survey_questions_template_position')
    )
    op.create_table('survey_participants',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_survey_participants_session_id_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['event_surveys.id'], name=op.f('fk_survey_participants_survey_id_event_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_participants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'session_id', 'user_id', name=op.f('pk_survey_participants')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('survey_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_participants_user_id'), ['user_id'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_survey_responses_session_id_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['event_surveys.id'], name=op.f('fk_survey_responses_survey_id_event_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_responses_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('survey_id', 'session_id', 'user_id', name='uq_survey_responses_survey_session_user'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_survey_session', ['survey_id', 'session_id'], unique=False)

    op.create_table('survey_answers',
    sa.Column('response_id', sa.String(length=24), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['survey_questions.id'], name=op.f('fk_survey_answers_question_id_survey_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_survey_answers_response_id_survey_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'question_id', name=op.f('pk_survey_answers')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index('ix_survey_answers_question', ['question_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_answers_question')

    op.drop_table('survey_answers')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_survey_session')

    op.drop_table('survey_responses')
    with op.batch_alter_table('survey_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_participants_user_id'))

    op.drop_table('survey_participants')
    op.drop_table('survey_questions')
    with op.batch_alter_table('event_surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_surveys_template_id'))
        batch_op.drop_index(batch_op.f('ix_event_surveys_event_id'))

    op.drop_table('event_surveys')
    op.drop_table('survey_templates')

"""certificates and completion rules

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('holder_name', sa.String(length=100), nullable=True),
    sa.Column('holder_removed', sa.Boolean(), nullable=False),
    sa.Column('attended_minutes', sa.Integer(), nullable=False),
    sa.Column('total_minutes', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('manual', sa.Boolean(), nullable=False),
    sa.Column('revoked_reason', sa.String(length=300), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_auto', sa.Boolean(), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('valid', 'revoked')", name=op.f('ck_certificates_status_known')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_certificates_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by'], ['users.id'], name=op.f('fk_certificates_issued_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    sa.UniqueConstraint('event_id', 'user_id', 'number', name='uq_certificates_event_user_number')
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index('ix_certificates_user', ['user_id'], unique=False)

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completion_percent', sa.Integer(), server_default='80', nullable=False))
        batch_op.add_column(sa.Column('completion_needs_survey', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('programme', sa.String(length=150), nullable=True))
        batch_op.create_index(batch_op.f('ix_events_programme'), ['programme'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_programme'))
        batch_op.drop_column('programme')
        batch_op.drop_column('completion_needs_survey')
        batch_op.drop_column('completion_percent')

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('ix_certificates_user')

    op.drop_table('certificates')

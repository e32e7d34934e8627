"""anonymous survey answers stay sealed (encrypted) with the participant until the close;
the day a user was last seen, for the retention setting

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('survey_participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_on', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('last_seen_on')
    with op.batch_alter_table('survey_participants', schema=None) as batch_op:
        batch_op.drop_column('sealed')

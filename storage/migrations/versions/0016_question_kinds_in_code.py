"""question kinds live in code: survey_questions.kind loses its fixed list

The kinds a question may have are the modules of bot/survey_kinds, checked by the
service that creates a question; a new kind then needs no schema change.

Revision ID: 0016
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0016'
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_survey_questions_kind_known'), type_='check')
        batch_op.alter_column(
            'kind', existing_type=sa.String(length=8), type_=sa.String(length=20)
        )


def downgrade() -> None:
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.alter_column(
            'kind', existing_type=sa.String(length=20), type_=sa.String(length=8)
        )
        batch_op.create_check_constraint(
            op.f('ck_survey_questions_kind_known'), "kind IN ('rating', 'choice', 'text')"
        )

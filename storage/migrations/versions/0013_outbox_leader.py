"""outbox leader: one instance at a time sends, so the broadcast rate is global

Revision ID: 0013
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


# UTC times: timestamptz on PostgreSQL (as after 0012), naive UTC on SQLite.
UTC_TIME = sa.DateTime().with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")

revision: str = "0013"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_leaders",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", UTC_TIME, nullable=True),
        sa.Column("contended_until", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_outbox_leaders")),
    )


def downgrade() -> None:
    op.drop_table("outbox_leaders")

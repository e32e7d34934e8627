"""inbound update leases: a stored update belongs to the instance handling it for a while

Revision ID: 0017
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# UTC times: timestamptz on PostgreSQL (as after 0012), naive UTC on SQLite.
UTC_TIME = sa.DateTime().with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")

revision: str = "0017"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows stored before this have no owner and no lease: the first start takes them.
    with op.batch_alter_table("inbound_updates") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("lease_until", UTC_TIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_updates") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("owner")

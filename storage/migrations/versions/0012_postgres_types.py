"""PostgreSQL: times as timestamptz, JSON documents as jsonb (nothing changes on SQLite)

Every `timestamp` column holds UTC (the application stores nothing else), so it becomes
`timestamptz` read as UTC; every `json` column becomes `jsonb`.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _columns(data_type: str) -> list[tuple[str, str]]:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = :type "
            "ORDER BY table_name, column_name"
        ),
        {"type": data_type},
    )
    return [(table, column) for table, column in rows]


def _alter(table: str, column: str, to: str, using: str) -> None:
    op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {to} USING {using}')


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column in _columns('timestamp without time zone'):
        _alter(table, column, 'timestamptz', f"\"{column}\" AT TIME ZONE 'UTC'")
    for table, column in _columns('json'):
        _alter(table, column, 'jsonb', f'"{column}"::jsonb')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column in _columns('timestamp with time zone'):
        _alter(table, column, 'timestamp', f"\"{column}\" AT TIME ZONE 'UTC'")
    for table, column in _columns('jsonb'):
        _alter(table, column, 'json', f'"{column}"::json')

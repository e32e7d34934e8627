"""Alembic environment: runs migrations on the engine that `storage.db` builds."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from storage.db import create_engine, is_sqlite
from storage.models import Base
from storage.types import UTCDateTime

config = context.config
target_metadata = Base.metadata


def _on_version_apply(**kwargs: Any) -> None:
    applied = config.attributes.setdefault("applied", [])
    applied.append(kwargs["step"].up_revision_id)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations stay free of project imports: the UTC wrapper is a plain DateTime on disk
    # (timestamptz on PostgreSQL).
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.DateTime().with_variant(postgresql.TIMESTAMP(timezone=True), 'postgresql')"
    return False


def _configure(connection: Connection | None = None, **kwargs: Any) -> None:
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        connection=connection,
        url=None if connection is not None else url,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite(url or ""),
        compare_type=True,
        on_version_apply=_on_version_apply,
        render_item=_render_item,
        **kwargs,
    )


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


# Any fixed number: the key of the PostgreSQL advisory lock every `db upgrade` takes.
MIGRATION_LOCK = 4_471_209_815


async def _run_async() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    postgres = engine.dialect.name == "postgresql"
    try:
        async with engine.connect() as connection:
            if postgres:
                # Instances started together upgrade one after another: the next one
                # finds the schema at head and has nothing to do. (SQLite: the file's
                # write lock already lets one writer through at a time.)
                await connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
                await connection.commit()
            try:
                await connection.run_sync(_run_sync)
                await connection.commit()
            finally:
                if postgres:
                    await connection.rollback()
                    await connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
                    await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    _configure(literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())

"""Alembic, run from code: each service keeps its revisions in services/<name>/migrations/versions and calls
`upgrade(...)` at start-up (or `python -m services.<name> migrate`). An advisory lock serialises replicas
that start together. The DDL of tenant isolation is shared.isolation's; the event tables, shared.events.tables'."""

from __future__ import annotations

import asyncio
import zlib
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.isolation import app_role


def alembic_config(migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(migrations_dir / "versions"))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(slug)s")
    config.attributes["database_url"] = url
    return config


def upgrade(migrations_dir: Path, url: str, revision: str = "head",
            connect_args: dict[str, Any] | None = None) -> None:
    """Bring the database to `revision`. Blocking: call before the event loop starts, or in a thread.
    `connect_args`: asyncpg's (DatabaseSettings.connect_args(): TLS verified against a CA)."""
    if not url:
        raise ValueError("no migration database URL configured (REGIE_MIGRATION_DATABASE_URL)")
    config = alembic_config(migrations_dir, url)
    config.attributes["connect_args"] = connect_args or {}
    command.upgrade(config, revision)


def head_revision(migrations_dir: Path) -> str | None:
    """The revision the code expects the database to be at."""
    return ScriptDirectory.from_config(alembic_config(migrations_dir, "unused")).get_current_head()


CURRENT_REVISION_SQL = "select version_num from alembic_version"
"""Readable by the request role (granted after every migration run), for readiness."""


def run_env() -> None:
    """The body of every service's migrations/env.py."""
    url = context.config.attributes["database_url"]
    lock_id = zlib.crc32(url.rsplit("/", 1)[-1].encode())

    def migrate(connection: Connection) -> None:
        # Held for the whole run: a second replica waits here, then finds nothing left to do.
        # The lock is session-level, so it survives the commit that ends its own little transaction.
        connection.execute(text("select pg_advisory_lock(:id)"), {"id": lock_id})
        connection.commit()
        try:
            context.configure(connection=connection, transaction_per_migration=True)
            with context.begin_transaction():
                context.run_migrations()
            # So that a serving process (request role) can tell whether the schema is current.
            connection.execute(text(f"GRANT SELECT ON alembic_version TO {app_role()}"))
            connection.commit()
        finally:
            if connection.in_transaction():
                connection.rollback()
            connection.execute(text("select pg_advisory_unlock(:id)"), {"id": lock_id})
            connection.commit()

    async def main() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool,
                                     connect_args=context.config.attributes.get("connect_args", {}))
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(main())

"""Bring a database to the newest schema with the Alembic migrations shipped in ``db/migrations``.

Called by :class:`db.Store` on open. Two processes opening a fresh database at once must not
both create tables: the upgrade runs under a PostgreSQL advisory lock (scoped to the current
schema) or, for a SQLite file, a file lock beside the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """Alembic config pointing at the shipped migrations (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    """Newest revision in the shipped migrations."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    """Revision the database is at (None for an empty database)."""
    return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    db = engine.url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        yield
        return
    with FileLock(str(Path(db).expanduser()) + ".migrate.lock", timeout=120):
        yield


def upgrade(engine: Engine) -> bool:
    """Upgrade to head if needed.

    Returns:
        True when a migration ran, False when the database was already current.
    """
    head = head_revision()
    with engine.connect() as conn:
        if current_revision(conn) == head:
            return False
    if engine.dialect.name == "sqlite":
        with _sqlite_file_lock(engine), engine.begin() as conn:
            return _upgrade_locked(conn, head)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(current_schema() || :k))"),
                         {"k": ":anomalyclaw:migrate"})
        return _upgrade_locked(conn, head)


def _upgrade_locked(conn: Connection, head: str | None) -> bool:
    if current_revision(conn) == head:  # another process migrated while we waited
        return False
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")
    return True

"""Bring a database to the newest schema with the Alembic migrations shipped in ``db/migrations``.

Called by :class:`db.Store` on open. The common case — already at head — is checked with one
query and no Alembic import (Alembic costs ~0.5 s of import time per process). Two processes
opening a fresh database at once must not both create tables: the upgrade runs under a
PostgreSQL advisory lock (scoped to the current schema) or, for a SQLite file, a file lock
beside the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock
from sqlalchemy import Connection, Engine, inspect, text

from db._types import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_REV = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*(?:['\"]([^'\"]+)['\"]|None)", re.M)


def alembic_config() -> Config:
    """Alembic config pointing at the shipped migrations (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@cache
def head_revision() -> str:
    """Newest revision of the shipped migrations, read from the revision files (a linear history)."""
    revs, downs = set(), set()
    for f in (MIGRATIONS / "versions").glob("*.py"):
        src = f.read_text(encoding="utf-8")
        if m := _REV.search(src):
            revs.add(m.group(1))
            if (d := _DOWN.search(src)) and d.group(1):
                downs.add(d.group(1))
    heads = revs - downs
    if len(heads) != 1:
        raise StoreError(f"shipped migrations have {len(heads)} heads, expected 1",
                         hint="reinstall anomalyclaw")
    return heads.pop()


def current_revision(conn: Connection) -> str | None:
    """Revision the database is at (None for an empty database)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


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

    Raises:
        StoreError: the database is at a revision these migrations do not know (a newer release).
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


def _upgrade_locked(conn: Connection, head: str) -> bool:
    from alembic import command
    from alembic.util import CommandError

    if current_revision(conn) == head:  # another process migrated while we waited
        return False
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    try:
        command.upgrade(cfg, "head")
    except CommandError as e:
        raise StoreError(f"cannot migrate the database: {str(e).splitlines()[0]}",
                         hint="a newer anomalyclaw made this database; upgrade the package") from e
    return True

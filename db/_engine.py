"""Where the database is and how to connect: URL resolution, engine set-up, bad-URL errors.

Default: a SQLite file at ``$ANOMALYCLAW_HOME/anomalyclaw.db`` (``~/.anomalyclaw/anomalyclaw.db``
when unset). ``ANOMALYCLAW_DB_URL`` (or an explicit URL) selects any SQLAlchemy URL, e.g.
``postgresql+psycopg://user@host:5432/db``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from anomalyclaw.errors import InputError

ENV_URL = "ANOMALYCLAW_DB_URL"
ENV_HOME = "ANOMALYCLAW_HOME"
ENV_TEST_PAUSE = "ANOMALYCLAW_DB_TEST_PAUSE_S"  # test-only: sleep inside write transactions
ENV_TEST_MARK = "ANOMALYCLAW_DB_TEST_MARK"  # test-only: file touched when a pause starts
ENV_TEST_PAUSE_AT = "ANOMALYCLAW_DB_TEST_PAUSE_AT"  # test-only: pause at the N-th hook call (default 1)
_hook_calls = 0
SQLITE_BUSY_MS = 30_000


def default_url() -> str:
    """The URL used when none is given: ``ANOMALYCLAW_DB_URL``, else the SQLite file under the home folder."""
    if url := os.environ.get(ENV_URL):
        return url
    home = Path(os.environ.get(ENV_HOME) or Path.home() / ".anomalyclaw").expanduser()
    return f"sqlite:///{home / 'anomalyclaw.db'}"


def _bad(url: str, why: str) -> InputError:
    return InputError(f"bad database URL {redact(url)!r}: {why}",
                      hint=f"use e.g. sqlite:///path/to/anomalyclaw.db or postgresql+psycopg://user@host/db "
                           f"(--db or {ENV_URL})")


def redact(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def is_memory(url: URL) -> bool:
    """An in-memory SQLite database: one process, one connection, for tests and dry runs."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL lets readers work while one process writes; busy_timeout makes writers wait, not fail."""
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def make_engine(url: str) -> Engine:
    """A connected engine for ``url``; creates the SQLite file's folder.

    Raises:
        InputError: the URL is malformed, names an unknown driver, or the server cannot be reached.
    """
    try:
        parsed: URL = make_url(url)
    except ArgumentError as e:
        raise _bad(url, "not a SQLAlchemy URL") from e
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not db.startswith("file:"):
            try:
                Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise _bad(url, f"cannot create folder {Path(db).parent}: {e.strerror}") from e
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_MS / 1000}
        elif is_memory(parsed):  # one connection, so every thread sees the same (single-threaded) database
            kwargs["connect_args"] = {"check_same_thread": False}
            kwargs["poolclass"] = StaticPool
    elif parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(parsed, pool_pre_ping=True, **kwargs)
    except (NoSuchModuleError, ArgumentError, ImportError) as e:
        first = str(e).splitlines()[0] if str(e) else ""
        raise _bad(url, f"unknown or missing driver ({e.__class__.__name__}: {first})") from e
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as e:  # unreachable server, refused login, a file that is not a database
        engine.dispose()
        reason = str(e.orig).strip().splitlines()[0] if e.orig is not None else str(e).splitlines()[0]
        raise _bad(url, f"cannot connect ({reason})") from e
    return engine


def fault_hooks_active() -> bool:
    """True when a test asked for pauses (writers then flush row by row so a kill lands mid-write)."""
    return bool(os.environ.get(ENV_TEST_PAUSE))


def fault_pause(point: str) -> None:
    """Test-only hook: sleep inside a write transaction so a test can kill the process there.

    Does nothing unless ``ANOMALYCLAW_DB_TEST_PAUSE_S`` is set. Then, at the N-th call in this
    process (``ANOMALYCLAW_DB_TEST_PAUSE_AT``, default 1) and after, it writes ``point`` to the file
    named by ``ANOMALYCLAW_DB_TEST_MARK`` (so the test knows the transaction is open) and sleeps.
    """
    global _hook_calls
    if not (pause := os.environ.get(ENV_TEST_PAUSE)):
        return
    _hook_calls += 1
    if _hook_calls < int(os.environ.get(ENV_TEST_PAUSE_AT, "1")):
        return
    if mark := os.environ.get(ENV_TEST_MARK):
        Path(mark).write_text(point)
    time.sleep(float(pause))

"""Store fixtures: every store test runs on SQLite and on the real PostgreSQL server.

PostgreSQL: ``ANOMALYCLAW_TEST_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
Each test gets a fresh schema (set through the connection's ``search_path``), dropped afterwards,
so concurrent test sessions on a shared server do not see each other. An unreachable server skips
the PostgreSQL half with the reason, unless ``ANOMALYCLAW_REQUIRE_PG=1`` (CI), where it fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import db
from db import Store

PG_URL = os.environ.get("ANOMALYCLAW_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_SESSION = uuid.uuid4().hex[:8]
_count = iter(range(10**6))
ROOT = Path(db.__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def pg_admin():
    """An engine on the PostgreSQL test database, or a skip (a failure in CI) when it is unreachable."""
    engine = create_engine(PG_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as e:
        engine.dispose()
        reason = f"PostgreSQL unreachable at {PG_URL}: {str(e.orig).strip().splitlines()[0]}"
        if os.environ.get("ANOMALYCLAW_REQUIRE_PG") == "1":
            pytest.fail(f"{reason} (ANOMALYCLAW_REQUIRE_PG=1)")
        pytest.skip(reason)
    yield engine
    with engine.begin() as conn:  # belt and braces: schemas of tests that crashed before teardown
        for (name,) in conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
                                    {"p": f"acl_{_SESSION}_%"}):
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    engine.dispose()


@pytest.fixture
def pg_url(pg_admin) -> Iterator[str]:
    """URL of a fresh, empty schema on the test server, dropped after the test."""
    schema = f"acl_{_SESSION}_{next(_count)}"
    with pg_admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with pg_admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A URL of an empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url) -> Iterator[Store]:
    """An opened (migrated) store on each backend."""
    s = Store(db_url)
    yield s
    s.close()


class Children:
    """Child Python processes of one test, killed at teardown if still running."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def spawn(self, code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start ``python -c code args...`` with this checkout first on the path."""
        full = {**os.environ, **(env or {})}
        full["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
        proc = subprocess.Popen([sys.executable, "-c", code, *args], env=full, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        self.procs.append(proc)
        return proc

    @staticmethod
    def wait_for_file(path: Path, proc: subprocess.Popen, limit_s: float = 60.0) -> str:
        """Wait until ``path`` exists (the child reached its point); fail at once if the child died."""
        deadline = time.monotonic() + limit_s
        while not path.exists():
            if proc.poll() is not None:
                out, err = proc.communicate()
                raise AssertionError(f"child exited {proc.returncode} before {path.name}:\n{out}\n{err}")
            if time.monotonic() > deadline:
                raise AssertionError(f"child never reached {path.name}")
            time.sleep(0.05)
        time.sleep(0.05)  # let the small write finish
        return path.read_text()

    @staticmethod
    def kill9(proc: subprocess.Popen) -> None:
        """SIGKILL and reap (a zombie would still look alive to the lock)."""
        proc.send_signal(signal.SIGKILL)
        proc.wait()


@pytest.fixture
def children() -> Iterator[Children]:
    """Spawn child processes; any left running are killed after the test."""
    c = Children()
    yield c
    for p in c.procs:
        if p.poll() is None:
            c.kill9(p)
        p.communicate()

"""Opening the store: where the default database lives, bad URLs, Alembic migrations matching the models."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from anomalyclaw.errors import InputError
from db import Store, StoreError, default_url
from db._migrate import current_revision, head_revision, upgrade
from db._models import Base

OPENER = """
import sys
from db import Store
Store(sys.argv[1]).ensure_seed("D1")
print("ok")
"""


def test_default_url_follows_home_and_url_env(monkeypatch, tmp_path):
    monkeypatch.delenv("ANOMALYCLAW_DB_URL", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    monkeypatch.delenv("ANOMALYCLAW_HOME", raising=False)
    assert default_url() == f"sqlite:///{tmp_path / 'h' / '.anomalyclaw' / 'anomalyclaw.db'}"
    monkeypatch.setenv("ANOMALYCLAW_HOME", str(tmp_path / "ach"))
    store = Store()
    assert store.url == f"sqlite:///{tmp_path / 'ach' / 'anomalyclaw.db'}"
    assert (tmp_path / "ach" / "anomalyclaw.db").is_file()
    store.close()
    monkeypatch.setenv("ANOMALYCLAW_DB_URL", f"sqlite:///{tmp_path / 'other.db'}")
    assert default_url() == f"sqlite:///{tmp_path / 'other.db'}"


@pytest.mark.parametrize(("url", "why"), [
    ("not a url", "not a SQLAlchemy URL"),
    ("nosuchdb://host/x", "unknown or missing driver"),
    ("postgresql+psycopg://nobody:secret@127.0.0.1:1/x", "cannot connect"),
])
def test_bad_url_is_one_actionable_line(url, why):
    with pytest.raises(InputError) as err:
        Store(url)
    msg = str(err.value)
    assert "\n" not in msg and why in msg and "ANOMALYCLAW_DB_URL" in msg
    assert "secret" not in msg  # passwords never reach the terminal


def test_unusable_sqlite_targets_are_input_errors(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database file at all" * 100)
    with pytest.raises(InputError, match="cannot connect"):
        Store(f"sqlite:///{junk}")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(InputError, match="cannot create folder"):
        Store(f"sqlite:///{tmp_path / 'afile' / 'sub' / 'x.db'}")


def test_in_memory_store_works_across_threads_and_locks():
    store = Store("sqlite://")
    store.ensure_seed("D11")
    with store.domain_lock("D11") as lock:
        seen: list[int] = []
        t = threading.Thread(target=lambda: seen.append(store.current_rulebook("D11").version))
        t.start()
        t.join()
        v = store.commit_version("D11", 0, [], accepted=True, lock=lock)
    assert seen == [0]  # another thread saw the same in-memory database
    assert [x.version for x in store.list_versions("D11")] == [0, v]


def test_migrations_build_exactly_the_models_schema(db_url):
    store = Store(db_url, migrate=False)
    with store.engine.connect() as conn:
        assert current_revision(conn) is None
        assert inspect(conn).get_table_names() == []
    assert upgrade(store.engine) is True
    assert upgrade(store.engine) is False  # already at head: nothing runs
    with store.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        assert set(inspect(conn).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    store.close()


def test_head_read_from_the_files_is_alembics_head():
    from alembic.script import ScriptDirectory

    from db._migrate import alembic_config

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_database_from_a_newer_release_is_refused(db_url):
    Store(db_url).close()
    raw = Store(db_url, migrate=False)
    with raw.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    raw.close()
    with pytest.raises(StoreError, match="upgrade the package"):
        Store(db_url)


@pytest.mark.slow
def test_processes_opening_a_fresh_database_together_all_succeed(db_url, children):
    procs = [children.spawn(OPENER, db_url) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    store = Store(db_url)
    assert [v.version for v in store.list_versions("D1")] == [0]
    store.close()

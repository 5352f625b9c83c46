"""The per-domain evolution lock: refuses a live holder, waits, replaces dead or stale ones (SQLite + PG)."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from db import DomainLockedError, Store, StoreError
from db._lock import HOST, _pid_start
from db._models import LockRow, utcnow

HOLDER = """
import pathlib, sys, time
from db import Store
with Store(sys.argv[1]).domain_lock(sys.argv[2]):
    pathlib.Path(sys.argv[3]).write_text("held")
    time.sleep(600)
"""


def test_second_process_is_refused_with_the_holder_named_then_takes_over_a_killed_holder(
        store, db_url, tmp_path, children):
    child = children.spawn(HOLDER, db_url, "D9", str(tmp_path / "held"))
    children.wait_for_file(tmp_path / "held", child)
    with pytest.raises(DomainLockedError, match=rf"domain D9 is being evolved by pid {child.pid} on "):
        with store.domain_lock("D9"):
            pass
    with store.domain_lock("D8"):  # other domains are free
        pass
    children.kill9(child)
    with store.domain_lock("D9") as lock:  # dead pid on this host: replaced at once
        with store._tx() as s:
            assert s.get(LockRow, "D9").pid == os.getpid() and lock.token


def test_waiting_acquire_gets_the_lock_once_the_holder_releases(store):
    got: list[str] = []
    release = threading.Event()

    def holder() -> None:
        with store.domain_lock("D1"):
            got.append("held")
            release.wait(30)

    t = threading.Thread(target=holder)
    t.start()
    while not got:
        time.sleep(0.01)
    with pytest.raises(DomainLockedError, match=r"\(this process\)"):
        with store.domain_lock("D1"):
            pass
    threading.Timer(0.5, release.set).start()
    with store.domain_lock("D1", wait_s=30) as lock:
        got.append(lock.token)
    t.join()
    assert len(got) == 2


def _plant(store: Store, **fields) -> None:
    now = utcnow()
    row = {"domain": "D2", "token": "other", "host": "elsewhere", "pid": 4242, "pid_start": None,
           "acquired_at": now, "heartbeat_at": now, **fields}
    with store._tx() as s:
        s.add(LockRow(**row))


def test_foreign_holder_is_replaced_only_when_its_heartbeat_is_stale(store):
    _plant(store)
    with pytest.raises(DomainLockedError, match="pid 4242 on elsewhere"):
        with store.domain_lock("D2", stale_after_s=60):
            pass
    with store._tx() as s:
        s.execute(update(LockRow).values(heartbeat_at=utcnow() - timedelta(hours=1)))
    with store.domain_lock("D2", stale_after_s=60) as lock:
        with store._tx() as s:
            assert s.get(LockRow, "D2").token == lock.token


@pytest.mark.skipif(_pid_start(os.getpid()) is None, reason="needs /proc to read process start times")
def test_reused_pid_on_this_host_counts_as_dead(store):
    _plant(store, host=HOST, pid=os.getpid(), pid_start="1")  # our pid, but another process's start time
    with store.domain_lock("D2"):
        pass


def test_a_process_that_lost_its_lock_cannot_commit(store):
    store.ensure_seed("D3")
    with store.domain_lock("D3", heartbeat_s=0.05) as lock:
        with store._tx() as s:  # another process takes the lock over (it thought we were dead)
            s.execute(update(LockRow).values(token="thief"))
        with pytest.raises(StoreError, match="lost the lock on D3; nothing was written"):
            store.commit_version("D3", 0, [], accepted=True, lock=lock)
        deadline = time.monotonic() + 30
        while not lock.lost and time.monotonic() < deadline:
            time.sleep(0.02)
        assert lock.lost
    assert [v.version for v in store.list_versions("D3")] == [0]
    with store._tx() as s:
        assert s.get(LockRow, "D3").token == "thief"  # release never deletes someone else's lock

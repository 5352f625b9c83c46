"""Per-domain evolution lock: one row per locked domain, the same code on SQLite and PostgreSQL.

The row names its owner (host, pid, process start time) and carries a heartbeat that a thread
refreshes. Another process may take the lock over only when the owner is provably gone: on the
same host its pid is dead (or reused by another process); anywhere, its heartbeat is older than
``stale_after_s`` (the heartbeat runs in a thread, so only a frozen or vanished process stops it).
A row-based lock (rather than ``pg_advisory_lock``) is portable, visible
(who holds it and since when) and tested identically on both backends.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from db._engine import is_memory
from db._models import LockRow, utcnow
from db._types import DomainLockedError, StoreError

log = logging.getLogger(__name__)
HOST = socket.gethostname()


def _pid_start(pid: int) -> str | None:
    """Start time of ``pid`` in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _pid_alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        pass
    now_start = _pid_start(pid)
    return start is None or now_start is None or now_start == start


def _describe(row: LockRow) -> str:
    me = " (this process)" if row.host == HOST and row.pid == os.getpid() else ""
    return f"pid {row.pid}{me} on {row.host} since {row.acquired_at:%Y-%m-%d %H:%M:%S}Z"


class DomainLock:
    """A held domain lock; use through ``Store.domain_lock(domain)``.

    Attributes:
        domain: the locked domain.
        token: this holder's unique token (stored in the row).
    """

    def __init__(self, engine: Engine, domain: str, *, stale_after_s: float, heartbeat_s: float) -> None:
        self.domain = domain
        self.token = uuid.uuid4().hex
        self._sessions = sessionmaker(engine)
        self._stale = timedelta(seconds=stale_after_s)
        self._beat_s = heartbeat_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False

    # ------------------------------------------------------------ acquire/release
    def _is_stale(self, row: LockRow, now: datetime) -> bool:
        if row.host == HOST and not _pid_alive(row.pid, row.pid_start):
            return True
        return now - row.heartbeat_at > self._stale

    def try_acquire(self) -> str | None:
        """Take the lock if free or stale.

        Returns:
            None when acquired, else a description of the holder.
        """
        now = utcnow()
        mine = {"token": self.token, "host": HOST, "pid": os.getpid(), "pid_start": _pid_start(os.getpid()),
                "acquired_at": now, "heartbeat_at": now}
        try:
            with self._sessions.begin() as s:
                row = s.get(LockRow, self.domain)
                if row is None:
                    s.add(LockRow(domain=self.domain, **mine))
                    s.flush()
                    return None
                if not self._is_stale(row, now):
                    return _describe(row)
                log.warning("taking over the stale lock on %s held by %s", self.domain, _describe(row))
                res = s.execute(update(LockRow).values(**mine)
                                .where(LockRow.domain == self.domain, LockRow.token == row.token))
                return None if res.rowcount == 1 else "another process (taken over concurrently)"
        except IntegrityError:  # a concurrent insert won the race
            return "another process (acquired concurrently)"

    def start_heartbeat(self) -> None:
        """Refresh the heartbeat in a daemon thread until :meth:`release`."""
        self._thread = threading.Thread(target=self._beat, name=f"lock-{self.domain}", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self._beat_s):
            try:
                with self._sessions.begin() as s:
                    res = s.execute(update(LockRow).values(heartbeat_at=utcnow())
                                    .where(LockRow.domain == self.domain, LockRow.token == self.token))
                if res.rowcount != 1:
                    self.lost = True
                    log.error("lost the lock on %s: another process took it over", self.domain)
                    return
            except OperationalError as e:  # database briefly unavailable: keep trying, the row is still ours
                log.warning("lock heartbeat on %s failed: %s", self.domain, str(e).splitlines()[0])

    def release(self) -> None:
        """Stop the heartbeat and delete the row if it is still ours."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._sessions.begin() as s:
            s.execute(delete(LockRow).where(LockRow.domain == self.domain, LockRow.token == self.token))

    # ------------------------------------------------------------------- checks
    def verify(self, s: Session) -> None:
        """Inside a write transaction: fail unless this process still holds the lock.

        Raises:
            StoreError: the lock was taken over (this process was presumed dead).
        """
        token = s.scalar(select(LockRow.token).where(LockRow.domain == self.domain))
        if token != self.token:
            self.lost = True
            raise StoreError(f"lost the lock on {self.domain}; nothing was written",
                             hint="another process took it over after this one stopped sending heartbeats")


def acquire(engine: Engine, domain: str, *, wait_s: float, stale_after_s: float,
            heartbeat_s: float | None, poll_s: float = 0.5) -> DomainLock:
    """Acquire the lock of ``domain``, waiting up to ``wait_s`` seconds.

    Raises:
        DomainLockedError: still held by a live process after ``wait_s``.
    """
    lock = DomainLock(engine, domain, stale_after_s=stale_after_s,
                      heartbeat_s=heartbeat_s if heartbeat_s is not None else stale_after_s / 4)
    deadline = time.monotonic() + wait_s
    while (holder := lock.try_acquire()) is not None:
        if time.monotonic() >= deadline:
            raise DomainLockedError(domain, holder)
        time.sleep(min(poll_s, max(0.0, deadline - time.monotonic())))
    if not is_memory(engine.url):  # an in-memory database lives and dies with this process: no heartbeat
        lock.start_heartbeat()
    return lock

"""``Store``: the one object the rest of anomalyclaw uses to read and write the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from db._lock import DomainLock, acquire
from db._operating_points import OperatingPointStore
from db._rounds import RoundStore
from db._rulebooks import RulebookStore
from db._runs import RunStore
from db._user_domains import UserDomainStore


class Store(RulebookStore, RunStore, RoundStore, OperatingPointStore, UserDomainStore):
    """Rulebook versions, runs, per-item records, evolution rounds and domain locks in one database.

    ``Store()`` opens ``ANOMALYCLAW_DB_URL`` or the SQLite file ``$ANOMALYCLAW_HOME/anomalyclaw.db``
    (``~/.anomalyclaw/anomalyclaw.db``), creating and migrating it as needed. Every method is one
    transaction. Methods by part:

    - rulebooks: ``ensure_seed``, ``current_rulebook``, ``get_rulebook``, ``list_versions``, ``deltas``,
      ``commit_version``, ``rollback``, ``import_rulebook``, ``next_rule_id``, ``add_rule_counts``,
      ``domains``, ``domain_name``;
    - runs: ``start_run``, ``finish_run``, ``add_records``, ``set_labels``, ``finished_item_ids``,
      ``records``, ``get_run``, ``runs``;
    - evolution: ``record_round``, ``rounds``, ``next_round``, ``domain_lock``;
    - operating points: ``set_operating_point``, ``operating_point``, ``operating_points``;
    - user domains: ``add_user_domain``, ``user_domain``, ``user_domains``, ``remove_user_domain``.
    """

    @contextmanager
    def domain_lock(self, domain: str, *, wait_s: float = 0.0, stale_after_s: float = 120.0,
                    heartbeat_s: float | None = None) -> Iterator[DomainLock]:
        """Hold the evolution lock of ``domain`` for the ``with`` block.

        Pass the yielded lock to ``commit_version(..., lock=lock)`` so a write is refused if the
        lock was lost. A holder that died (same host: dead pid; any host: no heartbeat for
        ``stale_after_s``) is replaced automatically.

        Args:
            domain: the domain.
            wait_s: how long to wait for a live holder to finish; 0 → refuse at once.
            stale_after_s: heartbeat age after which a holder counts as dead.
            heartbeat_s: heartbeat period (default ``stale_after_s / 4``).

        Raises:
            DomainLockedError: a live process holds it (after ``wait_s``), naming that process.
        """
        lock = acquire(self.engine, domain, wait_s=wait_s, stale_after_s=stale_after_s,
                       heartbeat_s=heartbeat_s)
        try:
            yield lock
        finally:
            lock.release()

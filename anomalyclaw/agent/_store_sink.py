"""Record sinks beyond JSON: the run store (``db.Store``) and a tee that feeds several sinks."""

from __future__ import annotations

import threading
from typing import Any

from anomalyclaw.agent._sinks import RecordSink
from anomalyclaw.record import Record


class StoreSink:
    """Writes each record into its domain's run in the store, one transaction per record.

    Args:
        store: an open ``db.Store``.
        runs: domain → run id (from ``store.start_run``); a domain missing here is refused.
    """

    def __init__(self, store: Any, runs: dict[str, str]) -> None:
        self.store, self.runs = store, dict(runs)
        self._lock = threading.Lock()

    def done_ids(self, domain: str) -> set[str]:
        """Items with a stored record and no error (errored items are retried)."""
        return self.store.finished_item_ids(self.runs[domain], include_errors=False)

    def write(self, record: Record) -> None:
        """Insert or replace the record in its run."""
        with self._lock:
            self.store.add_records(self.runs[record.domain_code], [record])

    def close(self) -> None:
        """Mark every run finished."""
        for run_id in self.runs.values():
            self.store.finish_run(run_id)


class TeeSink:
    """Feeds every sink; an item counts as done only when every sink has it."""

    def __init__(self, *sinks: RecordSink) -> None:
        self.sinks = sinks

    def done_ids(self, domain: str) -> set[str]:
        """Items done in all sinks."""
        sets = [s.done_ids(domain) for s in self.sinks]
        return set.intersection(*sets) if sets else set()

    def write(self, record: Record) -> None:
        """Write to each sink in order."""
        for s in self.sinks:
            s.write(record)

    def close(self) -> None:
        """Close each sink."""
        for s in self.sinks:
            s.close()

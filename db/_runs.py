"""Runs and their per-item records: resumable (upsert by (run, item)), one transaction per batch."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anomalyclaw.errors import InputError
from anomalyclaw.record import Record
from db._base import StoreBase
from db._engine import fault_hooks_active, fault_pause
from db._models import RecordRow, RunRow, utcnow
from db._types import RunInfo, RunStatus

_CHUNK = 500  # ids per IN (...) clause


def _columns(rec: Record) -> dict[str, Any]:
    return {"domain": rec.domain_code, "anomaly_score": rec.anomaly_score, "direct_score": rec.direct_score,
            "refutation_score": rec.refutation_score, "label": rec.label, "error": rec.error,
            "data": rec.to_upstream(), "updated_at": utcnow()}


class RunStore(StoreBase):
    """Run and record part of :class:`db.Store`."""

    def _run_row(self, s: Session, run_id: str) -> RunRow:
        row = s.get(RunRow, run_id)
        if row is None:
            raise InputError(f"no run {run_id!r} in the store", hint="list runs with store.runs()")
        return row

    def start_run(self, *, domain: str, split: str | None = None, backend: str | None = None,
                  model: str | None = None, rulebook_version: int | None = None,
                  data_source: str | None = None, config: Mapping[str, Any] | None = None,
                  run_id: str | None = None) -> str:
        """Create a run, or reopen an interrupted one when ``run_id`` exists already.

        Args:
            domain: domain code.
            split: calib | dev | test (None for a mix).
            backend: backend name.
            model: model name.
            rulebook_version: rulebook version in the agent's context.
            data_source: real | proxy | user.
            config: JSON-able run configuration (AgentConfig dump, seeds...).
            run_id: reuse this id (resume); None → a new readable id.

        Returns:
            The run id.

        Raises:
            InputError: ``run_id`` exists for another domain.
        """
        with self._tx() as s:
            if run_id is not None and (row := s.get(RunRow, run_id)) is not None:
                if row.domain != domain:
                    raise InputError(f"run {run_id} belongs to domain {row.domain}, not {domain}",
                                     hint="pick a new run id")
                row.status, row.finished_at = "running", None
                return run_id
            rid = run_id or f"{domain}-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
            s.add(RunRow(id=rid, domain=domain, split=split, backend=backend, model=model,
                         rulebook_version=rulebook_version, data_source=data_source,
                         config=dict(config or {}), status="running"))
            return rid

    def finish_run(self, run_id: str, status: RunStatus = "finished") -> None:
        """Mark a run finished (or failed / interrupted) and stamp the time."""
        with self._tx() as s:
            row = self._run_row(s, run_id)
            row.status, row.finished_at = status, utcnow()

    def add_records(self, run_id: str, records: Iterable[Record]) -> int:
        """Insert or replace records of a run by ``item_id``, all in one transaction.

        Returns:
            How many records were written.
        """
        batch = {r.item_id: r for r in records}  # last one wins within a batch
        ids = list(batch)
        with self._tx() as s:
            self._run_row(s, run_id)
            existing: dict[str, RecordRow] = {}
            for i in range(0, len(ids), _CHUNK):
                rows = s.scalars(select(RecordRow).where(RecordRow.run_id == run_id,
                                                         RecordRow.item_id.in_(ids[i:i + _CHUNK]))).all()
                existing.update({r.item_id: r for r in rows})
            for item_id, rec in batch.items():
                cols = _columns(rec)
                if (row := existing.get(item_id)) is not None:
                    for k, v in cols.items():
                        setattr(row, k, v)
                else:
                    s.add(RecordRow(run_id=run_id, item_id=item_id, **cols))
                if fault_hooks_active():
                    s.flush()
                    fault_pause(f"record {item_id} written")
        return len(batch)

    def set_labels(self, run_id: str, labels: Mapping[str, int]) -> int:
        """Join ground-truth labels onto stored records (for eval; evolution never reads them).

        Returns:
            How many records got a label.
        """
        n = 0
        with self._tx() as s:
            rows = s.scalars(select(RecordRow).where(RecordRow.run_id == run_id)).all()
            for row in rows:
                if row.item_id in labels:
                    row.label = int(labels[row.item_id])
                    row.data = {**row.data, "label_gt": row.label}
                    n += 1
        return n

    def finished_item_ids(self, run_id: str, *, include_errors: bool = True) -> set[str]:
        """Items of a run that already have a record (to skip them when resuming).

        Args:
            run_id: the run.
            include_errors: False → items whose record holds an error are left out (so they are retried).
        """
        with self._tx() as s:
            q = select(RecordRow.item_id).where(RecordRow.run_id == run_id)
            if not include_errors:
                q = q.where(RecordRow.error.is_(None))
            return set(s.scalars(q))

    def records(self, run_id: str, *, with_labels: bool = True) -> list[Record]:
        """The run's records in the order they were first written.

        Args:
            run_id: the run.
            with_labels: False → every record comes back through ``Record.without_label()``.
        """
        with self._tx() as s:
            self._run_row(s, run_id)
            q = select(RecordRow.data).where(RecordRow.run_id == run_id).order_by(RecordRow.id)
            data = s.scalars(q).all()
        recs = [Record.from_upstream(d) for d in data]
        return recs if with_labels else [r.without_label() for r in recs]

    def get_run(self, run_id: str) -> RunInfo:
        """One run with its record count."""
        with self._tx() as s:
            row = self._run_row(s, run_id)
            n = s.scalar(select(func.count()).select_from(RecordRow).where(RecordRow.run_id == run_id)) or 0
            return _info(row, n)

    def runs(self, domain: str | None = None) -> list[RunInfo]:
        """Runs, newest first, optionally of one domain."""
        with self._tx() as s:
            q = select(RunRow).order_by(RunRow.started_at.desc(), RunRow.id)
            if domain is not None:
                q = q.where(RunRow.domain == domain)
            rows = s.scalars(q).all()
            counts = dict(s.execute(select(RecordRow.run_id, func.count()).group_by(RecordRow.run_id)).all())
            return [_info(r, counts.get(r.id, 0)) for r in rows]


def _info(row: RunRow, n: int) -> RunInfo:
    return RunInfo(run_id=row.id, domain=row.domain, split=row.split, backend=row.backend, model=row.model,
                   rulebook_version=row.rulebook_version, data_source=row.data_source,
                   config=row.config or {}, started_at=row.started_at, finished_at=row.finished_at,
                   status=row.status, n_records=n)

"""Label-free operating points in the store: one threshold per (domain, rulebook version, backend,
model, target FPR), replaced in one transaction when it is calibrated again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from db._base import StoreBase
from db._models import DomainRow, OperatingPointRow, utcnow


class OperatingPoint(BaseModel):
    """A decision threshold set from normal images only (never from labels)."""

    domain: str
    version: int = Field(description="Rulebook version the normals were scored with.")
    backend: str
    model: str
    fpr: float = Field(description="Target false-positive rate.")
    threshold: float = Field(description="Decide anomalous when the fused score is above it.")
    method: str = Field(description="How the normals were scored, e.g. 'held-out-normals'.")
    n_normals: int = Field(description="How many normal scores set it.")
    evidence: dict[str, Any] = Field(default_factory=dict, description="Settings and the normal scores.")
    created_at: datetime | None = None


def _to_model(row: OperatingPointRow) -> OperatingPoint:
    return OperatingPoint(domain=row.domain, version=row.version, backend=row.backend, model=row.model,
                          fpr=row.fpr, threshold=row.threshold, method=row.method, n_normals=row.n_normals,
                          evidence=row.evidence or {}, created_at=row.created_at)


class OperatingPointStore(StoreBase):
    """Operating-point part of :class:`db.Store`."""

    def set_operating_point(self, op: OperatingPoint) -> OperatingPoint:
        """Insert or replace the operating point of its (domain, version, backend, model, fpr)."""
        with self._tx() as s:
            if s.get(DomainRow, op.domain) is None:
                s.add(DomainRow(code=op.domain, name=""))
            row = s.scalar(self._where(op.domain, op.version, op.backend, op.model, op.fpr))
            if row is None:
                row = OperatingPointRow(domain=op.domain, version=op.version, backend=op.backend,
                                        model=op.model, fpr=op.fpr)
                s.add(row)
            row.threshold, row.method, row.n_normals = op.threshold, op.method, op.n_normals
            row.evidence, row.created_at = op.evidence, utcnow()
            s.flush()
            return _to_model(row)

    def operating_point(self, domain: str, version: int, backend: str, model: str,
                        fpr: float) -> OperatingPoint | None:
        """The stored operating point, or None."""
        with self._tx() as s:
            row = s.scalar(self._where(domain, version, backend, model, fpr))
            return None if row is None else _to_model(row)

    def operating_points(self, domain: str) -> list[OperatingPoint]:
        """Every operating point of ``domain``, by version then FPR."""
        with self._tx() as s:
            rows = s.scalars(select(OperatingPointRow).where(OperatingPointRow.domain == domain)
                             .order_by(OperatingPointRow.version, OperatingPointRow.fpr)).all()
            return [_to_model(r) for r in rows]

    @staticmethod
    def _where(domain: str, version: int, backend: str, model: str, fpr: float):  # noqa: ANN205
        t = OperatingPointRow
        return select(t).where(t.domain == domain, t.version == version, t.backend == backend,
                               t.model == model, t.fpr == fpr)

"""Evolution rounds in the store: one row per (domain, round), never overwritten."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db._base import StoreBase
from db._models import DomainRow, RoundRow
from db._types import EvolutionRound, StoreError


def add_round(s: Session, r: EvolutionRound) -> RoundRow:
    """Insert one round inside the caller's transaction.

    Raises:
        StoreError: the round number is taken (a restarted round must use :meth:`RoundStore.next_round`).
    """
    taken = s.scalar(select(RoundRow.id).where(RoundRow.domain == r.domain, RoundRow.round == r.round))
    if taken is not None:
        raise StoreError(f"round {r.round} of {r.domain} is already recorded",
                         hint="take the number from store.next_round(domain)")
    if s.get(DomainRow, r.domain) is None:
        s.add(DomainRow(code=r.domain, name=""))
    row = RoundRow(domain=r.domain, round=r.round, parent_version=r.parent_version,
                   candidate_version=r.candidate_version, status=r.status, proxy_before=r.proxy_before,
                   proxy_after=r.proxy_after, evidence=r.evidence)
    s.add(row)
    s.flush()
    return row


def _to_model(row: RoundRow) -> EvolutionRound:
    return EvolutionRound(domain=row.domain, round=row.round, parent_version=row.parent_version,
                          candidate_version=row.candidate_version, status=row.status,
                          proxy_before=row.proxy_before, proxy_after=row.proxy_after,
                          evidence=row.evidence or {}, created_at=row.created_at)


class RoundStore(StoreBase):
    """Evolution-round part of :class:`db.Store`."""

    def record_round(self, r: EvolutionRound) -> EvolutionRound:
        """Store a round that made no version (nothing proposed, all proposals malformed, a failure).

        A round that made a candidate is best recorded through ``commit_version(..., round=...)``,
        so version and round land in the same transaction.
        """
        with self._tx() as s:
            return _to_model(add_round(s, r))

    def rounds(self, domain: str) -> list[EvolutionRound]:
        """Rounds of ``domain`` in order."""
        with self._tx() as s:
            rows = s.scalars(select(RoundRow).where(RoundRow.domain == domain).order_by(RoundRow.round)).all()
            return [_to_model(r) for r in rows]

    def next_round(self, domain: str) -> int:
        """The number the next round of ``domain`` should use (1 for the first)."""
        with self._tx() as s:
            return (s.scalar(select(func.max(RoundRow.round)).where(RoundRow.domain == domain)) or 0) + 1

"""Typed rows the store hands out for runs and rounds, and its errors.

Rulebook types (Rule, Rulebook, RulebookVersion) live in ``anomalyclaw.rulebook``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from anomalyclaw.errors import AnomalyClawError

RunStatus = Literal["running", "finished", "failed", "interrupted"]
RoundStatus = Literal["accepted", "rejected", "no_proposal", "failed"]


class StoreError(AnomalyClawError):
    """The database refused an operation for a reason the user can act on."""


class DomainLockedError(StoreError):
    """Another live process holds the domain's evolution lock.

    Attributes:
        domain: the locked domain.
        holder: who holds it, e.g. 'pid 4242 on host-a since 2026-01-01T10:00:00Z'.
    """

    def __init__(self, domain: str, holder: str) -> None:
        super().__init__(f"domain {domain} is being evolved by {holder}",
                         hint="wait for it to finish, or pass a wait timeout; a dead holder is detected "
                              "and replaced automatically")
        self.domain = domain
        self.holder = holder


class RunInfo(BaseModel):
    """One scoring run as stored."""

    run_id: str
    domain: str
    split: str | None = None
    backend: str | None = None
    model: str | None = None
    rulebook_version: int | None = None
    data_source: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    started_at: datetime
    finished_at: datetime | None = None
    status: RunStatus = "running"
    n_records: int = Field(default=0, description="Records stored so far.")


class EvolutionRound(BaseModel):
    """One evolution round of one domain.

    ``candidate_version`` is None when the round produced no candidate (nothing proposed, or
    every proposal was malformed); the version itself, accepted or rejected, is in rulebook_versions.
    """

    domain: str
    round: int = Field(description="1, 2, ... per domain.")
    parent_version: int = Field(description="Rulebook version the round started from.")
    candidate_version: int | None = None
    status: RoundStatus
    proxy_before: float | None = Field(default=None, description="Label-free proxy AUROC of the parent.")
    proxy_after: float | None = Field(default=None, description="Label-free proxy AUROC of the candidate.")
    evidence: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None

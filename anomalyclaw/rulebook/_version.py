"""Metadata of one stored rulebook version (its rules live in :class:`Rulebook`).

The store writes one :class:`RulebookVersion` per version, accepted or rejected, so the
lineage of a domain's rulebook can be read, diffed and rolled back without re-running anything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

VersionStatus = Literal["seed", "accepted", "rejected"]


class RulebookVersion(BaseModel):
    """One version of a domain's rulebook as the store lists it."""

    domain: str = Field(description="Domain code ('D1'..'D12') or a user domain's name.")
    version: int = Field(description="0 = seed; then 1, 2, ... in commit order, rejected ones included.")
    parent: int | None = Field(description="Version this one was derived from; None for the seed.")
    status: VersionStatus = Field(description="seed | accepted | rejected (by the acceptance test).")
    created_at: datetime = Field(description="When it was committed (UTC).")
    backend: str | None = Field(default=None, description="Backend that proposed it.")
    model: str | None = Field(default=None, description="Model that proposed it.")
    evidence: dict[str, Any] = Field(default_factory=dict, description="Acceptance test evidence.")
    note: str | None = Field(default=None, description="Free text, e.g. 'rollback to v3' or an import path.")
    n_rules: int = Field(default=0, description="Rules in the snapshot, retired ones included.")
    n_active: int = Field(default=0, description="Active rules in the snapshot.")
    n_deltas: int = Field(default=0, description="Deltas that made it from its parent.")

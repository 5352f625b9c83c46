"""What a reflector hands on: proposed deltas (or rejections), and what it is given."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from anomalyclaw.rulebook import Provenance, Rulebook, RuleDelta
from evolution.signals import Signals

ProposalStatus = Literal["proposed", "rejected", "accepted"]


class Proposal(BaseModel):
    """One proposed rule change and what became of it.

    A malformed reflector answer, a duplicate or an invalid edit is kept as a *rejected*
    proposal with its reason, so the store shows every idea that was considered.
    """

    delta: RuleDelta | None = Field(default=None, description="None when the answer was unusable.")
    status: ProposalStatus = "proposed"
    reason: str = Field(default="", description="Why rejected (or what acceptance said).")
    source: Literal["template", "lm", "curator"] = "template"
    provenance: Provenance = Field(default_factory=Provenance)
    raw: str | None = Field(default=None, description="The raw LM answer when it could not be used.")

    def reject(self, reason: str) -> Proposal:
        """A rejected copy with ``reason``."""
        return self.model_copy(update={"status": "rejected", "reason": reason})


@dataclass(frozen=True)
class ReflectContext:
    """Everything a reflector may read. No labels, no paths; item ids only for provenance.

    Attributes:
        description: the domain's description (what the model reads about the domain).
        rulebook: the current accepted version.
        signals: this round's label-free signals.
        round: evolution round (1-based).
        rejected: deltas rejected in earlier rounds of this lineage (to propose something else).
        taken_ids: every rule id ever used in this domain (new ids must be fresh).
        features: names the policy backend measures; None = unknown (LM backends).
        backend / model: what is making the proposal (for provenance).
    """

    description: str
    rulebook: Rulebook
    signals: Signals
    round: int
    rejected: tuple[RuleDelta, ...] = ()
    taken_ids: frozenset[str] = field(default_factory=frozenset)
    features: frozenset[str] | None = None
    backend: str = "policy"
    model: str | None = None

    def id_allocator(self):
        """A function returning fresh rule ids for this domain (never reusing a taken one)."""
        taken = set(self.taken_ids) | {r.rule_id for r in self.rulebook.rules}
        return id_allocator(self.rulebook.domain, taken)

    def provenance(self, signals: Iterable[str], items: Iterable[str] = ()) -> Provenance:
        """Provenance for a proposal made this round."""
        return Provenance(round=self.round, signals=sorted(set(signals)), items=sorted(set(items)),
                          backend=self.backend, model=self.model)


class Reflector(Protocol):
    """Turns signals into delta proposals."""

    name: str

    def propose(self, ctx: ReflectContext) -> list[Proposal]:
        """Proposals for this round; never raises on a malformed model answer."""
        ...


_ID = re.compile(r"-r(\d+)$")


def id_allocator(domain: str, taken: Iterable[str]):
    """A function returning fresh ids ``<domain>-r0007`` after the highest taken one."""
    nums = [int(m.group(1)) for t in taken if (m := _ID.search(t))]
    counter = iter(range(max(nums, default=0) + 1, 10**6))
    return lambda: f"{domain}-r{next(counter):04d}"

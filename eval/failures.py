"""Failure accounting: how often each branch's model misbehaved in a run, beside its AUROC.

From the records alone (``call_stats`` the agent writes per item, the branch scores and the
fusion flag), per branch: the share of items with an unparseable answer (malformed), the share
whose branch score could not be used as is (fallback), retried attempts, timeouts, context
overflows, and whether the branch's scores are degenerate (one constant value over the run, which
makes its AUROC meaningless). Records without ``call_stats`` (upstream files) count for the
score-based measures only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from anomalyclaw.record import Record

BRANCHES = ("direct", "refutation")
DEFAULT_BOUND = 0.2
_WIRE_FAILURES = ("rate_limited", "server_error", "timeout", "transport")
MIN_FOR_DEGENERATE = 5


class BranchFailures(NamedTuple):
    """One branch of one run (one model)."""

    branch: str
    model: str
    n_items: int
    calls: int
    malformed_rate: float
    fallback_rate: float
    retries: int
    timeouts: int
    context_overflows: int
    degenerate: bool

    def over(self, bound: float = DEFAULT_BOUND) -> list[str]:
        """What exceeds ``bound`` (rates) or is degenerate, in words; empty when all is well."""
        out = [f"{name} {rate:.0%}" for name, rate in (("malformed", self.malformed_rate),
                                                        ("fallback", self.fallback_rate)) if rate > bound]
        if self.degenerate:
            out.append("constant scores")
        return out


def _fell_back(r: Record, branch: str) -> bool:
    extra = r.model_extra or {}
    if branch == "direct":
        return r.direct_score is None or extra.get("direct_path") == "fallback"
    return r.refutation_score is None or extra.get("fusion_flag") == "direct_only"


def branch_failures(records: Sequence[Record], branch: str) -> BranchFailures:
    """Failure measures of ``branch`` over one run's records."""
    n = len(records)
    stats = [((r.model_extra or {}).get("call_stats") or {}).get(branch) for r in records]
    known = [s for s in stats if s]
    calls = sum(int(s.get("calls", 0)) for s in known)
    failures = [s.get("failures") or {} for s in known]
    attempts = [s.get("attempts") or {} for s in known]
    failed_attempts = sum(v for a in attempts for k, v in a.items() if k != "ok")
    final_wire_failures = sum(v for f in failures for k, v in f.items() if k in _WIRE_FAILURES)
    scores = [getattr(r, f"{branch}_score") for r in records]
    scores = [s for s in scores if s is not None]
    degenerate = len(scores) >= MIN_FOR_DEGENERATE and float(np.ptp(scores)) < 1e-9
    return BranchFailures(
        branch=branch,
        model=next((r.model for r in records if r.model), "?"),
        n_items=n,
        calls=calls,
        malformed_rate=sum(f.get("parse", 0) > 0 for f in failures) / len(known) if known else 0.0,
        fallback_rate=sum(_fell_back(r, branch) for r in records) / n if n else 0.0,
        retries=max(0, failed_attempts - final_wire_failures),
        timeouts=sum(a.get("timeout", 0) for a in attempts),
        context_overflows=sum(f.get("context_overflow", 0) for f in failures),
        degenerate=degenerate,
    )


def failure_stats(records: Sequence[Record]) -> list[BranchFailures]:
    """Both branches of one run."""
    return [branch_failures(records, b) for b in BRANCHES]

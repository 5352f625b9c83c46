"""A run's per-domain summary: counts, fallbacks, and AUROC of each score when labels exist.

The CLI layer may read eval (the arrow runs agent → records → eval); the agent itself does not.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import NamedTuple

from anomalyclaw.record import Record
from eval import OneClassWarning, auroc


class Summary(NamedTuple):
    """What a run produced for one domain."""

    n: int
    n_errors: int
    n_fallbacks: int
    fused: float | None
    direct: float | None
    refutation: float | None


def _auroc(records: Sequence[Record], attr: str) -> float | None:
    pairs = [
        (r.label, getattr(r, attr)) for r in records if r.label is not None and getattr(r, attr) is not None
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OneClassWarning)  # a one-class pool has no AUROC: shown as —
        value = auroc([lab for lab, _ in pairs], [s for _, s in pairs]) if pairs else math.nan
    return None if math.isnan(value) else value


def summarize(records: Sequence[Record]) -> Summary:
    """Counts and tie-aware AUROCs (None without both classes) over ``records``."""
    extras = [r.model_extra or {} for r in records]
    return Summary(
        n=len(records),
        n_errors=sum(r.anomaly_score is None for r in records),
        n_fallbacks=sum(
            e.get("direct_path") == "fallback" or e.get("fusion_flag") is not None for e in extras
        ),
        fused=_auroc(records, "anomaly_score"),
        direct=_auroc(records, "direct_score"),
        refutation=_auroc(records, "refutation_score"),
    )

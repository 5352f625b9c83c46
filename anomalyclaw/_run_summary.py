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
from eval.failures import BranchFailures, failure_stats
from eval.operating_point import realised


class Summary(NamedTuple):
    """What a run produced for one domain."""

    n: int
    n_errors: int
    n_fallbacks: int
    fused: float | None
    direct: float | None
    refutation: float | None
    threshold: float | None = None
    fpr: float | None = None
    recall: float | None = None
    failures: tuple[BranchFailures, ...] = ()


def _auroc(records: Sequence[Record], attr: str) -> float | None:
    pairs = [
        (r.label, getattr(r, attr)) for r in records if r.label is not None and getattr(r, attr) is not None
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OneClassWarning)  # a one-class pool has no AUROC: shown as —
        value = auroc([lab for lab, _ in pairs], [s for _, s in pairs]) if pairs else math.nan
    return None if math.isnan(value) else value


def _at_threshold(records: Sequence[Record]) -> tuple[float | None, float | None, float | None]:
    """The run's threshold and the false-positive rate and recall it realises on labelled records."""
    decided = [r for r in records if r.threshold is not None and r.anomaly_score is not None]
    if not decided:
        return None, None, None
    labelled = [r for r in decided if r.label is not None]
    got = realised([r.label for r in labelled], [r.anomaly_score for r in labelled], decided[0].threshold)
    return decided[0].threshold, got.fpr, got.recall


def summarize(records: Sequence[Record]) -> Summary:
    """Counts, tie-aware AUROCs (None without both classes) and the operating point over ``records``."""
    extras = [r.model_extra or {} for r in records]
    threshold, fpr, recall = _at_threshold(records)
    return Summary(
        n=len(records),
        n_errors=sum(r.anomaly_score is None for r in records),
        n_fallbacks=sum(
            e.get("direct_path") == "fallback" or e.get("fusion_flag") is not None for e in extras
        ),
        fused=_auroc(records, "anomaly_score"),
        direct=_auroc(records, "direct_score"),
        refutation=_auroc(records, "refutation_score"),
        threshold=threshold,
        fpr=fpr,
        recall=recall,
        failures=tuple(failure_stats(records)),
    )

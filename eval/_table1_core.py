"""Table 1 as data: from named runs of records to typed, serialisable results.

For each run: apply the paper's filter, recompute the blend
``α·direct + (1−α)·refutation`` from the two branch scores (the stored fused score is
not trusted, so any α can be asked for), take per-domain AUROCs with sklearn, macro
average them, and bootstrap all three systems on shared resamples for CIs and the
paired Δ(AnomalyClaw − Direct). Rendering lives in :mod:`eval._render`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

import numpy as np
from pydantic import BaseModel, Field

from anomalyclaw.errors import InputError, RecordError
from anomalyclaw.record import Record
from eval._order import natural_sorted
from eval._sources import NamedRecords
from eval.bootstrap import BootstrapDraws, DomainScores, bootstrap_macro
from eval.metrics import OneClassWarning, auroc, mean_finite
from eval.records import split_scoreable

__all__ = ["SYSTEMS", "DomainRow", "Estimate", "Table1Result", "Table1Row", "compute_row", "compute_table1",
           "to_domain_scores"]

DIRECT, REFUTATION, BLEND = "direct", "refutation", "anomalyclaw"
SYSTEMS = (DIRECT, REFUTATION, BLEND)
SCHEMA_VERSION = 1


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


class Estimate(BaseModel):
    """A value with its 95% (or ``level``) percentile bootstrap CI; None where undefined."""

    value: float | None = Field(description="Point estimate (macro AUROC, or Δ in pp).")
    low: float | None = Field(default=None, description="Lower CI bound; None without bootstrap.")
    high: float | None = Field(default=None, description="Upper CI bound; None without bootstrap.")
    p_positive: float | None = Field(default=None, description="P(Δ > 0) over replicates (differences only).")


class DomainRow(BaseModel):
    """One domain of one run: size and the three AUROCs (None for a one-class domain)."""

    domain: str = Field(description="Domain code.")
    n: int = Field(description="Rows kept.")
    n_anomalous: int = Field(description="Rows kept with label 1.")
    direct: float | None = Field(description="Direct-branch AUROC.")
    refutation: float | None = Field(description="Refutation-branch AUROC.")
    anomalyclaw: float | None = Field(description="Blend AUROC.")
    delta_pp: float | None = Field(description="Blend − Direct, percentage points.")


class Table1Row(BaseModel):
    """One run's Table 1 row plus the bookkeeping behind it."""

    name: str = Field(description="Row label.")
    origin: str = Field(description="Records directory or run id.")
    n_records: int = Field(description="Rows read.")
    n_kept: int = Field(description="Rows passing the paper's filter.")
    dropped: dict[str, int] = Field(default_factory=dict, description="Rows dropped, per reason.")
    n_domains: int = Field(description="Domains with kept rows.")
    direct: Estimate = Field(description="Direct macro AUROC.")
    refutation: Estimate = Field(description="Refutation-only macro AUROC.")
    anomalyclaw: Estimate = Field(description="Blend macro AUROC.")
    delta_pp: Estimate = Field(description="AnomalyClaw − Direct, percentage points, paired CI.")
    skipped_domain_replicates: int = Field(default=0,
                                           description="(replicate, domain) pairs skipped: one class.")
    per_domain: list[DomainRow] = Field(default_factory=list, description="Per-domain AUROCs.")
    notes: list[str] = Field(default_factory=list, description="Warnings, e.g. one-class domains.")


class Table1Result(BaseModel):
    """Table 1 over several runs, with the settings that produced it."""

    schema_version: int = SCHEMA_VERSION
    alpha: float = Field(description="Blend weight of the Direct branch.")
    n_boot: int = Field(description="Bootstrap replicates (0: no CIs).")
    seed: int = Field(description="Seed of numpy.random.default_rng.")
    level: float = Field(description="CI level.")
    rows: list[Table1Row] = Field(default_factory=list)


def to_domain_scores(kept: list[Record], alpha: float) -> list[DomainScores]:
    """Group kept records by domain (natural order) into labels and the three systems' scores."""
    by_domain: dict[str, list[Record]] = {}
    for r in kept:
        by_domain.setdefault(r.domain_code, []).append(r)
    out = []
    for name in natural_sorted(by_domain):
        rows = by_domain[name]
        direct = np.array([r.direct_score for r in rows], dtype=float)
        refut = np.array([r.refutation_score for r in rows], dtype=float)
        blend = alpha * direct + (1 - alpha) * refut
        out.append(DomainScores(name, np.array([r.label for r in rows]),
                                {DIRECT: direct, REFUTATION: refut, BLEND: blend}))
    return out


def _estimate(value: float, draws: BootstrapDraws | None, system: str, level: float) -> Estimate:
    if draws is None:
        return Estimate(value=_num(value))
    ci = draws.interval(system, level)
    return Estimate(value=_num(value), low=_num(ci.low), high=_num(ci.high))


def compute_row(run: NamedRecords, *, alpha: float = 0.5, n_boot: int = 1000, seed: int = 0,
                level: float = 0.95) -> Table1Row:
    """Table 1 row of one run.

    Raises:
        RecordError: no row of the run passes the paper's filter.
    """
    kept, dropped = split_scoreable(run.records)
    if not kept:
        why = ", ".join(f"{k}: {v}" for k, v in dropped.most_common())
        raise RecordError(f"no scoreable rows among {len(run.records)} (dropped: {why})", path=run.origin)
    domains = to_domain_scores(kept, alpha)
    notes: list[str] = []
    per_domain: list[DomainRow] = []
    domain_aucs: list[dict[str, float]] = []
    for d in domains:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", OneClassWarning)
            aucs = {s: auroc(d.labels, d.scores[s]) for s in SYSTEMS}
        domain_aucs.append(aucs)
        if caught:
            notes.append(f"{d.name}: all {d.labels.size} kept rows have label {int(d.labels[0])}; "
                         "AUROC undefined, left out of the macro")
        per_domain.append(DomainRow(domain=d.name, n=int(d.labels.size), n_anomalous=int(d.labels.sum()),
                                    direct=_num(aucs[DIRECT]), refutation=_num(aucs[REFUTATION]),
                                    anomalyclaw=_num(aucs[BLEND]),
                                    delta_pp=_num(100 * (aucs[BLEND] - aucs[DIRECT]))))
    macro = {s: mean_finite([a[s] for a in domain_aucs]) for s in SYSTEMS}
    draws = bootstrap_macro(domains, n_boot=n_boot, seed=seed) if n_boot > 0 else None
    delta = Estimate(value=_num(100 * (macro[BLEND] - macro[DIRECT])))
    if draws is not None:
        diff = draws.difference(BLEND, DIRECT, level)
        delta = Estimate(value=delta.value, low=_num(100 * diff.low), high=_num(100 * diff.high),
                         p_positive=_num(diff.p_positive))
    return Table1Row(
        name=run.name, origin=run.origin, n_records=len(run.records), n_kept=len(kept),
        dropped=dict(dropped.most_common()), n_domains=len(domains),
        direct=_estimate(macro[DIRECT], draws, DIRECT, level),
        refutation=_estimate(macro[REFUTATION], draws, REFUTATION, level),
        anomalyclaw=_estimate(macro[BLEND], draws, BLEND, level), delta_pp=delta,
        skipped_domain_replicates=draws.n_skipped if draws is not None else 0,
        per_domain=per_domain, notes=notes)


def compute_table1(runs: Iterable[NamedRecords], *, alpha: float = 0.5, n_boot: int = 1000, seed: int = 0,
                   level: float = 0.95) -> Table1Result:
    """Table 1 over several runs (one row each), all with the same settings.

    Raises:
        InputError: ``alpha`` outside [0, 1], ``n_boot`` negative, or ``level`` outside (0, 1).
        RecordError: a run is malformed or has no scoreable row.
    """
    if not 0.0 <= alpha <= 1.0:
        raise InputError(f"alpha must be in [0, 1], got {alpha}")
    if n_boot < 0:
        raise InputError(f"bootstrap replicates must be >= 0, got {n_boot}")
    if not 0.0 < level < 1.0:
        raise InputError(f"CI level must be in (0, 1), got {level}")
    rows = [compute_row(run, alpha=alpha, n_boot=n_boot, seed=seed, level=level) for run in runs]
    return Table1Result(alpha=alpha, n_boot=n_boot, seed=seed, level=level, rows=rows)

"""Table 1 from the run store: Direct, AnomalyClaw without and with evolution, paired Δs.

The store holds the project's own test runs (``python -m anomalyclaw.run --split test``). For each
(backend, model, data source) and domain this picks two runs: *without evolution* — the newest test
run at rulebook version 0 (the seed) — and *with evolution* — the newest test run at the domain's
latest accepted version. Direct is the Direct branch of the without-evolution run (the branch the
paper compares against). Only items present and scoreable in both runs are used, so every Δ is
paired: one shared bootstrap resample per replicate scores all three systems. Proxy and real data
never share a table: ``data_source`` is part of the group key.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
from pydantic import BaseModel, Field

from anomalyclaw.record import Record
from eval._table1_core import Estimate
from eval.bootstrap import DomainScores, bootstrap_macro
from eval.failures import failure_stats
from eval.metrics import OneClassWarning, auroc, mean_finite
from eval.records import split_scoreable

__all__ = ["DIRECT", "EVOLVED", "SEED", "EvoDomainRow", "EvoTable", "GroupKey", "evolution_tables"]

DIRECT, SEED, EVOLVED = "direct", "without_evolution", "with_evolution"
PAIRS = ((SEED, DIRECT), (EVOLVED, DIRECT), (EVOLVED, SEED))


class GroupKey(NamedTuple):
    """What one table covers."""

    backend: str
    model: str
    data_source: str


class EvoDomainRow(BaseModel):
    """One domain of one table."""

    domain: str
    n: int = Field(description="Items scoreable in both runs.")
    n_anomalous: int
    version: int = Field(description="Rulebook version of the with-evolution run (0: none accepted).")
    run_without: str
    run_with: str
    aurocs: dict[str, float | None] = Field(description="System → AUROC (None: one class).")
    worst_failure: float = Field(default=0.0, description=(
        "Highest malformed-output or fallback rate of any branch in either run (see eval.failures)."))
    failure_notes: list[str] = Field(default_factory=list, description="Branches over the bound, in words.")


class EvoTable(BaseModel):
    """Table 1 of one (backend, model, data source): per-domain rows, macro estimates and paired Δs."""

    backend: str
    model: str
    data_source: str
    alpha: float
    n_boot: int
    domains: list[EvoDomainRow] = Field(default_factory=list)
    macro: dict[str, Estimate] = Field(default_factory=dict, description="System → macro AUROC with CI.")
    deltas_pp: dict[str, Estimate] = Field(default_factory=dict, description="'a - b' → Δ in pp, paired CI.")
    notes: list[str] = Field(default_factory=list)


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _latest_accepted(store: Any, domain: str) -> int:
    accepted = [v.version for v in store.list_versions(domain) if v.status == "accepted"]
    return max(accepted, default=0)


def _pick(runs: list[Any], version: int) -> Any | None:
    """Newest finished-or-not run at ``version`` with the most records (runs come newest first)."""
    at = [r for r in runs if r.rulebook_version == version and r.n_records > 0]
    return max(at, key=lambda r: r.n_records) if at else None


def _paired(a: list[Record], b: list[Record], alpha: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    ka, _ = split_scoreable(a)
    kb, _ = split_scoreable(b)
    by_b = {r.item_id: r for r in kb}
    pairs = [(r, by_b[r.item_id]) for r in sorted(ka, key=lambda r: r.item_id) if r.item_id in by_b]
    labels = np.array([r.label for r, _ in pairs], dtype=int)

    def blend(rs: Iterable[Record]) -> np.ndarray:
        return np.array([alpha * r.direct_score + (1 - alpha) * r.refutation_score for r in rs], dtype=float)

    return labels, {DIRECT: np.array([r.direct_score for r, _ in pairs], dtype=float),
                    SEED: blend(r for r, _ in pairs), EVOLVED: blend(s for _, s in pairs)}


def _test_runs(store: Any) -> dict[GroupKey, dict[str, list[Any]]]:
    groups: dict[GroupKey, dict[str, list[Any]]] = {}
    for r in store.runs():
        if r.split != "test" or r.config.get("purpose", "eval") == "evolve":
            continue
        key = GroupKey(r.backend or "?", r.model or r.backend or "?", r.data_source or "?")
        groups.setdefault(key, {}).setdefault(r.domain, []).append(r)
    return groups


def _table(store: Any, key: GroupKey, by_domain: dict[str, list[Any]], alpha: float, n_boot: int,
           seed: int) -> EvoTable:
    t = EvoTable(backend=key.backend, model=key.model, data_source=key.data_source, alpha=alpha,
                 n_boot=n_boot)
    scores: list[DomainScores] = []
    from eval._order import natural_sorted

    for code in natural_sorted(by_domain):
        runs = by_domain[code]
        without = _pick(runs, 0)
        version = _latest_accepted(store, code)
        with_ = _pick(runs, version)
        if without is None:
            t.notes.append(f"{code}: no test run at rulebook v0 (python -m anomalyclaw.run --domain {code} "
                           "--split test --rulebook-version 0)")
            continue
        if with_ is None:
            t.notes.append(f"{code}: no test run at the latest accepted version v{version} "
                           f"(python -m anomalyclaw.run --domain {code} --split test)")
            continue
        if version == 0:
            t.notes.append(f"{code}: no accepted evolution yet; 'with' = the seed run")
        recs_without, recs_with = store.records(without.run_id), store.records(with_.run_id)
        labels, sys_scores = _paired(recs_without, recs_with, alpha)
        fails = [(tag, f) for tag, rs in (("w/o", recs_without), ("with", recs_with))
                 for f in failure_stats(rs)]
        worst = max(max(f.malformed_rate, f.fallback_rate) for _, f in fails)
        if labels.size == 0:
            t.notes.append(f"{code}: no item scoreable (labelled, both branches, no error) in both runs")
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", OneClassWarning)
            aucs = {s: _num(auroc(labels, v)) for s, v in sys_scores.items()}
        if caught:
            t.notes.append(f"{code}: one class among {labels.size} items; AUROC undefined")
        t.domains.append(EvoDomainRow(domain=code, n=int(labels.size), n_anomalous=int(labels.sum()),
                                      version=version, run_without=without.run_id, run_with=with_.run_id,
                                      aurocs=aucs,
                                      worst_failure=worst,
                                      failure_notes=[f"{tag} run, {f.branch}: {', '.join(f.over())}"
                                                     for tag, f in fails if f.over()]))
        scores.append(DomainScores(code, labels, sys_scores))
    if not scores:
        return t
    macro = {s: mean_finite([d.aurocs[s] if d.aurocs[s] is not None else float("nan") for d in t.domains])
             for s in (DIRECT, SEED, EVOLVED)}
    draws = bootstrap_macro(scores, n_boot=n_boot, seed=seed) if n_boot > 0 else None
    for s, v in macro.items():
        ci = draws.interval(s) if draws is not None else None
        t.macro[s] = Estimate(value=_num(v), low=_num(ci.low) if ci else None,
                              high=_num(ci.high) if ci else None)
    for a, b in PAIRS:
        d = draws.difference(a, b) if draws is not None else None
        t.deltas_pp[f"{a} - {b}"] = Estimate(
            value=_num(100 * (macro[a] - macro[b])), low=_num(100 * d.low) if d else None,
            high=_num(100 * d.high) if d else None, p_positive=_num(d.p_positive) if d else None)
    return t


def evolution_tables(store: Any, *, alpha: float = 0.5, n_boot: int = 1000, seed: int = 0) -> list[EvoTable]:
    """One table per (backend, model, data source) that has test runs in ``store``.

    Args:
        store: an open ``db.Store``.
        alpha: weight of Direct in the AnomalyClaw blend (recomputed from both branch scores).
        n_boot: bootstrap replicates (0: no CIs).
        seed: seed of ``numpy.random.default_rng``.
    """
    groups = _test_runs(store)
    return [_table(store, k, groups[k], alpha, n_boot, seed) for k in sorted(groups)]

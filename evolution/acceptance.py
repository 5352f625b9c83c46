"""Label-free acceptance: does a candidate rulebook separate the pool from known normals better?

The proxy is ``AUROC(pool vs held-out normals)``, the unlabeled pool as the positive class.
With π the pool's (unknown) anomaly share and the pool's normals distributed like the held-out
ones, ``proxy = (1 − π)·0.5 + π·AUROC(anomalous vs normal)``: it rises exactly when the true
AUROC rises (DESIGN.md §4), without a single label.

Both rulebooks are scored on the *same* pool items and the *same* normals, so the test is
paired: a bootstrap resamples pool items and normals independently (the same indices for both
rulebooks) and the candidate is accepted only when the one-sided lower confidence bound of
Δproxy (its ``1 − confidence`` bootstrap percentile) is above 0 *and* Δproxy exceeds
``min_delta``. At the default 95 % a candidate no better than the current one passes about 5 %
of the time (the negative control in the tests checks it stays under 10 %). One-sided, since
only improvements are accepted; a two-sided 95 % interval would halve the false-accept rate but
also cost much power on a 60-item pool (see the tests and the benchmark).

Everything here is a pure function of score arrays; :func:`paired_scores` is the thin adapter
from records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field

from anomalyclaw.record import Record
from evolution._errors import EvolutionError

__all__ = ["AcceptanceConfig", "AcceptanceResult", "auroc", "decide", "paired_scores", "win_matrix"]


@dataclass(frozen=True)
class AcceptanceConfig:
    """How strict acceptance is.

    Attributes:
        n_boot: bootstrap replicates.
        confidence: one-sided level of the lower bound (its ``1 − confidence`` percentile).
        min_delta: Δproxy must also exceed this (AUROC points, 0.01 = 1 pp).
        seed: bootstrap seed (``numpy.random.default_rng``).
        min_pool / min_normals: fewer than this and the test refuses (too noisy to mean anything).
    """

    n_boot: int = 1000
    confidence: float = 0.95
    min_delta: float = 0.0
    seed: int = 0
    min_pool: int = 8
    min_normals: int = 8


class AcceptanceResult(BaseModel):
    """The evidence stored with every candidate version, accepted or not."""

    accepted: bool
    reason: str
    proxy_before: float = Field(description="AUROC(pool vs normals), current rulebook.")
    proxy_after: float = Field(description="Same, candidate rulebook.")
    delta: float = Field(description="proxy_after − proxy_before.")
    ci_low: float = Field(description="One-sided lower confidence bound of delta.")
    ci_high: float = Field(description="Upper bound at the same level (the interval's other end).")
    confidence: float
    n_pool: int
    n_normals: int
    n_boot: int
    p_not_better: float = Field(description="Share of bootstrap replicates with Δ ≤ 0.")


def win_matrix(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Pairwise wins, shape (len(pos), len(neg)): 1 if pos > neg, 0.5 if tied, else 0."""
    p, n = np.asarray(pos, dtype=float)[:, None], np.asarray(neg, dtype=float)[None, :]
    return (p > n) + 0.5 * (p == n)


def auroc(pos: Sequence[float], neg: Sequence[float]) -> float:
    """Tie-aware AUROC of ``pos`` (positive class) against ``neg`` (Mann-Whitney U / (n·m))."""
    p, n = np.asarray(pos, dtype=float), np.asarray(neg, dtype=float)
    if p.size == 0 or n.size == 0:
        raise EvolutionError("AUROC needs at least one score on each side")
    return float(win_matrix(p, n).mean())


def _bootstrap(diff: np.ndarray, cfg: AcceptanceConfig) -> np.ndarray:
    """Δproxy per replicate: resample rows (pool) and columns (normals) of the paired win difference."""
    rng = np.random.default_rng(cfg.seed)
    n, m = diff.shape
    wp = rng.multinomial(n, np.full(n, 1.0 / n), size=cfg.n_boot).astype(float)  # (B, n) counts
    wn = rng.multinomial(m, np.full(m, 1.0 / m), size=cfg.n_boot).astype(float)  # (B, m)
    return ((wp @ diff) * wn).sum(axis=1) / (n * m)


def decide(cur_pool: Sequence[float], cur_normals: Sequence[float], cand_pool: Sequence[float],
           cand_normals: Sequence[float], config: AcceptanceConfig | None = None) -> AcceptanceResult:
    """Accept or reject a candidate from paired scores.

    Args:
        cur_pool / cand_pool: pool scores under the current / candidate rulebook, same item order.
        cur_normals / cand_normals: held-out normal scores, same order.
        config: strictness; defaults to :class:`AcceptanceConfig`.

    Raises:
        EvolutionError: mismatched lengths, non-finite scores, or too few items.
    """
    cfg = config or AcceptanceConfig()
    a = [np.asarray(x, dtype=float) for x in (cur_pool, cur_normals, cand_pool, cand_normals)]
    if a[0].shape != a[2].shape or a[1].shape != a[3].shape:
        raise EvolutionError("acceptance needs the same pool items and normals for both rulebooks")
    if not all(np.isfinite(x).all() for x in a):
        raise EvolutionError("acceptance got a non-finite score", hint="drop or re-score failed items")
    if a[0].size < cfg.min_pool or a[1].size < cfg.min_normals:
        raise EvolutionError(f"acceptance needs ≥ {cfg.min_pool} pool items and ≥ {cfg.min_normals} normals "
                             f"(got {a[0].size} and {a[1].size})", hint="use a larger pool or --data proxy")
    w_cur, w_cand = win_matrix(a[0], a[1]), win_matrix(a[2], a[3])
    before, after = float(w_cur.mean()), float(w_cand.mean())
    reps = _bootstrap(w_cand - w_cur, cfg)
    tail = (1 - cfg.confidence) * 100
    lo, hi = (float(x) for x in np.percentile(reps, [tail, 100 - tail]))
    delta = after - before
    if lo > 0 and delta > cfg.min_delta:
        ok, why = True, f"Δproxy {delta:+.4f}, {cfg.confidence:.0%} lower bound {lo:+.4f} above 0"
    elif delta <= cfg.min_delta:
        ok, why = False, f"Δproxy {delta:+.4f} not above {cfg.min_delta:+.4f}"
    else:
        ok, why = False, f"Δproxy {delta:+.4f} within noise: {cfg.confidence:.0%} lower bound {lo:+.4f}"
    return AcceptanceResult(accepted=ok, reason=why, proxy_before=before, proxy_after=after, delta=delta,
                            ci_low=lo, ci_high=hi, confidence=cfg.confidence, n_pool=int(a[0].size),
                            n_normals=int(a[1].size), n_boot=cfg.n_boot,
                            p_not_better=float(np.mean(reps <= 0)))


def paired_scores(current: Sequence[Record], candidate: Sequence[Record]) -> tuple[np.ndarray, np.ndarray]:
    """Fused scores of the items both runs scored, in the current run's order.

    Items without a finite fused score in either run are dropped from both (paired).
    """
    def usable(r: Record) -> bool:
        return r.anomaly_score is not None and np.isfinite(r.anomaly_score)

    cand = {r.item_id: r for r in candidate if usable(r)}
    pairs = [(r.anomaly_score, cand[r.item_id].anomaly_score) for r in current
             if usable(r) and r.item_id in cand]
    if not pairs:
        return np.zeros(0), np.zeros(0)
    x = np.asarray(pairs, dtype=float)
    return x[:, 0], x[:, 1]

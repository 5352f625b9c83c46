"""Small numeric helpers for signals: summaries, a two-group split, rank correlation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, Field

QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


class Dist(BaseModel):
    """Summary of one set of numbers (a branch's scores, a feature's values)."""

    n: int = 0
    mean: float | None = None
    std: float | None = None
    quantiles: dict[str, float] = Field(default_factory=dict, description="'q05'..'q95' → value.")
    split: float | None = Field(default=None, description="Otsu threshold between two modes, if any.")
    bimodality: float | None = Field(default=None, description="Sarle's coefficient; > 0.555 hints 2 modes.")
    tie_share: float | None = Field(default=None, description="Share of values equal to the most common one.")

    def q(self, p: float) -> float | None:
        """The stored quantile ``p`` (one of QUANTILES), or None when empty."""
        return self.quantiles.get(f"q{round(p * 100):02d}")


def otsu(values: np.ndarray) -> float | None:
    """Threshold maximising between-group variance of a 1-D sample (None if < 4 distinct values).

    Why: label-free thresholds come from the pool's own mixture of normal and anomalous items;
    the valley of a bimodal sample is where a 'this is normal variation here' rule should cut.
    """
    v = np.sort(np.asarray(values, dtype=float))
    if np.unique(v).size < 4:
        return None
    n = v.size
    csum = np.cumsum(v)
    k = np.arange(1, n)
    w0, w1 = k / n, (n - k) / n
    m0 = csum[:-1] / k
    m1 = (csum[-1] - csum[:-1]) / (n - k)
    between = w0 * w1 * (m0 - m1) ** 2
    between[v[1:] == v[:-1]] = -1.0  # only cut between distinct values
    i = int(np.argmax(between))
    return float((v[i] + v[i + 1]) / 2)


def describe(values: Sequence[float]) -> Dist:
    """A :class:`Dist` of finite values; empty input gives ``Dist(n=0)``."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if v.size == 0:
        return Dist()
    qs = np.quantile(v, QUANTILES)
    _, counts = np.unique(v, return_counts=True)
    bim = None
    if v.size >= 4 and v.std() > 0:
        z = (v - v.mean()) / v.std()
        skew, kurt = float(np.mean(z**3)), float(np.mean(z**4))
        bim = (skew**2 + 1) / kurt
    return Dist(n=int(v.size), mean=float(v.mean()), std=float(v.std()),
                quantiles={f"q{round(p * 100):02d}": float(x) for p, x in zip(QUANTILES, qs, strict=True)},
                split=otsu(v), bimodality=bim, tie_share=float(counts.max() / v.size))


def spearman(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Rank correlation (average ranks for ties); None for < 3 pairs or a constant side."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    from scipy.stats import rankdata

    return float(np.corrcoef(rankdata(x), rankdata(y))[0, 1])

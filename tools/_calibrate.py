"""Label-free calibration: read a raw probe score against the normals' own null distribution.

The null is the leave-one-out scores of the domain's normal images (each scored against a
model fitted without it), so a z-score of 0 means "as typical as a normal" and the tail
probability is the share of normals that scored at least as high. No labels, and never a
rank among other test items.
"""

from __future__ import annotations

import numpy as np

_MIN_STD = 1e-6


def null_z(raw: float, null: np.ndarray) -> float:
    """(raw − mean) / std of the null; std floored at 5 % of |mean| so a tight null stays finite."""
    null = np.asarray(null, dtype=np.float64)
    mu = float(null.mean())
    sd = float(null.std(ddof=1)) if null.size > 1 else 0.0
    sd = max(sd, 0.05 * abs(mu), _MIN_STD)
    return (float(raw) - mu) / sd


def tail_probability(raw: float, null: np.ndarray) -> float:
    """Empirical upper-tail probability with the +1 correction: (1 + #{null ≥ raw}) / (n + 1).

    Why +1: with n normals the smallest honest p is 1/(n+1); it never claims 0.
    """
    null = np.asarray(null, dtype=np.float64)
    return float((1 + np.count_nonzero(null >= raw)) / (null.size + 1))


PATCH_LEVELS = (0.5, 0.9, 0.95, 0.99, 0.995, 0.999)


def patch_quantiles(maps: np.ndarray) -> np.ndarray:
    """Quantiles (at ``PATCH_LEVELS``) of normal per-patch scores: the heatmap's own scale."""
    return np.quantile(np.asarray(maps, dtype=np.float64).ravel(), PATCH_LEVELS)

"""A label-free operating point: a decision threshold set from normal images only.

The threshold is read off the scores of normals the system never fitted on, at a target
false-positive rate: an item is called anomalous when its score is strictly above it. The rule
is conservative with few normals: with ``n`` normal scores and target ``fpr``, at most
``floor(fpr · n)`` of them lie above the threshold, so a target below ``1/n`` puts the threshold
at the highest normal score (no calibration normal would raise an alarm). Where labels exist,
:func:`realised` reports what the threshold achieves on labelled items.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np


class Realised(NamedTuple):
    """What a threshold does on labelled items."""

    fpr: float | None
    recall: float | None
    n_normal: int
    n_anomalous: int


def threshold_at_fpr(normal_scores: Sequence[float], fpr: float) -> float:
    """The smallest observed normal score with at most ``floor(fpr · n)`` normals above it.

    Args:
        normal_scores: scores of held-out normal images (at least one; NaN/None are not allowed).
        fpr: target false-positive rate in [0, 1).

    Returns:
        The threshold; decide anomalous when ``score > threshold``.

    Raises:
        ValueError: no scores, a non-finite score, or ``fpr`` outside [0, 1).
    """
    s = np.sort(np.asarray(normal_scores, dtype=float))
    if s.size == 0:
        raise ValueError("no normal scores to set a threshold from")
    if not np.isfinite(s).all():
        raise ValueError("normal scores must be finite")
    if not 0.0 <= fpr < 1.0:
        raise ValueError(f"fpr must be in [0, 1), got {fpr}")
    allowed = math.floor(fpr * s.size + 1e-9)  # normals allowed above the threshold
    return float(s[s.size - 1 - allowed])


def decide(score: float | None, threshold: float) -> str | None:
    """'anomalous' above the threshold, 'normal' at or below it, None without a score."""
    if score is None:
        return None
    return "anomalous" if score > threshold else "normal"


def realised(labels: Sequence[int], scores: Sequence[float], threshold: float) -> Realised:
    """False-positive rate on normals and recall on anomalies at ``threshold`` (None without that class)."""
    y = np.asarray(labels, dtype=int)
    x = np.asarray(scores, dtype=float)
    alarms = x > threshold
    n_norm, n_anom = int((y == 0).sum()), int((y == 1).sum())
    fpr = float(alarms[y == 0].mean()) if n_norm else None
    recall = float(alarms[y == 1].mean()) if n_anom else None
    return Realised(fpr, recall, n_norm, n_anom)

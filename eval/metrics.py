"""AUROC per domain and macro-averaged over domains (the paper's headline metric).

Scores in the upstream files are heavily discretised (0.05, 0.92, 0.95, ...), so ties
are common and must count one half, exactly as :func:`sklearn.metrics.roc_auc_score`
does; we call it rather than re-derive it. A domain holding one class has no AUROC:
it warns (:class:`OneClassWarning`) and gives NaN, and macro averages skip it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import roc_auc_score

from anomalyclaw.errors import InputError
from eval._order import natural_sorted

__all__ = ["OneClassWarning", "auroc", "macro_auroc", "mean_finite", "per_domain_auroc"]


class OneClassWarning(UserWarning):
    """AUROC is undefined because the labels hold a single class."""


def check_labels_scores(labels: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate a label vector and a score vector; return them as 1-D arrays.

    Raises:
        InputError: on shape mismatch, labels other than 0/1, or non-finite scores.
    """
    y = np.asarray(labels)
    s = np.asarray(scores, dtype=float)
    if y.ndim != 1 or s.ndim != 1:
        raise InputError(f"labels and scores must be 1-D, got shapes {y.shape} and {s.shape}")
    if y.shape != s.shape:
        raise InputError(f"labels ({y.size}) and scores ({s.size}) differ in length")
    if y.size and not np.isin(y, (0, 1)).all():
        raise InputError(f"labels must be 0 or 1, got {sorted(set(y.tolist()) - {0, 1})[:5]}")
    if not np.isfinite(s).all():
        raise InputError("scores must be finite (found NaN or inf)")
    return y.astype(np.int8), s


def auroc(labels: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve, ties counted one half (sklearn semantics).

    Args:
        labels: shape (n,), 1 anomalous, 0 normal.
        scores: shape (n,), higher means more anomalous.

    Returns:
        AUROC in [0, 1]; NaN (with a :class:`OneClassWarning`) when only one class is present.
    """
    y, s = check_labels_scores(labels, scores)
    if y.size == 0 or y.min() == y.max():
        warnings.warn(f"AUROC undefined: {y.size} labels of a single class", OneClassWarning, stacklevel=2)
        return float("nan")
    return float(roc_auc_score(y, s))


def per_domain_auroc(domains: Sequence[str] | ArrayLike, labels: ArrayLike,
                     scores: ArrayLike) -> dict[str, float]:
    """AUROC of each domain, in natural domain order (``D1, D2, ..., D12``).

    Args:
        domains: shape (n,), the domain of each item.
        labels: shape (n,), 0/1.
        scores: shape (n,).

    Returns:
        ``{domain: auroc}``; NaN (with a warning) for a domain holding one class.
    """
    d = np.asarray(domains, dtype=str)
    y, s = check_labels_scores(labels, scores)
    if d.shape != y.shape:
        raise InputError(f"domains ({d.size}) and labels ({y.size}) differ in length")
    out: dict[str, float] = {}
    for name in natural_sorted(d.tolist()):
        mask = d == name
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = auroc(y[mask], s[mask])
        if caught:
            warnings.warn(f"domain {name}: {caught[0].message}; left out of the macro average",
                          OneClassWarning, stacklevel=2)
        out[name] = value
    return out


def mean_finite(values: Sequence[float] | ArrayLike) -> float:
    """Unweighted mean of the finite values; NaN when there are none."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else float("nan")


def macro_auroc(domains: Sequence[str] | ArrayLike, labels: ArrayLike, scores: ArrayLike) -> float:
    """Unweighted mean of the per-domain AUROCs, skipping domains that hold one class.

    Every domain weighs the same whatever its size (D7 has 98 test items, the others
    120), which is how the paper averages. Skipping one-class domains matches the
    bootstrap's rule, so the point estimate and its CI describe the same statistic.
    """
    return mean_finite(list(per_domain_auroc(domains, labels, scores).values()))

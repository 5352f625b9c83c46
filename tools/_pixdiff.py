"""Pixel difference of a query against an aligned reference (translation, optional rotation).

Both images are compared in grey at ≤ ``SIDE`` px; the reference is resized to the query's
shape, its brightness/contrast matched to the query's (so a lighting change is not a
defect), then shifted onto the query by phase correlation. Only pixels that came from
inside the reference count (``valid``), so a shifted copy does not read as change.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage

from tools import _imaging as im
from tools._heat import Blob, blobs

SIDE = 256


class PixelDiff(NamedTuple):
    """Result of comparing a query with one aligned reference.

    Attributes:
        diff: (h, w) absolute grey difference (smoothed), 0 outside ``valid``.
        valid: (h, w) bool, pixels covered by the aligned reference.
        aligned: (h, w) the aligned reference (grey).
        shift: (dy, dx) applied to the reference, as a share of the query's height/width.
        changed_fraction: share of valid pixels whose difference exceeds the threshold.
        mean_abs: mean difference over valid pixels.
        largest: the largest changed region, or None.
    """

    diff: np.ndarray
    valid: np.ndarray
    aligned: np.ndarray
    shift: tuple[float, float]
    changed_fraction: float
    mean_abs: float
    largest: Blob | None


def grey_pair(query: np.ndarray, ref: np.ndarray, side: int = SIDE) -> tuple[np.ndarray, np.ndarray]:
    """Grey query (≤ side px) and the reference resized to it, its mean/std matched to the query's."""
    q = im.gray(im.thumb(query, side))
    r = im.gray(im.resize(ref, q.shape[0], q.shape[1]))
    r = (r - r.mean()) / max(float(r.std()), 1e-3) * float(q.std()) + float(q.mean())
    return q, r


def rotate(g: np.ndarray, deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate a grey image about its centre; returns (rotated, valid mask)."""
    if deg == 0:
        return g, np.ones(g.shape, dtype=bool)
    rot = ndimage.rotate(g, deg, reshape=False, order=1, mode="constant", cval=0.0)
    valid = ndimage.rotate(np.ones_like(g), deg, reshape=False, order=0, mode="constant", cval=0.0) > 0.5
    return rot, valid


def compare(q: np.ndarray, r: np.ndarray, threshold: float, r_valid: np.ndarray | None = None) -> PixelDiff:
    """Align ``r`` onto ``q`` by translation and measure what changed (both grey, same shape)."""
    aligned, valid, (dy, dx) = im.align_translation(r, q)
    if r_valid is not None:
        valid &= ndimage.shift(r_valid.astype(np.float32), (dy, dx), order=0, cval=0.0) > 0.5
    valid = ndimage.binary_erosion(valid, iterations=2)
    if not valid.any():
        valid = np.ones_like(valid)
    diff = ndimage.gaussian_filter(np.abs(q - aligned), 1.0) * valid
    changed = (diff > threshold) & valid
    frac = float(changed.sum() / valid.sum())
    comps = blobs(ndimage.binary_opening(changed, iterations=1).astype(np.float32), 0.5)
    largest = max(comps, key=lambda b: b.area) if comps else None
    return PixelDiff(
        diff, valid, aligned, (dy / q.shape[0], dx / q.shape[1]), frac, float(diff[valid].mean()), largest
    )


def best_rotation(
    q: np.ndarray, r: np.ndarray, max_deg: float, step: float
) -> tuple[float, dict[float, float]]:
    """Angle in [−max_deg, max_deg] whose rotated, translated reference differs least (on ≤ 128 px)."""
    s = 128 / max(q.shape)
    qs = im.resize(q, max(8, int(q.shape[0] * s)), max(8, int(q.shape[1] * s))) if s < 1 else q
    rs = im.resize(r, qs.shape[0], qs.shape[1]) if s < 1 else r
    residual = {}
    angles = sorted({round(float(d), 3) for d in np.arange(-max_deg, max_deg + 1e-9, step)} | {0.0})
    for deg in angles:
        rot, v = rotate(rs, deg)
        aligned, valid, (dy, dx) = im.align_translation(rot, qs)
        valid &= ndimage.shift(v.astype(np.float32), (dy, dx), order=0, cval=0.0) > 0.5
        valid = ndimage.binary_erosion(valid, iterations=2)
        residual[deg] = float(np.abs(qs - aligned)[valid].mean()) if valid.any() else np.inf
    best = min(residual, key=lambda d: (residual[d], abs(d)))
    return best, residual

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
        valid &= im.shift_image(r_valid.astype(np.uint8), int(dy), int(dx))[0].astype(bool)
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


def _residuals(q: np.ndarray, r: np.ndarray, side: int, angles: list[float]) -> dict[float, float]:
    """Mean |difference| after rotating ``r`` by each angle and aligning by translation, at ≤ side px.

    Only pixels inside the inscribed disc (never rotated in from outside) and inside the
    shifted overlap count, 2 px in from its edges.
    """
    s = side / max(q.shape)
    qs = im.resize(q, max(8, int(q.shape[0] * s)), max(8, int(q.shape[1] * s))) if s < 1 else q
    rs = im.resize(r, qs.shape[0], qs.shape[1]) if s < 1 else r
    h, w = qs.shape
    yy, xx = np.mgrid[:h, :w]
    disc = ((yy - (h - 1) / 2) / (h / 2)) ** 2 + ((xx - (w - 1) / 2) / (w / 2)) ** 2 <= 0.95
    fq = np.fft.fft2(qs)
    out = {}
    for deg in angles:
        rot = rs if deg == 0 else ndimage.rotate(rs, deg, reshape=False, order=1, mode="constant", cval=0.0)
        dy, dx = im.phase_shift(qs, rot, fq)
        moved, valid = im.shift_image(rot, dy, dx)
        region, _ = im.shift_image(disc.astype(np.uint8), dy, dx)
        valid &= region.astype(bool)
        valid[:2], valid[-2:], valid[:, :2], valid[:, -2:] = False, False, False, False
        out[deg] = float(np.abs(qs - moved)[valid].mean()) if valid.any() else np.inf
    return out


def best_rotation(
    q: np.ndarray, r: np.ndarray, max_deg: float, step: float
) -> tuple[float, dict[float, float]]:
    """Angle in [−max_deg, max_deg] whose rotated, translated reference differs least.

    Coarse to fine: every 2° (or ``step`` if larger) at 64 px, then ``step`` around the
    best coarse angle at 96 px. Returns the angle and the fine-level residual per angle
    tried (always including 0°, so 'before' and 'after' are on the same scale).
    """
    coarse_step = max(step, 2.0)
    coarse = sorted({round(float(d), 3) for d in np.arange(-max_deg, max_deg + 1e-9, coarse_step)} | {0.0})
    rough = _residuals(q, r, 64, coarse)
    centre = min(rough, key=lambda d: (rough[d], abs(d)))
    fine = {round(float(d), 3) for d in np.arange(centre - coarse_step, centre + coarse_step + 1e-9, step)}
    fine = sorted({d for d in fine if abs(d) <= max_deg + 1e-9} | {0.0})
    residual = _residuals(q, r, 96, fine)
    best = min(residual, key=lambda d: (residual[d], abs(d)))
    return best, residual

"""Measured image statistics (colour, layout, texture, size) for reference_profile.

What the references have in common is read from numbers, not from a language model:
per statistic, the references' mean and spread, and how far the query sits from them.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

import numpy as np
from scipy import ndimage

from tools._imaging import gray, thumb
from tools._lru import derived, image_key
from tools._spectrum import spectrum

STATS = (
    "width",
    "height",
    "aspect",
    "brightness",
    "contrast",
    "saturation",
    "mean_r",
    "mean_g",
    "mean_b",
    "edge_density",
    "periodicity",
    "centroid_x",
    "centroid_y",
    "spread",
    "centre_share",
    "dark_share",
    "bright_share",
)
LABELS = {
    "aspect": "aspect (w/h)",
    "edge_density": "edge density",
    "centroid_x": "content centre x",
    "centroid_y": "content centre y",
    "spread": "content spread",
    "centre_share": "edge share in the centre",
    "dark_share": "dark-pixel share",
    "bright_share": "bright-pixel share",
}


def colour_name(rgb: Sequence[float]) -> str:
    """A plain colour word for an RGB triple in [0, 1]."""
    h, s, v = colorsys.rgb_to_hsv(*rgb)
    if v < 0.2:
        return "black"
    if s < 0.15:
        return "white" if v > 0.85 else "grey"
    hue = h * 360
    for upper, name in (
        (15, "red"),
        (45, "orange"),
        (70, "yellow"),
        (160, "green"),
        (200, "cyan"),
        (260, "blue"),
        (300, "purple"),
        (340, "pink"),
        (361, "red"),
    ):
        if hue < upper:
            return "brown" if name in ("orange", "red") and v < 0.6 else name
    return "grey"


def image_stats(img: np.ndarray) -> dict[str, float]:
    """The STATS of one (H, W, 3) uint8 image (computed on a ≤ 256 px thumbnail, sizes on the original)."""
    t = thumb(img, 256)
    g = gray(t)
    rgb = t.reshape(-1, 3).mean(0) / 255.0
    mx, mn = t.max(axis=2).astype(np.float32), t.min(axis=2).astype(np.float32)
    sat = np.where(mx > 0, (mx - mn) / np.maximum(mx, 1), 0)
    edges = np.hypot(ndimage.sobel(g, 0), ndimage.sobel(g, 1))
    wsum = float(edges.sum()) or 1.0
    ys, xs = (np.arange(g.shape[0]) + 0.5) / g.shape[0], (np.arange(g.shape[1]) + 0.5) / g.shape[1]
    cy, cx = float((edges.sum(1) * ys).sum() / wsum), float((edges.sum(0) * xs).sum() / wsum)
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    spread = float(np.sqrt((edges * ((yy - cy) ** 2 + (xx - cx) ** 2)).sum() / wsum))
    h3, w3 = g.shape[0] // 3, g.shape[1] // 3
    centre = float(edges[h3 : 2 * h3, w3 : 2 * w3].sum() / wsum) if h3 and w3 else 0.0
    return {
        "width": float(img.shape[1]),
        "height": float(img.shape[0]),
        "aspect": img.shape[1] / img.shape[0],
        "brightness": float(g.mean()),
        "contrast": float(g.std()),
        "saturation": float(sat.mean()),
        "mean_r": float(rgb[0]),
        "mean_g": float(rgb[1]),
        "mean_b": float(rgb[2]),
        "edge_density": float(edges.mean()),
        "periodicity": spectrum(g).periodicity,
        "centroid_x": cx,
        "centroid_y": cy,
        "spread": spread,
        "centre_share": centre,
        "dark_share": float((g < 0.15).mean()),
        "bright_share": float((g > 0.85).mean()),
    }


def profile(
    refs: Sequence[np.ndarray], query: np.ndarray, ref_keys: Sequence[str] | None = None
) -> tuple[dict[str, float], dict[str, float]]:
    """References' mean/std per stat and the query's value and z against them.

    The references' statistics are cached by their pixels (they recur across queries).

    Returns:
        (numbers, z) — numbers holds ``ref_<stat>_mean``, ``ref_<stat>_std``, ``query_<stat>``;
        z maps stat → (query − ref mean) / max(ref std, 5 % of |mean|, 0.01).
    """
    keys = ref_keys if ref_keys is not None else [image_key(r) for r in refs]
    rs = [derived(f"stats:{k}", lambda r=r: image_stats(r)) for r, k in zip(refs, keys, strict=True)]
    qs = image_stats(query)
    nums: dict[str, float] = {"n_refs": float(len(refs))}
    z: dict[str, float] = {}
    for k in STATS:
        vals = np.array([r[k] for r in rs])
        mu, sd = float(vals.mean()), float(vals.std(ddof=1)) if len(vals) > 1 else 0.0
        nums.update({f"ref_{k}_mean": mu, f"ref_{k}_std": sd, f"query_{k}": qs[k]})
        z[k] = (qs[k] - mu) / max(sd, 0.05 * abs(mu), 0.01)
        nums[f"z_{k}"] = z[k]
    return nums, z

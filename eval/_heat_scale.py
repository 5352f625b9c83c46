"""One colour scale per domain for the expert-probe heatmaps on evidence cards.

A heatmap holds patch nearest-neighbour distances to normal patches (``ExpertScores.heatmap``).
Normalising each map to its own min and max would paint the least typical patch of a clean part
as hot as a real defect, so every map of a domain is drawn on the same scale, set by the
domain's normals alone (no labels, no other test items): the ramp starts at the median normal
patch distance, passes its middle at the distance only 1 % of normal patches exceed, and
saturates as far above that again. Colour therefore means the same thing on every card.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from PIL import Image

# dark → bright, an inferno-like ramp: luminance rises monotonically with heat
RAMP = np.array([[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]], dtype=np.float32)


class HeatScale(NamedTuple):
    """A domain's heat colour scale, in patch-distance units.

    Attributes:
        domain: domain code the scale belongs to.
        lo: median normal patch distance: the darkest colour.
        q99: distance only 1 % of normal patches exceed: the ramp's middle.
        hi: ``q99 + (q99 − lo)``: the brightest colour; anything hotter saturates.
    """

    domain: str
    lo: float
    q99: float
    hi: float


def domain_scale(domain: str, scores: Sequence[Any]) -> HeatScale:
    """The scale from a domain's ``ExpertScores`` (any items of it).

    Each score carries the normals' patch quantiles of its kNN bank (``heat_median``,
    ``heat_threshold``); they are constants of the domain's fitted experts, so the median over
    items only guards against a paired domain whose items have differently sized banks.

    Raises:
        ValueError: no scores.
    """
    if not scores:
        raise ValueError(f"{domain}: no expert scores to set a heat scale from")
    lo = float(np.median([s.heat_median for s in scores]))
    q99 = float(np.median([s.heat_threshold for s in scores]))
    q99 = max(q99, lo + 1e-6)
    return HeatScale(domain, lo, q99, q99 + (q99 - lo))


def heat_rgb(heat: np.ndarray, scale: HeatScale, size: tuple[int, int] | None = None) -> np.ndarray:
    """Colour a (G, G) heatmap on ``scale`` → (H, W, 3) uint8; ``size`` (H, W) resizes (bilinear)."""
    t = np.clip((np.asarray(heat, dtype=np.float32) - scale.lo) / (scale.hi - scale.lo), 0, 1)
    t = t * (len(RAMP) - 1)
    i = np.minimum(t.astype(int), len(RAMP) - 2)
    f = (t - i)[..., None]
    rgb = ((1 - f) * RAMP[i] + f * RAMP[i + 1]).astype(np.uint8)
    if size is not None:
        rgb = np.asarray(Image.fromarray(rgb).resize((size[1], size[0]), Image.Resampling.BILINEAR))
    return rgb


def overlay_heat(image: np.ndarray, heat: np.ndarray, scale: HeatScale, alpha: float = 0.6) -> np.ndarray:
    """The heatmap, coloured on the domain scale, blended over an (H, W, 3) uint8 image."""
    colours = heat_rgb(heat, scale, image.shape[:2]).astype(np.float32)
    return ((1 - alpha) * image.astype(np.float32) + alpha * colours).astype(np.uint8)


def ramp_css() -> str:
    """The ramp as a CSS ``linear-gradient`` (for the legend)."""
    stops = ", ".join(f"rgb({int(r)},{int(g)},{int(b)}) {100 * k / (len(RAMP) - 1):.0f}%"
                      for k, (r, g, b) in enumerate(RAMP))
    return f"linear-gradient(to right, {stops})"

"""The real photos the proxies are built from: scikit-image's bundled images, loaded offline.

Only images that ship inside the scikit-image wheel are used (those needing a ``pooch``
download are not), so generation works on a machine with no network.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import NamedTuple

import numpy as np
import skimage.data as skd
from scipy import ndimage as ndi
from skimage import filters, measure

#: Bundled photos (scikit-image 0.26) that load without a network; name → loader.
PHOTOS = {
    "astronaut": skd.astronaut, "brick": skd.brick, "camera": skd.camera, "chelsea": skd.chelsea,
    "clock": skd.clock, "coffee": skd.coffee, "coins": skd.coins, "grass": skd.grass,
    "gravel": skd.gravel, "moon": skd.moon, "page": skd.page, "retina": skd.retina,
    "rocket": skd.rocket, "text": skd.text, "ihc": skd.immunohistochemistry,
}


@cache
def photo(name: str) -> np.ndarray:
    """A bundled photo as float32 in [0, 1]: (H, W) grey or (H, W, 3) RGB. Do not modify it."""
    if name == "phantom":
        arr = skd.shepp_logan_phantom().astype(np.float32)
    elif name == "motorcycle":
        arr = skd.stereo_motorcycle()[0].astype(np.float32) / 255.0
    else:
        arr = PHOTOS[name]().astype(np.float32) / 255.0
    arr.setflags(write=False)
    return arr


@cache
def gray(name: str) -> np.ndarray:
    """A bundled photo as float32 grey in [0, 1], normalised to zero-mean detail around 0.5."""
    p = photo(name)
    g = p if p.ndim == 2 else p @ np.asarray([0.299, 0.587, 0.114], dtype=np.float32)
    g = g.astype(np.float32)
    g.setflags(write=False)
    return g


@cache
def detail(name: str, sigma: float = 12.0) -> np.ndarray:
    """High-pass texture of a grey photo: zero mean, unit std, slow shading removed."""
    g = gray(name)
    d = g - ndi.gaussian_filter(g, sigma)
    d = (d / (d.std() + 1e-6)).astype(np.float32)
    d.setflags(write=False)
    return d


class Coin(NamedTuple):
    """One coin cut out of the ``coins`` photo: a square grey patch and its round alpha."""

    patch: np.ndarray
    alpha: np.ndarray
    radius: float


@lru_cache(maxsize=1)
def coins() -> tuple[Coin, ...]:
    """The 24 coins of the ``coins`` photo, segmented once (local threshold + labelling)."""
    img = gray("coins")
    mask = img > filters.threshold_local(img, 151, offset=-0.02)
    mask = ndi.binary_fill_holes(ndi.binary_closing(ndi.binary_opening(mask, iterations=2), iterations=3))
    out = []
    for reg in measure.regionprops(measure.label(mask)):
        if reg.area < 800 or reg.eccentricity > 0.6:
            continue
        cy, cx = reg.centroid
        r = reg.equivalent_diameter_area / 2
        half = int(r + 4)
        y0, x0 = int(cy) - half, int(cx) - half
        if y0 < 0 or x0 < 0 or y0 + 2 * half > img.shape[0] or x0 + 2 * half > img.shape[1]:
            continue
        patch = img[y0:y0 + 2 * half, x0:x0 + 2 * half].copy()
        yy, xx = np.mgrid[0:2 * half, 0:2 * half]
        d = np.hypot(yy - (cy - y0), xx - (cx - x0))
        alpha = np.clip(r - d + 0.5, 0, 1).astype(np.float32)
        out.append(Coin(patch, alpha, float(r)))
    return tuple(out)

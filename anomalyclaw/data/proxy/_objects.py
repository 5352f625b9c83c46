"""D2 proxy: complex objects (cup, coin set, engine) with small object defects."""

from __future__ import annotations

import numpy as np

from anomalyclaw.data.proxy._base import Defect, ProxyDomain, ProxyInfo, Scene
from anomalyclaw.data.proxy._ops import (
    SIZE,
    affine_sample,
    blob,
    crack,
    f32,
    grid,
    jitter_photo,
    local_warp,
    logu,
    over,
    pick_point,
    u,
)
from anomalyclaw.data.proxy._sources import photo

# category → (photo, centre row/col in the photo, source px per output px)
_VIEW = {"cup": ("coffee", (195.0, 275.0), 1.75), "coins": ("coins", (112.0, 150.0), 0.95),
         "engine": ("motorcycle", (345.0, 420.0), 0.95)}


def _rgb(p: np.ndarray) -> np.ndarray:
    return np.repeat(p[..., None], 3, -1) if p.ndim == 2 else p


class Objects(ProxyDomain):
    """One object per category, re-photographed with a little pose and exposure change."""

    info = ProxyInfo(
        code="D2", name="Complex Industrial", modality="RGB",
        reference_type="few-shot (defect-free samples of the same object)",
        description=(
            "Photographs of one kind of object per category (a cup on a saucer, a set of coins on a "
            "dark tray, a machine engine block), each time placed slightly differently: small shifts, "
            "rotations, scale and exposure changes and sensor noise are normal. A normal object has "
            "the same parts, surfaces, print and colours as the defect-free references."),
        about=(
            "Proxy for VisA built from scikit-image's coffee, coins and stereo-motorcycle photos "
            "(one fixed object per category, re-framed with random shift, rotation, scale and "
            "exposure), with procedural defects on the object: scratches, cracks, spots, chips, "
            "dents (local warps) and discolourations, from obvious to subtle. It is not VisA: one "
            "physical instance per category, defects painted not real."),
        categories=("cup", "coins", "engine"))
    noise = 0.012

    def normal(self, rng: np.random.Generator, category: str) -> Scene:
        name, (cy, cx), zoom = _VIEW[category]
        src = _rgb(photo(name))
        img = affine_sample(src, (cy + u(rng, -3, 3), cx + u(rng, -3, 3)), zoom * u(rng, 0.98, 1.02),
                            u(rng, -2, 2))
        return Scene(jitter_photo(img, rng, bright=0.05, contrast=0.08, color=0.03))

    def _where(self, img: np.ndarray, category: str) -> np.ndarray:
        g = img.mean(-1)
        if category == "coins":
            return g > 0.45
        yy, xx = grid()
        return np.hypot(yy - SIZE / 2, xx - SIZE / 2) < SIZE * 0.36

    def anomaly(self, scene: Scene, rng: np.random.Generator, category: str) -> Defect:
        img = scene.image
        c = pick_point(rng, self._where(img, category), margin=20)
        kind = str(rng.choice(["scratch", "crack", "spot", "chip", "dent", "discoloration"]))
        if kind in ("scratch", "crack"):
            branches = 2 if kind == "crack" else 0
            a = crack(rng, logu(rng, 15, 140), logu(rng, 0.8, 4.0), branches=branches, start=c)
            a = a * u(rng, 0.35, 0.95)
            col = (0.92, 0.92, 0.9) if kind == "scratch" else (0.08, 0.07, 0.06)
            return Defect(over(img, col, a), (a > 0.1).astype(np.float32), kind)
        if kind == "spot":
            a = np.zeros((SIZE, SIZE), np.float32)
            for _ in range(int(rng.integers(1, 7))):
                p = (c[0] + u(rng, -20, 20), c[1] + u(rng, -20, 20))
                a = np.maximum(a, blob(rng, p, logu(rng, 1.5, 8.0), irregular=0.4, soft=1.0))
            col = rng.choice([(0.1, 0.08, 0.05), (0.55, 0.35, 0.15), (0.85, 0.85, 0.8)])
            return Defect(over(img, col, a * u(rng, 0.5, 1.0)), a, kind)
        if kind == "chip":
            a = blob(rng, c, logu(rng, 5, 32), irregular=0.6, soft=0.8)
            fill = img.reshape(-1, 3)[rng.integers(0, SIZE * SIZE, 64)].mean(0) * u(rng, 0.3, 0.7)
            return Defect(over(img, fill, a), a, kind)
        if kind == "dent":
            r = logu(rng, 6, 24)
            out, moved = local_warp(img, c, r, tuple(rng.choice([-1, 1], 2) * rng.uniform(0.2, 0.5, 2) * r))
            return Defect(out, moved, kind)
        a = blob(rng, c, logu(rng, 8, 45), irregular=0.4, soft=u(rng, 2, 5))
        shift = f32(rng.uniform(-0.25, 0.25, 3))
        return Defect(np.clip(img + a[..., None] * shift, 0, 1), (a > 0.2).astype(np.float32), kind)

"""D1 proxy: industrial surface textures (brick, grass, gravel) with surface defects."""

from __future__ import annotations

import numpy as np

from anomalyclaw.data.proxy._base import Defect, ProxyDomain, ProxyInfo, Scene
from anomalyclaw.data.proxy._ops import (
    SIZE,
    blob,
    crack,
    f32,
    local_warp,
    over,
    random_view,
    smooth_field,
    tint,
    u,
)
from anomalyclaw.data.proxy._sources import gray

_TINT = {"brick": (0.78, 0.52, 0.42), "grass": (0.55, 0.66, 0.42), "gravel": (0.70, 0.67, 0.60)}


class Textures(ProxyDomain):
    """Close-up textured material, any crop of it is normal; defects break the texture locally."""

    info = ProxyInfo(
        code="D1", name="Industrial Manufacturing", modality="RGB",
        reference_type="few-shot (defect-free samples of the same material)",
        description=(
            "Close-up photographs of manufactured surface materials under diffuse light. A normal "
            "sample is a uniform, stationary texture of its material: the same grain, repeating "
            "pattern and colour everywhere, with small natural variation in framing, rotation, "
            "exposure and sensor noise. Any region should look like any other region of a "
            "defect-free reference of the same material."),
        about=(
            "Proxy for MVTec-AD textures, built from scikit-image's brick, grass and gravel photos: "
            "random rotated crops, colour-tinted and exposure-jittered, with procedural surface "
            "defects (scratches, stains, holes, misaligned patches, local warps) of varied size and "
            "contrast. It is not MVTec-AD: no real manufactured parts, no real defect physics, three "
            "materials only; numbers on it are not comparable with the paper's."),
        categories=("brick", "grass", "gravel"))
    noise = 0.012

    def _texture(self, rng: np.random.Generator, category: str) -> np.ndarray:
        g = random_view(gray(category), rng, zoom=(0.8, 1.0), angle=(-6, 6))
        return g

    def normal(self, rng: np.random.Generator, category: str) -> Scene:
        g = self._texture(rng, category)
        g = (g - g.mean()) * u(rng, 0.9, 1.1) + u(rng, 0.45, 0.55)
        g = g * (1 + 0.05 * smooth_field(rng, (SIZE, SIZE), 120))
        col = f32(_TINT[category]) * (1 + f32(rng.uniform(-0.04, 0.04, 3)))
        return Scene(np.clip(tint(g, col) * 1.25, 0, 1), state=g)

    def anomaly(self, scene: Scene, rng: np.random.Generator, category: str) -> Defect:
        img = scene.image
        cy, cx = u(rng, 30, SIZE - 30), u(rng, 30, SIZE - 30)
        kind = str(rng.choice(["scratch", "stain", "hole", "misaligned_patch", "warp"]))
        if kind == "scratch":
            a = crack(rng, u(rng, 25, 110), u(rng, 1.0, 2.6), branches=0) * u(rng, 0.3, 0.9)
            shade = img.mean((0, 1)) * (u(rng, 1.35, 1.7) if rng.random() < 0.5 else u(rng, 0.3, 0.6))
            return Defect(over(img, np.clip(shade, 0, 1), a), a, kind)
        if kind == "stain":
            a = blob(rng, (cy, cx), u(rng, 6, 28), irregular=0.5, soft=u(rng, 2, 6)) * u(rng, 0.25, 0.65)
            col = rng.choice([(0.35, 0.25, 0.12), (0.15, 0.15, 0.15), (0.55, 0.5, 0.2)])
            return Defect(over(img, col * (0.6 + img), a), (a > 0.12).astype(np.float32), kind)
        if kind == "hole":
            a = blob(rng, (cy, cx), u(rng, 3, 11), irregular=0.3, soft=0.8)
            return Defect(over(img, img * u(rng, 0.1, 0.45), a), a, kind)
        if kind == "misaligned_patch":
            src = np.clip(self.normal(rng, category).image, 0, 1)
            a = blob(rng, (cy, cx), u(rng, 12, 34), irregular=0.2, aspect=u(rng, 0.6, 1.6), soft=1.0)
            return Defect(over(img, src, a), a, kind)
        out, moved = local_warp(img, (cy, cx), u(rng, 8, 20), (u(rng, -9, 9), u(rng, -9, 9)))
        return Defect(out, moved, kind)


__all__ = ["Textures"]

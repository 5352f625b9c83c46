"""D6 proxy: concrete surfaces (deck, wall, pavement) with cracks; stains and joints are normal."""

from __future__ import annotations

import numpy as np

from anomalyclaw.data.proxy._base import Defect, ProxyDomain, ProxyInfo, Scene
from anomalyclaw.data.proxy._ops import (
    SIZE,
    blob,
    crack,
    f32,
    logu,
    over,
    polyline_alpha,
    random_view,
    smooth_field,
    u,
)
from anomalyclaw.data.proxy._sources import detail

# category → (texture photo, texture strength, base grey, zoom range)
_SURF = {"deck": ("gravel", 0.045, 0.62, (0.5, 0.7)), "wall": ("moon", 0.06, 0.58, (0.6, 0.9)),
         "pavement": ("gravel", 0.08, 0.48, (0.9, 1.2))}


class Cracks(ProxyDomain):
    """Grey concrete close-ups; normal ones may carry stains, shadows and straight joints."""

    info = ProxyInfo(
        code="D6", name="Infrastructure / Maintenance", modality="RGB",
        reference_type="few-shot (uncracked surface)",
        description=(
            "Close-up photographs of concrete surfaces of bridge decks, walls and pavements. Normal "
            "concrete is grey and granular with pores, uneven shading, water stains, shadows and "
            "occasionally a straight, clean construction joint or saw cut; the framing and exposure "
            "vary from photo to photo."),
        about=(
            "Proxy for SDNET2018 built from grey-scaled crops of scikit-image's gravel and moon "
            "photos, with normal confounders (stains, shadow gradients, straight joints) and "
            "procedural branching cracks of varied length, width and darkness, down to hairlines. It "
            "is not SDNET2018: textures stand in for concrete and the cracks are drawn."),
        categories=("deck", "wall", "pavement"))
    noise = 0.02

    def normal(self, rng: np.random.Generator, category: str) -> Scene:
        name, amp, base, zoom = _SURF[category]
        tex = random_view(detail(name), rng, zoom=zoom, angle=(0, 360))
        img = base + u(rng, -0.06, 0.06) + amp * u(rng, 0.8, 1.2) * tex
        img = img * (1 + 0.08 * smooth_field(rng, (SIZE, SIZE), 90))
        if rng.random() < 0.35:  # water stain
            a = blob(rng, (u(rng, 0, SIZE), u(rng, 0, SIZE)), u(rng, 20, 70), irregular=0.5, soft=15)
            img = over(img, img * u(rng, 0.75, 0.9), a)
        if rng.random() < 0.3:  # straight joint / saw cut
            t = u(rng, 0, np.pi)
            p = f32((u(rng, 40, SIZE - 40), u(rng, 40, SIZE - 40)))
            d = f32((np.sin(t), np.cos(t))) * SIZE
            a = polyline_alpha([tuple(p - d), tuple(p + d)], u(rng, 1.0, 3.0))
            img = over(img, img * u(rng, 0.45, 0.7), a)
        if rng.random() < 0.3:  # cast shadow
            img = img * (1 - u(rng, 0.1, 0.3) * np.clip(smooth_field(rng, (SIZE, SIZE), 120) - 0.3, 0, 1))
        return Scene(np.clip(img, 0, 1).astype(np.float32))

    def anomaly(self, scene: Scene, rng: np.random.Generator, category: str) -> Defect:
        img = scene.image
        a = crack(rng, logu(rng, 30, 260), logu(rng, 0.7, 4.0), branches=int(rng.integers(0, 4)))
        depth = u(rng, 0.35, 0.85)
        return Defect(over(img, img * (1 - depth), a), (a > 0.25).astype(np.float32), "crack")

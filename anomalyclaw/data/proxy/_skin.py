"""D8 proxy: dermoscopy-like skin close-ups; benign nevi are normal, melanoma-like lesions are not."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from anomalyclaw.data.proxy._base import Defect, ProxyDomain, ProxyInfo, Scene
from anomalyclaw.data.proxy._ops import (
    SIZE,
    blob,
    f32,
    grid,
    logu,
    over,
    polyline_alpha,
    random_view,
    random_walk,
    smooth_field,
    u,
)
from anomalyclaw.data.proxy._sources import detail

_SKIN = np.asarray([(0.93, 0.76, 0.66), (0.85, 0.66, 0.55), (0.74, 0.55, 0.42), (0.9, 0.72, 0.6)], np.float32)
_BROWN = np.asarray([(0.55, 0.36, 0.24), (0.45, 0.28, 0.18), (0.62, 0.44, 0.32)], np.float32)


class Skin(ProxyDomain):
    """Every image shows one mole; the benign ones are round, even and one colour."""

    info = ProxyInfo(
        code="D8", name="Medical — Dermatology", modality="dermoscopy RGB",
        reference_type="few-shot (benign nevi)",
        description=(
            "Dermoscopy close-ups of skin, each centred on one pigmented mole. A benign nevus is "
            "roughly round or oval and symmetric, with a smooth regular border and one even shade "
            "of light to dark brown that may fade towards the rim. Skin tone, hairs, lighting, the "
            "dark corners of the dermoscope, and the mole's size, shade and position vary."),
        about=(
            "Proxy for DermaMNIST (nevus vs melanoma) built on skin texture from scikit-image's "
            "moon photo, procedural hairs and vignetting, with procedural nevi. Anomalous lesions "
            "grow asymmetric lobes, irregular borders and variegated colour (black, blue-grey and "
            "pale regression areas), from slight to pronounced. It is not dermoscopy data and "
            "carries no diagnostic meaning."),
        categories=("nevus",))
    noise = 0.012

    def normal(self, rng: np.random.Generator, category: str) -> Scene:
        yy, xx = grid()
        tone = _SKIN[int(rng.integers(len(_SKIN)))] * (1 + f32(rng.uniform(-0.04, 0.04, 3)))
        tex = ndi.gaussian_filter(random_view(detail("moon"), rng, zoom=(0.8, 1.2), angle=(0, 360)), 1.0)
        light = 1 + 0.06 * smooth_field(rng, (SIZE, SIZE), 100)
        img = (tone * (light + 0.02 * tex)[..., None]).astype(np.float32)
        c = (SIZE / 2 + u(rng, -18, 18), SIZE / 2 + u(rng, -18, 18))
        r = logu(rng, 24, 58)
        a = blob(rng, c, r, irregular=u(rng, 0.02, 0.1), aspect=u(rng, 0.8, 1.25), soft=u(rng, 3, 8),
                 harmonics=3)
        d = np.hypot(yy - c[0], xx - c[1]) / r
        brown = _BROWN[int(rng.integers(len(_BROWN)))] * u(rng, 0.75, 1.15)
        shade = brown[None, None] * (1 + u(rng, 0.0, 0.35) * np.clip(d, 0, 1)[..., None] ** 2)
        img = over(img, np.clip(shade, 0, 1), a * u(rng, 0.8, 0.95))
        hairs = np.zeros((SIZE, SIZE), np.float32)
        for _ in range(int(rng.integers(0, 6))):
            pts = random_walk(rng, (u(rng, 0, SIZE), u(rng, 0, SIZE)), 12, 12.0, u(rng, 0, 6.3), 0.08)
            hairs = np.maximum(hairs, polyline_alpha(pts, u(rng, 0.8, 1.6)))
        img = over(img, (0.18, 0.12, 0.08), hairs * 0.8)
        vig = np.clip((np.hypot(yy - SIZE / 2, xx - SIZE / 2) - u(rng, 120, 170)) / 20, 0, 1)
        img = img * (1 - 0.85 * vig[..., None])
        return Scene(np.clip(img, 0, 1).astype(np.float32), state=(c, r, a))

    def anomaly(self, scene: Scene, rng: np.random.Generator, category: str) -> Defect:
        img = scene.image
        c, r, a = scene.state
        grow = np.zeros_like(a)
        for _ in range(int(rng.integers(1, 4))):  # asymmetric lobes with ragged borders
            t = u(rng, 0, 2 * np.pi)
            p = (c[0] + np.sin(t) * r * u(rng, 0.5, 0.9), c[1] + np.cos(t) * r * u(rng, 0.5, 0.9))
            lobe = blob(rng, p, r * logu(rng, 0.25, 0.7), irregular=0.6, soft=1.5, harmonics=8)
            grow = np.maximum(grow, lobe)
        region = np.maximum(a, grow)
        core = img[int(c[0]), int(c[1])] * u(rng, 0.75, 1.05)
        out = over(img, core, grow * (1 - a) * u(rng, 0.7, 0.95))
        field = smooth_field(rng, (SIZE, SIZE), 22)
        skin = img[4 + SIZE // 4, 4 + SIZE // 4]
        cols = [(0.16, 0.1, 0.08), (0.38, 0.42, 0.52), tuple(0.5 * skin + 0.4), (0.28, 0.15, 0.1)]
        for k in range(int(rng.integers(1, 4))):
            part = np.clip((field * (1 if k % 2 else -1) - u(rng, 0.5, 1.4)) * 2, 0, 1) * region
            part = ndi.gaussian_filter(part, 2.0)
            out = over(out, cols[int(rng.integers(len(cols)))], part * u(rng, 0.3, 0.8))
        diff = np.abs(out - img).max(-1)
        mask = ((diff > 0.04) & (region > 0.2)).astype(np.float32)
        return Defect(np.clip(out, 0, 1).astype(np.float32), mask, "melanoma_like")

"""D11 proxy: endoscopy-like mucosa from the retina photo, with polyp-like bulges and ulcers."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from anomalyclaw.data.proxy._base import Defect, ProxyDomain, ProxyInfo, Scene
from anomalyclaw.data.proxy._ops import (
    SIZE,
    affine_sample,
    blob,
    f32,
    grid,
    lambert,
    logu,
    over,
    smooth_field,
    u,
)
from anomalyclaw.data.proxy._sources import photo


class Endoscopy(ProxyDomain):
    """Pink vascular mucosa in a round field of view, folds and glare; polyps bulge out of it."""

    info = ProxyInfo(
        code="D11", name="Medical — GI Endoscopy", modality="endoscopy RGB",
        reference_type="few-shot (normal mucosa)",
        description=(
            "Endoscopy frames of the gastrointestinal wall inside a round, dark-cornered field of "
            "view. Normal mucosa is smooth and pink to orange-red with a fine network of red "
            "vessels, soft shading folds, uneven illumination falling off towards the edge, small "
            "white specular glints and occasionally a pale round landmark; viewpoint, rotation and "
            "exposure vary."),
        about=(
            "Proxy for HyperKvasir built from scikit-image's retina photo (its vessel network reads "
            "as mucosal vessels), recoloured, cropped at random rotations, with procedural folds, "
            "glints and a circular field of view. Anomalies are polyp-like bulges (shaded domes with "
            "their own glint, flat to pedunculated) and whitish ulcers with a red rim. It is not "
            "endoscopy data and carries no diagnostic meaning."),
        categories=("mucosa",))
    noise = 0.012

    def normal(self, rng: np.random.Generator, category: str) -> Scene:
        src = photo("retina")
        t, rr = u(rng, 0, 2 * np.pi), u(rng, 0, 300)
        c = (705 + rr * np.sin(t), 705 + rr * np.cos(t))
        img = affine_sample(src, c, u(rng, 1.6, 2.4), u(rng, 0, 360))
        img = img / (img.reshape(-1, 3).mean(0) + 1e-6) * f32((0.72, 0.36, 0.3)) * u(rng, 0.9, 1.1)
        yy, xx = grid()
        fold = smooth_field(rng, (SIZE, SIZE), 60)
        img = img * (1 - 0.18 * np.exp(-(fold / 0.15) ** 2))[..., None]  # dark fold lines
        d = np.hypot(yy - SIZE / 2 - u(rng, -20, 20), xx - SIZE / 2 - u(rng, -20, 20))
        img = img * (1.15 - 0.5 * (d / SIZE) ** 1.5)[..., None]
        glints = np.zeros((SIZE, SIZE), np.float32)
        for _ in range(int(rng.integers(2, 8))):
            g = blob(rng, (u(rng, 10, SIZE - 10), u(rng, 10, SIZE - 10)), logu(rng, 1.0, 4.0), irregular=0.4,
                     soft=1.0)
            glints = np.maximum(glints, g)
        img = over(img, (1.0, 0.97, 0.95), glints)
        fov = np.clip((u(rng, 118, 132) - np.hypot(yy - SIZE / 2, xx - SIZE / 2)) / 2, 0, 1)
        img = img * fov[..., None]
        return Scene(np.clip(img, 0, 1).astype(np.float32), state=fov)

    def anomaly(self, scene: Scene, rng: np.random.Generator, category: str) -> Defect:
        img, fov = scene.image, scene.state
        ys, xs = np.nonzero(ndi.binary_erosion(fov > 0.9, iterations=30))
        k = int(rng.integers(len(ys)))
        c = (float(ys[k]), float(xs[k]))
        r = logu(rng, 7, 38)
        if rng.random() < 0.75:
            a = blob(rng, c, r, irregular=0.2, aspect=u(rng, 0.75, 1.3), soft=1.5)
            height = ndi.gaussian_filter(a, r / 4) * r * u(rng, 0.2, 0.8)
            shade = lambert(height, (u(rng, -0.6, 0.6), u(rng, -0.6, 0.6), 1.0))
            tint = f32((u(rng, 0.9, 1.15), u(rng, 0.75, 1.05), u(rng, 0.8, 1.0)))
            bulge = img * tint * (0.55 + 0.6 * shade)[..., None]
            out = over(img, np.clip(bulge, 0, 1), a)
            gl = blob(rng, (c[0] - r * 0.3, c[1] - r * 0.2), max(1.5, r * 0.12), irregular=0.3, soft=1.0)
            out = over(out, (1.0, 0.97, 0.95), gl * (rng.random() < 0.7))
            return Defect(out, (a > 0.3).astype(np.float32), "polyp")
        a = blob(rng, c, r * 0.6, irregular=0.3, soft=2.0)
        rim = np.clip(blob(rng, c, r * 0.85, irregular=0.3, soft=3.0) - a, 0, 1)
        out = over(img, img * f32((1.2, 0.6, 0.6)), rim * 0.8)
        out = over(out, (0.92, 0.88, 0.72), a * u(rng, 0.6, 0.95))
        return Defect(np.clip(out, 0, 1), ((a + rim) > 0.3).astype(np.float32), "ulcer")

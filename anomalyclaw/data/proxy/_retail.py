"""D5 proxy: packaged products on a shelf (can, box, carton) with packaging defects."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from anomalyclaw.data.proxy._base import Defect, ProxyDomain, ProxyInfo, Scene
from anomalyclaw.data.proxy._ops import (
    SIZE,
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

# category → (label photo, centre in it, source px per label px, product half width, half height)
_LABEL = {"can": ("chelsea", (150.0, 225.0), 1.6, 52, 82), "box": ("astronaut", (190.0, 250.0), 2.0, 62, 80),
          "carton": ("rocket", (215.0, 320.0), 2.1, 48, 90)}


class Retail(ProxyDomain):
    """One product per category on a shelf; neighbours, pose and light vary."""

    info = ProxyInfo(
        code="D5", name="Retail / Product QC", modality="RGB",
        reference_type="few-shot (same product)",
        description=(
            "Photographs of one packaged product on a store shelf (categories: a cylindrical can "
            "with a cat-food label, a printed box, a tall carton). The product is intact, its label "
            "printed in full and clean; normal photos differ in position, slight size change, how "
            "far the can is turned, lighting, and what neighbouring products show at the edges."),
        about=(
            "Proxy for GoodsAD built from scikit-image's chelsea, astronaut, rocket and text photos "
            "used as product labels on procedurally shaded packages in front of a procedural shelf. "
            "Anomalies are packaging defects: dents, torn labels, stains, misprints, scuffs and an "
            "extra sticker. It is not GoodsAD: three products, painted defects, no real shelf scenes."),
        categories=("can", "box", "carton"))
    noise = 0.012

    def _shelf(self, rng: np.random.Generator) -> np.ndarray:
        yy, xx = grid()
        wall = (0.8 + u(rng, -0.06, 0.06) - 0.15 * yy / SIZE)[..., None] * f32((1.0, 0.98, 0.94))
        board = yy > SIZE - u(rng, 24, 34)
        img = np.where(board[..., None], f32((0.55, 0.42, 0.3)) * u(rng, 0.85, 1.1), wall)
        for side in (0, 1):  # neighbouring products at the edges
            w = u(rng, 6, 30)
            col = f32(rng.uniform(0.15, 0.9, 3))
            zone = (xx < w) if side == 0 else (xx > SIZE - w)
            img = np.where((zone & (yy > u(rng, 30, 70)) & ~board)[..., None], col, img)
        return img.astype(np.float32)

    def normal(self, rng: np.random.Generator, category: str) -> Scene:
        name, (ly, lx), zoom, hw, hh = _LABEL[category]
        s = u(rng, 0.97, 1.03)
        hw, hh = hw * s, hh * s
        cy, cx = SIZE / 2 - 8 + u(rng, -5, 5), SIZE / 2 + u(rng, -6, 6)
        yy, xx = grid()
        x, y = (xx - cx) / hw, (yy - cy) / hh
        inside = (np.abs(x) < 1) & (np.abs(y) < 1)
        label_src = photo(name)
        if category == "can":
            turn = u(rng, -0.12, 0.12)
            col = (np.arcsin(np.clip(x, -1, 1)) / np.pi + turn) * 2 * hw
            shade = np.sqrt(np.clip(1 - x ** 2, 0, 1)) * 0.6 + 0.4 + 0.15 * x * u(rng, -1, 1)
        else:
            col = x * hw
            shade = np.full_like(x, 0.95) + 0.05 * x * u(rng, -1, 1)
        coords = np.stack([(ly + y * hh * zoom), (lx + col * zoom)])
        lab = np.stack([ndi.map_coordinates(label_src[..., k], coords, order=1, mode="reflect")
                        for k in range(3)], -1)
        band = np.abs(y + 0.78) < 0.12  # brand band
        lab = np.where(band[..., None], f32((0.85, 0.1, 0.1)), lab)
        prod = lab * shade[..., None]
        img = self._shelf(rng)
        shadow = ndi.gaussian_filter(inside.astype(np.float32), 4)
        img = img * (1 - 0.35 * np.roll(shadow, (4, 6), (0, 1)))[..., None]
        img = np.where(inside[..., None], prod, img)
        img = jitter_photo(np.clip(img, 0, 1).astype(np.float32), rng, 0.04, 0.06, 0.03)
        return Scene(img, state=inside)

    def anomaly(self, scene: Scene, rng: np.random.Generator, category: str) -> Defect:
        img, inside = scene.image, scene.state
        c = pick_point(rng, ndi.binary_erosion(inside, iterations=14), margin=16)
        kind = str(rng.choice(["dent", "tear", "stain", "misprint", "scuff", "sticker"]))
        if kind == "dent":
            r = logu(rng, 7, 22)
            out, moved = local_warp(img, c, r, (u(rng, -0.5, 0.5) * r, u(rng, -0.5, 0.5) * r))
            a = blob(rng, c, r * 0.8, irregular=0.3, soft=r / 3) * u(rng, 0.15, 0.4)
            return Defect(over(out, 0.0, a), np.maximum(moved, (a > 0.05)), kind)
        if kind == "tear":
            a = blob(rng, c, logu(rng, 5, 24), irregular=0.55, soft=0.7, harmonics=8) * inside
            return Defect(over(img, (0.93, 0.92, 0.88), a), a, kind)
        if kind == "stain":
            a = blob(rng, c, logu(rng, 6, 26), irregular=0.5, soft=u(rng, 1.5, 4)) * inside
            a = a * u(rng, 0.25, 0.7)
            return Defect(over(img, (0.35, 0.22, 0.08), a), (a > 0.08).astype(np.float32), kind)
        if kind == "misprint":
            a = blob(rng, c, logu(rng, 10, 40), irregular=0.3, soft=2.0) * inside
            shifted = img[..., rng.permutation(3)] * u(rng, 0.7, 1.2)
            return Defect(np.clip(over(img, shifted, a), 0, 1), (a > 0.3).astype(np.float32), kind)
        if kind == "scuff":
            a = np.zeros_like(inside, dtype=np.float32)
            for _ in range(int(rng.integers(1, 5))):
                a = np.maximum(a, crack(rng, logu(rng, 10, 60), u(rng, 0.8, 2.0), 0, start=c))
            a = a * inside * u(rng, 0.4, 0.9)
            return Defect(over(img, (0.9, 0.9, 0.9), a), (a > 0.1).astype(np.float32), kind)
        yy, xx = grid()
        hh, hw = u(rng, 5, 14), u(rng, 8, 20)
        a = ((np.abs(yy - c[0]) < hh) & (np.abs(xx - c[1]) < hw)).astype(np.float32)
        col = rng.choice([(0.97, 0.97, 0.95), (0.95, 0.85, 0.2), (0.9, 0.3, 0.5)])
        return Defect(over(img, col, a), a, "extra_sticker")

"""D3 proxy: logical constraints on part layouts (a sorted coin tray, a kit bag of parts)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import ndimage as ndi

from anomalyclaw.data.proxy._base import Defect, ProxyDomain, ProxyInfo, Scene
from anomalyclaw.data.proxy._ops import SIZE, f32, grid, lambert, random_view, u
from anomalyclaw.data.proxy._parts import Part, render_parts
from anomalyclaw.data.proxy._sources import coins, detail

_SCALE = 0.8
_ROWS, _COLS = 2, 3
_BAG = {"coin_large": 2, "coin_small": 3, "nut": 1}


def _coin_sets() -> tuple[list[int], list[int]]:
    r = [c.radius for c in coins()]
    return [i for i, x in enumerate(r) if x >= 24], [i for i, x in enumerate(r) if x <= 21]


class Logical(ProxyDomain):
    """Normal = the layout rule holds; anomalies break the rule (missing, extra, misplaced, wrong part)."""

    info = ProxyInfo(
        code="D3", name="Logical Anomaly", modality="RGB",
        reference_type="few-shot (correctly assembled samples)",
        description=(
            "Photographs of assembled kits that must follow a layout rule. Tray: six compartments in "
            "two rows, each holding exactly one coin, large coins in the top row and small coins in "
            "the bottom row. Bag: a clear bag holding exactly two large coins, three small coins and "
            "one hex nut, anywhere inside the bag. Which coin design appears, its rotation and its "
            "exact position vary freely in normal samples, as do lighting and framing."),
        about=(
            "Proxy for MVTec-LOCO built from the 24 coins cut out of scikit-image's coins photo, "
            "procedural hex nuts, a shaded procedural tray and bag with moon-photo texture. Anomalies "
            "break the rule: a missing or extra part, a coin in the wrong row or compartment, a part "
            "of the wrong type. Many are invisible to pixel statistics because normal layouts vary. "
            "It is not MVTec-LOCO: two simple rules, synthetic scenes."),
        categories=("tray", "bag"))
    noise = 0.01

    # ----------------------------------------------------------------- backgrounds
    def _tray(self, rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[float, float]]]:
        oy, ox = u(rng, -4, 4), u(rng, -4, 4)
        yy, xx = grid()
        h = np.ones((SIZE, SIZE), np.float32)
        centers = []
        sw, sh, gap = 64.0, 92.0, 6.0
        for r in range(_ROWS):
            for c in range(_COLS):
                cy = SIZE / 2 + oy + (r - 0.5) * (sh + gap)
                cx = SIZE / 2 + ox + (c - 1) * (sw + gap)
                inside = (np.abs(yy - cy) < sh / 2) & (np.abs(xx - cx) < sw / 2)
                h[inside] = 0.0
                centers.append((cy, cx))
        h = ndi.gaussian_filter(h, 2.0)
        shade = lambert(h, (u(rng, -0.6, 0.6), u(rng, -0.6, 0.6), 1.0), relief=8.0)
        tex = random_view(detail("moon"), rng, zoom=(0.8, 1.2), angle=(0, 360))
        col = f32((0.22, 0.32, 0.52)) * (1 + f32(rng.uniform(-0.05, 0.05, 3)))
        bg = (0.55 + 0.55 * shade + 0.03 * tex)[..., None] * col * (1.0 - 0.12 * (1 - h))[..., None]
        return np.clip(bg, 0, 1).astype(np.float32), centers

    def _bag(self, rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float, float, float]]:
        yy, xx = grid()
        tex = random_view(detail("gravel"), rng, zoom=(0.8, 1.2), angle=(0, 360))
        table = (0.62 + 0.04 * tex)[..., None] * f32((0.85, 0.75, 0.6))
        y0, x0 = u(rng, 14, 22), u(rng, 14, 22)
        y1, x1 = SIZE - u(rng, 14, 22), SIZE - u(rng, 14, 22)
        inside = ((yy > y0) & (yy < y1) & (xx > x0) & (xx < x1)).astype(np.float32)
        inside = ndi.gaussian_filter(inside, 1.5)
        streak = np.exp(-((xx - yy * u(rng, 0.3, 0.8) - u(rng, 40, 140)) / 9.0) ** 2) * 0.12
        img = table * (1 - 0.18 * inside[..., None]) + inside[..., None] * (0.12 + streak[..., None])
        return np.clip(img, 0, 1).astype(np.float32), (y0 + 22, x0 + 22, y1 - 22, x1 - 22)

    # ----------------------------------------------------------------- layouts
    def _coin(self, rng: np.random.Generator, pool: list[int], cy: float, cx: float) -> Part:
        i = int(rng.choice(pool))
        return Part("coin", i, coins()[i].radius * _SCALE, u(rng, 0, 360), cy, cx)

    def _free_spot(self, rng: np.random.Generator, parts: list[Part], box, r: float) -> tuple[float, float]:
        for _ in range(200):
            cy, cx = u(rng, box[0], box[2]), u(rng, box[1], box[3])
            if all(np.hypot(cy - p.cy, cx - p.cx) > r + p.radius + 3 for p in parts):
                return cy, cx
        return u(rng, box[0], box[2]), u(rng, box[1], box[3])

    def normal(self, rng: np.random.Generator, category: str) -> Scene:
        large, small = _coin_sets()
        parts: list[Part] = []
        if category == "tray":
            bg, centers = self._tray(rng)
            for k, (cy, cx) in enumerate(centers):
                parts.append(self._coin(rng, large if k < _COLS else small,
                                        cy + u(rng, -12, 12), cx + u(rng, -4, 4)))
            box = None
        else:
            bg, box = self._bag(rng)
            for kind, n in _BAG.items():
                for _ in range(n):
                    r = 26 * _SCALE if kind != "nut" else u(rng, 13, 16)
                    cy, cx = self._free_spot(rng, parts, box, r)
                    if kind == "nut":
                        parts.append(Part("nut", 0, r, u(rng, 0, 60), cy, cx))
                    else:
                        parts.append(self._coin(rng, large if kind == "coin_large" else small, cy, cx))
        img, _ = render_parts(bg, parts)
        return Scene(img, state=(bg, parts, box))

    def anomaly(self, scene: Scene, rng: np.random.Generator, category: str) -> Defect:
        bg, parts, box = scene.state
        large, small = _coin_sets()
        new = list(parts)
        k = int(rng.integers(len(parts)))
        kind = str(rng.choice(["missing", "extra", "misplaced", "wrong_type"]))
        if kind == "missing":
            del new[k]
        elif kind == "extra":
            p = parts[k]
            if category == "tray":
                extra = self._coin(rng, small + large, p.cy + u(rng, -20, 20), p.cx + u(rng, -14, 14))
            else:
                cy, cx = self._free_spot(rng, parts, box, 20)
                extra = (Part("nut", 0, u(rng, 13, 16), u(rng, 0, 60), cy, cx) if rng.random() < 0.3
                         else self._coin(rng, small + large, cy, cx))
            new.append(extra)
        elif kind == "misplaced":
            p = parts[k]
            if category == "tray":
                dy, dx = rng.choice([-1, 1]) * u(rng, 30, 55), rng.choice([-1, 1]) * u(rng, 25, 45)
            else:
                dy, dx = u(rng, -60, 60), rng.choice([-1, 1]) * u(rng, 70, 110)  # partly out of the bag
            new[k] = replace(p, cy=float(np.clip(p.cy + dy, 10, SIZE - 10)),
                             cx=float(np.clip(p.cx + dx, 10, SIZE - 10)))
        else:
            p = parts[k]
            if p.kind == "nut":
                new[k] = self._coin(rng, large, p.cy, p.cx)
            else:
                pool = small if p.index in large else large
                swap = self._coin(rng, pool, p.cy, p.cx)
                nut = Part("nut", 0, p.radius * 0.8, u(rng, 0, 60), p.cy, p.cx)
                new[k] = swap if rng.random() < 0.75 else nut
        img, new_feet = render_parts(bg, new)
        _, old_feet = render_parts(bg, parts)
        mask = np.zeros((SIZE, SIZE), np.float32)
        for p, f in zip(parts, old_feet, strict=True):
            if p not in new:
                mask = np.maximum(mask, f)
        for p, f in zip(new, new_feet, strict=True):
            if p not in parts:
                mask = np.maximum(mask, f)
        return Defect(img, mask, kind)

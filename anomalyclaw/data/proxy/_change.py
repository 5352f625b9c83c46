"""D7 proxy: aerial tiles seen twice; new (or removed) buildings are the change to find."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anomalyclaw.data.proxy._base import Defect, ProxyDomain, ProxyInfo, Scene
from anomalyclaw.data.proxy._ops import (
    SIZE,
    f32,
    grid,
    logu,
    over,
    random_view,
    smooth_field,
    u,
)
from anomalyclaw.data.proxy._sources import detail

_ROOFS = np.asarray([(0.72, 0.72, 0.74), (0.62, 0.32, 0.26), (0.35, 0.45, 0.62), (0.85, 0.83, 0.78),
                     (0.45, 0.45, 0.48)], np.float32)


@dataclass(frozen=True)
class House:
    """One building footprint: centre, half sizes, orientation (deg), roof colour index."""

    cy: float
    cx: float
    hy: float
    hx: float
    angle: float
    roof: int


@dataclass
class Layout:
    """What a tile holds: the terrain layers and the buildings on it."""

    ground: np.ndarray        # (H, W, 3) terrain + roads
    free: np.ndarray          # (H, W) bool: empty land a building may go on
    houses: list[House]


def _house_window(h: House, dy: float = 0.0, dx: float = 0.0,
                  grow: float = 0.0) -> tuple[tuple[slice, slice], np.ndarray]:
    """Anti-aliased footprint of a house inside its bounding window: (window slices, alpha)."""
    r = int(np.hypot(h.hy, h.hx) + grow) + 3
    cy, cx = h.cy + dy, h.cx + dx
    y0, y1 = max(0, int(cy) - r), min(SIZE, int(cy) + r + 1)
    x0, x1 = max(0, int(cx) - r), min(SIZE, int(cx) + r + 1)
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    t = np.deg2rad(h.angle)
    y, x = yy - cy, xx - cx
    ry, rx = y * np.cos(t) - x * np.sin(t), y * np.sin(t) + x * np.cos(t)
    a = np.clip(np.minimum(h.hy + grow - np.abs(ry), h.hx + grow - np.abs(rx)) + 0.5, 0, 1)
    return (slice(y0, y1), slice(x0, x1)), a.astype(np.float32)


def _house_alpha(h: House, dy: float = 0.0, dx: float = 0.0, grow: float = 0.0) -> np.ndarray:
    """Footprint (H, W) of a house, shifted by (dy, dx) and grown by ``grow`` px."""
    out = np.zeros((SIZE, SIZE), np.float32)
    win, a = _house_window(h, dy, dx, grow)
    out[win] = a
    return out


def _shift(img: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Integer misregistration: move content by (dy, dx) px, edges repeated."""
    pad = max(abs(dy), abs(dx))
    if pad == 0:
        return img
    p = np.pad(img, ((pad, pad), (pad, pad)) + ((0, 0),) * (img.ndim - 2), mode="edge")
    return p[pad - dy:pad - dy + img.shape[0], pad - dx:pad - dx + img.shape[1]]


class Change(ProxyDomain):
    """A 'before' tile and an 'after' tile; normal pairs differ only by season, light and registration."""

    info = ProxyInfo(
        code="D7", name="Remote Sensing / Change Detection", modality="satellite RGB",
        reference_type="temporal pair (before image)",
        description=(
            "Pairs of aerial images of the same suburban tile taken at two dates: fields, bare soil, "
            "roads and buildings seen from above. The reference is the 'before' image of the same "
            "place. Between the dates, normal differences are season and illumination (greener or "
            "browner vegetation, brightness, haze), a one- or two-pixel misregistration and sensor "
            "noise; the buildings and roads themselves stay the same."),
        about=(
            "Proxy for LEVIR-CD+ built from scikit-image's grass and gravel photos (vegetation and "
            "soil, mixed by a random field) with procedural roads and buildings. The 'after' image "
            "of a changed pair gains new buildings (sometimes a cleared plot) of sizes from a few "
            "pixels to large blocks; normal pairs differ by season, light and registration only. It "
            "is not LEVIR-CD+: no real satellite imagery or real construction."),
        categories=("suburb",), paired=True)
    noise = 0.012

    def _layout(self, rng: np.random.Generator) -> Layout:
        veg = random_view(detail("grass"), rng, zoom=(0.5, 0.8), angle=(0, 360))
        soil = random_view(detail("gravel"), rng, zoom=(0.3, 0.5), angle=(0, 360))
        mix = np.clip(smooth_field(rng, (SIZE, SIZE), 70) * 1.5 + 0.5, 0, 1)[..., None]
        green = (0.30 + 0.05 * veg)[..., None] * f32((0.75, 1.0, 0.6))
        brown = (0.52 + 0.05 * soil)[..., None] * f32((1.0, 0.88, 0.7))
        ground = green * mix + brown * (1 - mix)
        yy, xx = grid()
        road = np.zeros((SIZE, SIZE), np.float32)
        for _ in range(int(rng.integers(1, 3))):
            t = np.deg2rad(rng.choice([0.0, 90.0]) + u(rng, -10, 10))
            off = u(rng, 30, SIZE - 30)
            d = np.abs((yy - off) * np.cos(t) - (xx - SIZE / 2) * np.sin(t)) if rng.random() < 0.5 \
                else np.abs((xx - off) * np.cos(t) - (yy - SIZE / 2) * np.sin(t))
            road = np.maximum(road, np.clip(u(rng, 4, 7) - d + 0.5, 0, 1))
        ground = over(ground, (0.58, 0.57, 0.55), road)
        houses: list[House] = []
        taken = road > 0.01
        for _ in range(int(rng.integers(4, 14))):
            h = self._place(rng, taken, size=(5, 16))
            if h is not None:
                houses.append(h)
                taken |= self._halo(h)
        return Layout(ground.astype(np.float32), ~taken, houses)

    @staticmethod
    def _halo(h: House) -> np.ndarray:
        return _house_alpha(h, grow=4.0) > 0

    def _place(self, rng: np.random.Generator, taken: np.ndarray, size: tuple[float, float]) -> House | None:
        for _ in range(30):
            h = House(u(rng, 12, SIZE - 12), u(rng, 12, SIZE - 12), logu(rng, *size), logu(rng, *size),
                      u(rng, -12, 12), int(rng.integers(len(_ROOFS))))
            if not (taken & self._halo(h)).any():
                return h
        return None

    def _render(self, lay: Layout, houses: list[House], season: np.ndarray, light: float,
                shift: tuple[int, int]) -> np.ndarray:
        img = lay.ground * (season * light)
        shadow = np.zeros((SIZE, SIZE), np.float32)
        for h in houses:
            win, a = _house_window(h, -2.5, -2.5)
            shadow[win] = np.maximum(shadow[win], a)
        img = over(img, img * 0.45, shadow * 0.8)
        for h in houses:  # footprints never overlap (placement keeps a halo free)
            win, a = _house_window(h)
            img[win] = img[win] * (1 - a[..., None]) + a[..., None] * (_ROOFS[h.roof] * light)
        return np.clip(_shift(img, *shift), 0, 1).astype(np.float32)

    def _season(self, rng: np.random.Generator) -> np.ndarray:
        return f32((1 + u(rng, -0.12, 0.12), 1 + u(rng, -0.08, 0.08), 1 + u(rng, -0.1, 0.1)))

    def normal(self, rng: np.random.Generator, category: str) -> Scene:
        lay = self._layout(rng)
        before = self._render(lay, lay.houses, self._season(rng), u(rng, 0.9, 1.1), (0, 0))
        view = (self._season(rng), u(rng, 0.88, 1.12), tuple(int(v) for v in rng.integers(-2, 3, 2)))
        after = self._render(lay, lay.houses, *view)
        return Scene(after, state=(lay, view), before=before)

    def anomaly(self, scene: Scene, rng: np.random.Generator, category: str) -> Defect:
        lay, view = scene.state
        houses = list(lay.houses)
        kind = "new_building"
        if houses and rng.random() < 0.15:
            del houses[int(rng.integers(len(houses)))]
            kind = "demolished_building"
        else:
            taken = ~lay.free
            for _ in range(int(rng.integers(1, 5))):
                h = self._place(rng, taken, size=(3, 22))
                if h is not None:
                    houses.append(h)
                    taken = taken | self._halo(h)
        after = self._render(lay, houses, *view)
        changed = set(houses) ^ set(lay.houses)
        mask = np.zeros((SIZE, SIZE), np.float32)
        for h in changed:
            mask = np.maximum(mask, np.maximum(_house_alpha(h), _house_alpha(h, -2.5, -2.5)))
        mask = _shift(mask, *view[2])
        return Defect(after, (mask > 0.3).astype(np.float32), kind)


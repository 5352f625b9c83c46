"""D12 proxy: dash-cam road scenes; foreign objects on the road are anomalous, shadows are not."""

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
    paste,
    random_view,
    smooth_field,
    u,
)
from anomalyclaw.data.proxy._sources import detail, photo

# object → (photo, centre row/col, half size in the photo): real photos cut out with a soft oval
_OBJECTS = {"cat": ("chelsea", (150, 230), 130), "motorcycle": ("motorcycle", (330, 420), 200),
            "person": ("astronaut", (260, 190), 250), "cup": ("coffee", (170, 280), 170)}


class Road(ProxyDomain):
    """A straight or gently curving road seen from a car; anything lying on it is anomalous."""

    info = ProxyInfo(
        code="D12", name="Road Safety", modality="dashcam RGB",
        reference_type="few-shot (normal road scenes)",
        description=(
            "Dash-cam views along a rural road: sky above the horizon, a grey asphalt road "
            "narrowing towards the vanishing point with white lane markings, grass verges and a "
            "tree line. Normal scenes vary in road position and width, horizon height, light, "
            "asphalt texture, and may show tree shadows, darker repair patches or manhole covers "
            "on the road surface; the drivable road itself is clear."),
        about=(
            "Proxy for BDD100K + RoadAnomaly21 built from scikit-image's gravel (asphalt) and grass "
            "(verges) photos in a procedural perspective scene. Anomalies are obstacles on the road "
            "at perspective-correct sizes: animals, a motorcycle, a person and debris cut from "
            "scikit-image's chelsea, stereo-motorcycle, astronaut and coffee photos, plus shaded "
            "rocks and boxes, far and small to near and large. Normal and anomalous scenes come "
            "from the same generator (no source shortcut). It is not real driving footage."),
        categories=("rural",))
    noise = 0.012

    def normal(self, rng: np.random.Generator, category: str) -> Scene:
        yy, xx = grid()
        hz = u(rng, 0.36, 0.46) * SIZE
        vx = SIZE / 2 + u(rng, -25, 25)
        half_w = u(rng, 0.55, 0.75) * SIZE  # road half-width at the bottom row
        depth = np.clip((yy - hz) / (SIZE - hz), 1e-3, None)
        curve = u(rng, -30, 30) * (1 - depth) ** 2
        lat = (xx - vx - curve) / (half_w * depth)  # -1..1 across the road
        sky = f32((0.55, 0.68, 0.85)) * u(rng, 0.85, 1.1) + (yy / hz)[..., None] * 0.15
        grass = (0.32 + 0.06 * random_view(detail("grass"), rng, zoom=(0.4, 0.7), angle=(-5, 5)))
        ground = grass[..., None] * f32((0.7, 0.95, 0.5))
        asphalt = 0.4 + u(rng, -0.06, 0.06) + 0.035 * random_view(detail("gravel"), rng, zoom=(1.6, 2.2),
                                                                   angle=(0, 360))
        asphalt = asphalt + 0.03 * smooth_field(rng, (SIZE, SIZE), 40)
        on_road = (np.abs(lat) < 1) & (yy > hz)
        img = np.where((yy > hz)[..., None], ground, sky)
        img = np.where(on_road[..., None], asphalt[..., None] * f32((1.0, 1.0, 1.02)), img)
        top = hz - u(rng, 6, 18) * (1 + 0.6 * smooth_field(rng, (SIZE, SIZE), 14)[0])[None, :]
        trees = (yy > top) & (yy <= hz)
        canopy = (0.2 + 0.05 * grass * 3)[..., None] * f32((0.6, 0.9, 0.5))
        img = np.where(trees[..., None], canopy, img)
        dash = ((np.log(depth) * u(rng, 3.5, 4.5) + u(rng, 0, 6.28)) % 6.28) < 3.0
        for edge, dashed in ((0.0, True), (-0.92, False), (0.92, False)):
            line = (np.abs(lat - edge) < 0.025 + 0.012 / depth * 0.1) & (yy > hz + 2)
            img = over(img, (0.92, 0.92, 0.88), (line & (dash | (not dashed))).astype(np.float32) * 0.9)
        road_px = on_road & (yy > hz + 12) & (np.abs(lat) < 0.85)
        if rng.random() < 0.5:  # tree shadows across the road
            sh = np.clip(smooth_field(rng, (SIZE, SIZE), 30) - 0.5, 0, 1) * (yy > hz + 20)
            img = img * (1 - u(rng, 0.25, 0.45) * sh)[..., None]
        if rng.random() < 0.35:  # repair patch or manhole
            p = self._road_point(rng, road_px)
            r = 4 + 30 * (p[0] - hz) / (SIZE - hz)
            a = blob(rng, p, r, irregular=0.1, aspect=u(rng, 0.3, 0.5), angle=0.0, soft=1.0)
            img = over(img, img * u(rng, 0.6, 0.8), a)
        img = img * u(rng, 0.85, 1.12)
        return Scene(np.clip(img, 0, 1).astype(np.float32), state=(road_px, hz))

    @staticmethod
    def _road_point(rng: np.random.Generator, road: np.ndarray) -> tuple[float, float]:
        ys, xs = np.nonzero(road)
        k = int(rng.integers(len(ys)))
        return float(ys[k]), float(xs[k])

    def anomaly(self, scene: Scene, rng: np.random.Generator, category: str) -> Defect:
        img = scene.image
        road, hz = scene.state
        p = self._road_point(rng, road)
        scale = (p[0] - hz) / (SIZE - hz)  # 0 at horizon, 1 at the bottom
        r = max(2.5, logu(rng, 0.35, 1.0) * 55 * scale)
        kind = str(rng.choice(["animal", "vehicle", "person", "debris", "rock", "box"]))
        n = int(2 * r + 4)
        if kind in ("animal", "vehicle", "person", "debris"):
            name, c, half = _OBJECTS[{"animal": "cat", "vehicle": "motorcycle", "person": "person",
                                      "debris": "cup"}[kind]]
            patch = affine_sample(photo(name), c, 2 * half / n, u(rng, -5, 5), out=n)
            yy, xx = np.mgrid[0:n, 0:n]
            alpha = blob(rng, ((n - 1) / 2, (n - 1) / 2), n * 0.45, irregular=0.15,
                         aspect=u(rng, 0.8, 1.3), soft=1.0, shape=(n, n))
        else:
            yy, xx = np.mgrid[0:n, 0:n]
            if kind == "rock":
                alpha = blob(rng, ((n - 1) / 2, (n - 1) / 2), n * 0.42, irregular=0.3, soft=1.0, shape=(n, n))
                h = ndi.gaussian_filter(alpha, n / 8) * n
                base = f32((0.5, 0.48, 0.45)) * u(rng, 0.7, 1.2)
            else:
                alpha = ((np.abs(yy - n / 2) < n * 0.35) & (np.abs(xx - n / 2) < n * 0.45)).astype(np.float32)
                h = ndi.gaussian_filter(alpha, 1.5) * n * 0.5
                base = f32((0.62, 0.45, 0.28)) * u(rng, 0.8, 1.15)
            patch = base * (0.45 + 0.6 * lambert(h, (0.4, -0.6, 1.0)))[..., None]
        shadow = ndi.gaussian_filter(alpha, 1.5) * 0.5
        out, _ = paste(img, np.zeros((n, n, 3), np.float32), shadow, (p[0] - r * 0.6 + 2, p[1] + 2))
        out, foot = paste(out, np.clip(patch, 0, 1), alpha, (p[0] - r * 0.6, p[1]))
        return Defect(np.clip(out, 0, 1).astype(np.float32), (foot > 0.3).astype(np.float32), kind)

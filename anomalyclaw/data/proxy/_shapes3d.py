"""D4 proxy: shaded 3-D shapes rendered as point clouds, with dents, bulges, chips and debris."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from anomalyclaw.data.proxy._base import Defect, ProxyDomain, ProxyInfo, Scene
from anomalyclaw.data.proxy._ops import SIZE, blob, grid, lambert, logu, random_view, u
from anomalyclaw.data.proxy._sources import detail


def _height(category: str, ang: float, scale: float, cy: float, cx: float) -> np.ndarray:
    yy, xx = grid()
    y, x = (yy - cy) / scale, (xx - cx) / scale
    t = np.deg2rad(ang)
    y, x = y * np.cos(t) - x * np.sin(t), y * np.sin(t) + x * np.cos(t)
    if category == "dome":
        q = 1 - (x / 82) ** 2 - (y / 60) ** 2
        return (np.sqrt(np.clip(q, 0, None)) * 48).astype(np.float32)
    if category == "ring":
        r = np.hypot(x, y)
        return (np.sqrt(np.clip(22 ** 2 - (r - 62) ** 2, 0, None)) * 1.2).astype(np.float32)
    r, th = np.hypot(x, y), np.arctan2(y, x)
    edge = 34 + 58 * ((1 + np.cos(5 * th)) / 2) ** 3
    return (np.sqrt(np.clip(1 - r / edge, 0, None)) * 34).astype(np.float32)


class Shapes3D(ProxyDomain):
    """One rigid shape per category, rendered from a fixed camera with small pose and light changes."""

    info = ProxyInfo(
        code="D4", name="3D Product (RGB)", modality="rendered point cloud",
        reference_type="few-shot (template renders)",
        description=(
            "Grey renders of a scanned product seen from above as a dense point cloud with shading "
            "(categories: an oval dome, a ring, a starfish-like part). The surface is smooth apart "
            "from a fine stippled scan texture; normal renders differ slightly in pose, size, "
            "position and light direction, and the point pattern differs from scan to scan."),
        about=(
            "Proxy for Real3D-AD renders: procedural height fields (dome, torus, star) lit with "
            "Lambertian shading, stippled like a point-cloud render and textured with scikit-image's "
            "moon photo. Anomalies change the geometry: dents (sinks), bulges, chipped edges and "
            "small debris on the surface, with relief from barely visible to obvious. It is not "
            "Real3D-AD: no real scans, no real products, a single fixed camera."),
        categories=("dome", "ring", "star"))
    noise = 0.015

    def normal(self, rng: np.random.Generator, category: str) -> Scene:
        pose = (u(rng, -8, 8), u(rng, 0.95, 1.05), SIZE / 2 + u(rng, -5, 5), SIZE / 2 + u(rng, -5, 5))
        light = (u(rng, -0.8, 0.8), u(rng, -0.8, 0.8), 1.0)
        h = _height(category, *pose) * u(rng, 0.95, 1.05)
        tex = random_view(detail("moon"), rng, zoom=(0.8, 1.2), angle=(0, 360))
        dots = ndi.gaussian_filter((rng.random((SIZE, SIZE)) < 0.55).astype(np.float32), 0.6)
        state = (h, light, tex, dots)
        return Scene(self._render(*state), state=state)

    @staticmethod
    def _render(h: np.ndarray, light, tex: np.ndarray, dots: np.ndarray) -> np.ndarray:
        support = np.clip(h * 2.0, 0, 1)
        shade = lambert(h, light) * (1 + 0.04 * tex)
        obj = (0.18 + 0.72 * shade) * (0.8 + 0.3 * dots)
        return np.clip(0.08 * (1 - support) + obj * support, 0, 1).astype(np.float32)

    def anomaly(self, scene: Scene, rng: np.random.Generator, category: str) -> Defect:
        h, light, tex, dots = scene.state
        ys, xs = np.nonzero(ndi.binary_erosion(h > 6, iterations=6))
        k = int(rng.integers(len(ys)))
        cy, cx = float(ys[k]), float(xs[k])
        yy, xx = grid()
        kind = str(rng.choice(["dent", "bulge", "chip", "debris"]))
        if kind in ("dent", "bulge"):
            s = logu(rng, 4, 16)
            amp = logu(rng, 1.5, 14) * (-1 if kind == "dent" else 1)
            bump = amp * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s ** 2))
            new = np.where(h > 0, np.clip(h + bump, 0.01, None), h)
        elif kind == "chip":
            ye, xe = np.nonzero((h > 0) & ~ndi.binary_erosion(h > 0, iterations=2))
            j = int(rng.integers(len(ye)))
            a = blob(rng, (float(ye[j]), float(xe[j])), logu(rng, 5, 20), irregular=0.5, soft=1.0)
            new = h * (1 - a)
        else:
            new = h.copy()
            for _ in range(int(rng.integers(1, 4))):
                p = (cy + u(rng, -15, 15), cx + u(rng, -15, 15))
                a = blob(rng, p, logu(rng, 2, 7), irregular=0.6, soft=1.0)
                new = np.maximum(new, (h + u(rng, 3, 8)) * a)
        img = self._render(new, light, tex, dots)
        mask = ((np.abs(new - h) > 0.35) | (np.abs(img - scene.image) > 0.06)).astype(np.float32)
        mask = ndi.binary_opening(mask > 0).astype(np.float32)
        return Defect(img, mask, kind)

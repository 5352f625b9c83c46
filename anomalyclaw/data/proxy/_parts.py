"""Small parts as sprites (coins cut from the ``coins`` photo, procedural hex nuts), for layouts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage as ndi

from anomalyclaw.data.proxy._ops import affine_sample, paste
from anomalyclaw.data.proxy._sources import coins

METAL = np.asarray((0.93, 0.90, 0.84), np.float32)


@dataclass(frozen=True)
class Part:
    """One part placed in a layout: which sprite, how big, turned how far, where (row, col)."""

    kind: str          # 'coin' or 'nut'
    index: int         # coin index in the coins photo (ignored for nuts)
    radius: float      # output radius in px
    angle: float       # degrees
    cy: float
    cx: float


def sprite(part: Part) -> tuple[np.ndarray, np.ndarray]:
    """RGB patch and alpha of one part, (2r+6)² px."""
    size = int(2 * part.radius + 6)
    if part.kind == "coin":
        coin = coins()[part.index]
        zoom = coin.radius / part.radius
        c = ((coin.patch.shape[0] - 1) / 2, (coin.patch.shape[1] - 1) / 2)
        g = affine_sample(coin.patch, c, zoom, part.angle, out=size)
        a = affine_sample(coin.alpha, c, zoom, part.angle, out=size, mode="constant")
        g = np.clip((g - 0.25) * 1.4 + 0.25, 0, 1)
        return g[..., None] * METAL, np.clip(a, 0, 1)
    return _nut(part.radius, part.angle, size)


def _nut(radius: float, angle: float, size: int) -> tuple[np.ndarray, np.ndarray]:
    ss = 3
    canvas = Image.new("L", (size * ss, size * ss), 0)
    d = ImageDraw.Draw(canvas)
    c = size * ss / 2
    pts = [(c + radius * ss * np.cos(np.deg2rad(angle + 60 * k)),
            c + radius * ss * np.sin(np.deg2rad(angle + 60 * k))) for k in range(6)]
    d.polygon(pts, fill=255)
    r_in = radius * 0.45 * ss
    d.ellipse([c - r_in, c - r_in, c + r_in, c + r_in], fill=0)
    a = np.asarray(canvas.resize((size, size), Image.Resampling.BOX), np.float32) / 255
    shade = 0.55 + 0.35 * ndi.gaussian_filter(a, 2.0) - 0.2 * np.linspace(0, 1, size)[None, :]
    return np.clip(shade, 0, 1)[..., None] * np.asarray((0.75, 0.76, 0.8), np.float32), a


def render_parts(canvas: np.ndarray, parts: list[Part], shadow: float = 0.35) -> tuple[np.ndarray, list]:
    """Draw parts in order with a soft drop shadow; returns the image and each part's footprint."""
    out = canvas
    feet = []
    for p in parts:
        rgb, a = sprite(p)
        sh = ndi.gaussian_filter(a, 2.0) * shadow
        out, _ = paste(out, np.zeros_like(rgb), sh, (p.cy + 3, p.cx + 3))
        out, foot = paste(out, rgb, a, (p.cy, p.cx))
        feet.append(foot)
    return out, feet

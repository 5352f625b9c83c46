"""Image primitives the proxy generators share: crops, fields, shapes, shading, compositing.

All images here are float32 in [0, 1], shape (H, W) or (H, W, 3); masks and alphas are
float32 (H, W) in [0, 1]. Randomness always comes from an explicit ``numpy.random.Generator``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage as ndi

SIZE = 224


def u(rng: np.random.Generator, lo: float, hi: float) -> float:
    """One uniform draw as a Python float."""
    return float(rng.uniform(lo, hi))


def logu(rng: np.random.Generator, lo: float, hi: float) -> float:
    """One log-uniform draw: sizes spread evenly from subtle to obvious."""
    return float(lo * (hi / lo) ** rng.uniform())


_PAD = 160
_PADDED: dict[int, tuple[np.ndarray, list[Image.Image]]] = {}


def _channels(src: np.ndarray, pad: int) -> list[Image.Image]:
    """Per-channel float PIL images of ``src``, reflect-padded by ``pad`` px.

    Cached for read-only sources (the bundled photos), so each is padded once per process.
    """
    key = id(src)
    hit = _PADDED.get(key)
    if hit is not None and hit[0] is src and pad == _PAD:
        return hit[1]
    arr = src if src.ndim == 3 else src[..., None]
    if pad:
        arr = np.pad(arr, ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
    ims = [Image.fromarray(np.ascontiguousarray(arr[..., k], dtype=np.float32)) for k in range(arr.shape[2])]
    if not src.flags.writeable and pad == _PAD:  # cached photos: pad once per process
        _PADDED[key] = (src, ims)
    return ims


def affine_sample(src: np.ndarray, center: tuple[float, float], zoom: float, angle_deg: float,
                  out: int = SIZE, order: int = 1, mode: str = "reflect") -> np.ndarray:
    """Sample an ``out`` x ``out`` view of ``src`` centred at ``center`` (row, col), bilinearly.

    ``zoom`` is source pixels per output pixel; ``angle_deg`` rotates the view. Outside the
    source, ``mode`` applies: 'reflect' (up to 160 px beyond the edge, zeros further out) or
    'constant' (zeros). ``order`` is accepted for compatibility; sampling is always bilinear.
    """
    pad = _PAD if mode == "reflect" else 0
    t = np.deg2rad(angle_deg)
    c, s = float(np.cos(t) * zoom), float(np.sin(t) * zoom)
    g = (out - 1) / 2 + 0.5
    cy, cx = center[0] + pad, center[1] + pad
    coeffs = (c, s, cx - c * g - s * g + 0.5, -s, c, cy + s * g - c * g + 0.5)
    chans = [np.asarray(im.transform((out, out), Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR))
             for im in _channels(src, pad)]
    return (chans[0] if src.ndim == 2 else np.stack(chans, -1)).astype(np.float32)


def random_view(src: np.ndarray, rng: np.random.Generator, zoom: tuple[float, float],
                angle: tuple[float, float], margin: float = 0.0, out: int = SIZE) -> np.ndarray:
    """A random rotated, scaled view that stays inside ``src`` (plus ``margin`` px of slack)."""
    z = u(rng, *zoom)
    half = out * z * 0.75 - margin
    h, w = src.shape[:2]
    cy = u(rng, min(half, h / 2), max(h - half, h / 2))
    cx = u(rng, min(half, w / 2), max(w - half, w / 2))
    return affine_sample(src, (cy, cx), z, u(rng, *angle), out)


def smooth_field(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> np.ndarray:
    """Zero-mean, unit-std random field with isotropic features about ``scale`` px wide."""
    h, w = shape
    cell = max(scale / 4, 1.0)
    gh, gw = int(h / cell) + 8, int(w / cell) + 8
    coarse = ndi.gaussian_filter(rng.standard_normal((gh, gw)).astype(np.float32), 2.0, mode="wrap")
    size = (int(gw * cell), int(gh * cell))
    big = np.asarray(Image.fromarray(coarse).resize(size, Image.Resampling.BILINEAR))
    f = big[int(4 * cell):int(4 * cell) + h, int(4 * cell):int(4 * cell) + w]
    f = f - f.mean()
    return (f / (f.std() + 1e-6)).astype(np.float32)


@lru_cache(maxsize=16)
def grid(shape: tuple[int, int] = (SIZE, SIZE)) -> tuple[np.ndarray, np.ndarray]:
    """Row and column coordinate arrays (float32, read-only, cached)."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    yy, xx = yy.astype(np.float32), xx.astype(np.float32)
    yy.setflags(write=False)
    xx.setflags(write=False)
    return yy, xx


def blob(rng: np.random.Generator, center: tuple[float, float], radius: float, *,
         irregular: float = 0.2, aspect: float = 1.0, angle: float | None = None,
         soft: float = 1.0, shape: tuple[int, int] = (SIZE, SIZE), harmonics: int = 5) -> np.ndarray:
    """Soft alpha of a star-shaped blob whose radius wobbles by about ``irregular`` (fraction).

    Only a window around the blob is computed, so small blobs are cheap.
    """
    a = u(rng, 0, np.pi) if angle is None else angle
    ks = np.arange(2, harmonics + 2)
    amp = irregular / ks ** 0.7 * rng.standard_normal(len(ks))
    phase = rng.uniform(0, 2 * np.pi, len(ks))
    out = np.zeros(shape, np.float32)
    reach = radius * min(2.0, 1.0 + float(np.abs(amp).sum())) / min(aspect, 1.0) + soft + 2
    y0, y1 = max(0, int(center[0] - reach)), min(shape[0], int(center[0] + reach) + 2)
    x0, x1 = max(0, int(center[1] - reach)), min(shape[1], int(center[1] + reach) + 2)
    if y1 <= y0 or x1 <= x0:
        return out
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    dy, dx = yy - center[0], xx - center[1]
    ry = dy * np.cos(a) - dx * np.sin(a)
    rx = (dy * np.sin(a) + dx * np.cos(a)) * aspect
    theta = np.arctan2(ry, rx)
    r = np.hypot(ry, rx)
    edge = np.ones_like(theta)
    for k, am, ph in zip(ks, amp, phase, strict=True):
        edge += am * np.cos(k * theta + ph)
    edge = radius * np.clip(edge, 0.3, 2.0)
    out[y0:y1, x0:x1] = np.clip((edge - r) / max(soft, 1e-3) + 0.5, 0, 1)
    return out


def polyline_alpha(points: Sequence[tuple[float, float]], width: float,
                   shape: tuple[int, int] = (SIZE, SIZE), ss: int = 2) -> np.ndarray:
    """Anti-aliased alpha of a polyline of (row, col) points, ``width`` px wide."""
    h, w = shape
    canvas = Image.new("L", (w * ss, h * ss), 0)
    draw = ImageDraw.Draw(canvas)
    pts = [(c * ss, r * ss) for r, c in points]
    draw.line(pts, fill=255, width=max(1, round(width * ss)), joint="curve")
    small = canvas.resize((w, h), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32) / 255.0


def random_walk(rng: np.random.Generator, start: tuple[float, float], steps: int, step: float,
                heading: float, turn: float) -> list[tuple[float, float]]:
    """Points of a wandering path: each step turns by N(0, ``turn``) radians."""
    pts = [start]
    r, c = start
    for _ in range(steps):
        heading += rng.normal(0, turn)
        r, c = r + step * np.sin(heading), c + step * np.cos(heading)
        pts.append((r, c))
    return pts


def crack(rng: np.random.Generator, length: float, width: float, branches: int,
          shape: tuple[int, int] = (SIZE, SIZE), start: tuple[float, float] | None = None) -> np.ndarray:
    """Alpha of a branching crack: a jagged main path plus thinner side branches."""
    h, w = shape
    s = start or (u(rng, 0.2 * h, 0.8 * h), u(rng, 0.2 * w, 0.8 * w))
    heading = u(rng, 0, 2 * np.pi)
    n = max(3, int(length / 4))
    main = random_walk(rng, s, n, 4.0, heading, 0.35)
    alpha = polyline_alpha(main, width, shape)
    for _ in range(branches):
        p = main[int(rng.integers(1, len(main)))]
        br = random_walk(rng, p, max(2, n // 3), 3.0, heading + rng.choice([-1, 1]) * u(rng, 0.5, 1.3), 0.4)
        alpha = np.maximum(alpha, polyline_alpha(br, max(0.6, width * 0.6), shape))
    return alpha


def lambert(height: np.ndarray, light: tuple[float, float, float], relief: float = 1.0) -> np.ndarray:
    """Lambertian shading (0..1) of a height field lit from direction ``light`` (x, y, z)."""
    gy, gx = np.gradient(height * relief)
    n = np.stack([-gx, -gy, np.ones_like(gx)], -1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    lv = np.asarray(light, dtype=np.float32)
    lv /= np.linalg.norm(lv)
    return np.clip(n @ lv, 0, 1).astype(np.float32)


def local_warp(img: np.ndarray, center: tuple[float, float], radius: float,
               shift: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Push pixels near ``center`` by up to ``shift`` (rows, cols) with a Gaussian falloff.

    Returns:
        The warped image and the alpha of where it moved by more than half a pixel.
    """
    h, w = img.shape[:2]
    yy, xx = grid((h, w))
    g = np.exp(-((yy - center[0]) ** 2 + (xx - center[1]) ** 2) / (2 * radius ** 2))
    coords = np.stack([yy - shift[0] * g, xx - shift[1] * g])
    if img.ndim == 2:
        out = ndi.map_coordinates(img, coords, order=1, mode="reflect")
    else:
        out = np.stack([ndi.map_coordinates(img[..., k], coords, order=1, mode="reflect")
                        for k in range(img.shape[2])], -1)
    moved = g * float(np.hypot(*shift)) > 0.5
    return out.astype(np.float32), moved.astype(np.float32)


def over(img: np.ndarray, color: np.ndarray | float | Sequence[float], alpha: np.ndarray) -> np.ndarray:
    """Composite ``color`` (scalar, RGB triple or image) over ``img`` with ``alpha`` (H, W)."""
    a = alpha[..., None] if img.ndim == 3 else alpha
    col = np.asarray(color, dtype=np.float32)
    return (img * (1 - a) + col * a).astype(np.float32)


def tint(gray: np.ndarray, rgb: Sequence[float]) -> np.ndarray:
    """Colour a grey image (H, W) by multiplying with an RGB triple."""
    return (gray[..., None] * np.asarray(rgb, dtype=np.float32)).astype(np.float32)


def jitter_photo(img: np.ndarray, rng: np.random.Generator, bright: float = 0.05,
                 contrast: float = 0.08, color: float = 0.03) -> np.ndarray:
    """Global brightness, contrast and per-channel gain jitter (a different camera exposure)."""
    m = img.mean()
    out = (img - m) * (1 + u(rng, -contrast, contrast)) + m + u(rng, -bright, bright)
    if img.ndim == 3:
        out = out * (1 + rng.uniform(-color, color, 3).astype(np.float32))
    return np.clip(out, 0, 1).astype(np.float32)


_BANK = 640


@lru_cache(maxsize=1)
def _noise_bank() -> np.ndarray:
    """A fixed field of standard normal noise; samples take random crops of it (much cheaper than
    drawing fresh normals for every image, and just as deterministic)."""
    bank = np.random.default_rng(20240601).standard_normal((_BANK, _BANK, 3), dtype=np.float32)
    bank.setflags(write=False)
    return bank


def to_uint8(img: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    """Add Gaussian sensor noise (std ``noise``), clip, quantise to uint8 (same shape).

    Grey images stay (H, W): they are stored as 8-bit grey PNGs and read back as RGB.
    """
    if noise > 0:
        h, w = img.shape[:2]
        y, x = (int(v) for v in rng.integers(0, _BANK - max(h, w), 2))
        n = _noise_bank()[y:y + h, x:x + w]
        img = img + noise * (n[..., 0] if img.ndim == 2 else n)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def pick_point(rng: np.random.Generator, where: np.ndarray, margin: int = 12) -> tuple[float, float]:
    """A random (row, col) where ``where`` (H, W) is true, at least ``margin`` px from the border."""
    h, w = where.shape
    inner = np.zeros_like(where, dtype=bool)
    inner[margin:h - margin, margin:w - margin] = where[margin:h - margin, margin:w - margin]
    rows, cols = np.nonzero(inner)
    if len(rows) == 0:
        return u(rng, margin, h - margin), u(rng, margin, w - margin)
    k = int(rng.integers(len(rows)))
    return float(rows[k]), float(cols[k])


def paste(canvas: np.ndarray, patch: np.ndarray, alpha: np.ndarray,
          center: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Composite ``patch`` (h, w[, 3]) with ``alpha`` (h, w) centred at ``center`` (clipped at borders).

    Returns:
        The new canvas and the pasted alpha in canvas coordinates (H, W).
    """
    H, W = canvas.shape[:2]
    h, w = alpha.shape
    y0, x0 = int(round(center[0] - h / 2)), int(round(center[1] - w / 2))
    ys, xs = max(0, y0), max(0, x0)
    ye, xe = min(H, y0 + h), min(W, x0 + w)
    full = np.zeros((H, W), np.float32)
    out = canvas.copy()
    if ye <= ys or xe <= xs:
        return out, full
    a = alpha[ys - y0:ye - y0, xs - x0:xe - x0]
    p = patch[ys - y0:ye - y0, xs - x0:xe - x0]
    region = out[ys:ye, xs:xe]
    aa = a[..., None] if region.ndim == 3 else a
    if region.ndim == 3 and p.ndim == 2:
        p = p[..., None]
    out[ys:ye, xs:xe] = region * (1 - aa) + p * aa
    full[ys:ye, xs:xe] = a
    return out, full


def f32(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """A float32 array (keeps image arithmetic in float32 instead of silently widening to float64)."""
    return np.asarray(values, dtype=np.float32)

"""Pixel helpers shared by the tools: crops in the normalised frame, alignment, PNG panels.

Images are (H, W, 3) uint8 RGB; grey images are (H, W) float32 in [0, 1]. Panels the VLM
sees are kept small (≤ ``PANEL`` px high) so that encoding them stays cheap.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tools._types import BBox

PANEL = 160
_HEAT_STOPS = np.array(
    [[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]], dtype=np.float32
)


@functools.lru_cache(maxsize=1)
def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """PIL's default font, loaded once (loading it per caption costs more than drawing)."""
    return ImageFont.load_default()


def to_png(img: np.ndarray) -> bytes:
    """PNG bytes of an (H, W, 3) uint8 image (fast compression)."""
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def box_pixels(shape: tuple[int, ...], box: BBox) -> tuple[int, int, int, int]:
    """Pixel bounds (r0, r1, c0, c1) of a normalised box in an image of ``shape``; ≥ 1 px each way."""
    h, w = shape[:2]
    r0, c0 = min(int(box.y0 * h), h - 1), min(int(box.x0 * w), w - 1)
    r1, c1 = max(r0 + 1, int(round(box.y1 * h))), max(c0 + 1, int(round(box.x1 * w)))
    return r0, min(r1, h), c0, min(c1, w)


def crop(img: np.ndarray, box: BBox | None) -> np.ndarray:
    """The part of ``img`` inside a normalised box (the whole image when ``box`` is None)."""
    if box is None:
        return img
    r0, r1, c0, c1 = box_pixels(img.shape, box)
    return img[r0:r1, c0:c1]


def resize(img: np.ndarray, h: int, w: int) -> np.ndarray:
    """Resize an RGB uint8 or grey float image to (h, w) (bilinear)."""
    if img.dtype == np.uint8:
        return np.asarray(Image.fromarray(img).resize((max(1, w), max(1, h)), Image.Resampling.BILINEAR))
    return np.asarray(
        Image.fromarray(img.astype(np.float32), mode="F").resize(
            (max(1, w), max(1, h)), Image.Resampling.BILINEAR
        )
    )


def fit_height(img: np.ndarray, h: int = PANEL) -> np.ndarray:
    """Resize keeping aspect so the height is ``h`` (width capped at 3h)."""
    w = int(round(img.shape[1] * h / max(1, img.shape[0])))
    return resize(img, h, min(max(1, w), 3 * h))


def thumb(img: np.ndarray, side: int = 256) -> np.ndarray:
    """Downscale so that max(H, W) ≤ side (never upscales)."""
    s = side / max(img.shape[:2])
    return img if s >= 1 else resize(img, max(1, int(img.shape[0] * s)), max(1, int(img.shape[1] * s)))


def gray(img: np.ndarray) -> np.ndarray:
    """Luma in [0, 1] as float32."""
    f = img.astype(np.float32)  # weighted sum, not a matmul: BLAS threads cost more than this work
    return (f[..., 0] * (0.299 / 255) + f[..., 1] * (0.587 / 255) + f[..., 2] * (0.114 / 255)).astype(
        np.float32
    )


def to_rgb(g: np.ndarray) -> np.ndarray:
    """Grey [0, 1] → (H, W, 3) uint8 for drawing."""
    return np.repeat((np.clip(g, 0, 1) * 255).astype(np.uint8)[..., None], 3, axis=2)


def standardise(g: np.ndarray) -> np.ndarray:
    """Zero mean, unit std (so a global brightness/contrast change is not a 'difference')."""
    return (g - g.mean()) / max(float(g.std()), 1e-3)


def phase_shift(query: np.ndarray, ref: np.ndarray, query_fft: np.ndarray | None = None) -> tuple[int, int]:
    """Integer (dy, dx) that moves grey ``ref`` onto grey ``query`` (same shape), by phase correlation.

    ``query_fft`` (``np.fft.fft2(query)``) may be passed when one query is matched to many refs.
    """
    fq = np.fft.fft2(query) if query_fft is None else query_fft
    cross = fq * np.conj(np.fft.fft2(ref))
    peak = np.unravel_index(int(np.argmax(np.abs(np.fft.ifft2(cross)))), query.shape)
    h, w = query.shape
    dy, dx = int(peak[0]), int(peak[1])
    return (dy - h if dy > h // 2 else dy), (dx - w if dx > w // 2 else dx)


def shift_image(img: np.ndarray, dy: int, dx: int) -> tuple[np.ndarray, np.ndarray]:
    """``img`` moved by an integer (dy, dx), zeros where nothing moved in; returns (moved, valid mask)."""
    h, w = img.shape[:2]
    moved = np.zeros_like(img)
    valid = np.zeros((h, w), dtype=bool)
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    moved[yd, xd] = img[ys, xs]
    valid[yd, xd] = True
    return moved, valid


def align_translation(
    ref: np.ndarray, query: np.ndarray
) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """Shift grey ``ref`` onto grey ``query`` (same shape) by phase correlation (integer pixels).

    Returns:
        (shifted ref, valid mask of pixels that came from inside ref, (dy, dx) in pixels).
    """
    dy, dx = phase_shift(query, ref)
    moved, valid = shift_image(ref, dy, dx)
    return moved, valid, (float(dy), float(dx))


def heat_colors(heat: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Map heat to an inferno-like RGB ramp between ``lo`` and ``hi`` → (H, W, 3) uint8."""
    t = np.clip((heat - lo) / max(hi - lo, 1e-9), 0, 1) * (len(_HEAT_STOPS) - 1)
    i = np.minimum(t.astype(int), len(_HEAT_STOPS) - 2)
    f = (t - i)[..., None]
    return ((1 - f) * _HEAT_STOPS[i] + f * _HEAT_STOPS[i + 1]).astype(np.uint8)


def overlay(img: np.ndarray, heat: np.ndarray, lo: float, hi: float, alpha: float = 0.5) -> np.ndarray:
    """Blend a heatmap (any grid) over an image (same aspect): coloured on its own grid, then resized."""
    colours = resize(heat_colors(heat.astype(np.float32), lo, hi), img.shape[0], img.shape[1])
    return ((1 - alpha) * img + alpha * colours).astype(np.uint8)


def draw_boxes(
    img: np.ndarray,
    boxes: Sequence[BBox],
    labels: Sequence[str] | None = None,
    color: tuple[int, int, int] = (0, 255, 0),
) -> np.ndarray:
    """Outline normalised boxes (with optional labels) on a copy of ``img``."""
    im = Image.fromarray(img.copy())
    d = ImageDraw.Draw(im)
    h, w = img.shape[:2]
    width = max(1, round(max(h, w) / 160))
    for k, b in enumerate(boxes):
        d.rectangle(
            [b.x0 * w, b.y0 * h, max(b.x0 * w + 1, b.x1 * w - 1), max(b.y0 * h + 1, b.y1 * h - 1)],
            outline=color,
            width=width,
        )
        if labels:
            d.text((b.x0 * w + 2, b.y0 * h + 1), labels[k], fill=color, font=_font())
    return np.asarray(im)


def panel(tiles: Sequence[np.ndarray], labels: Sequence[str], h: int = PANEL, gap: int = 4) -> np.ndarray:
    """Tiles side by side at a common height, each captioned (captions drawn on the tile)."""
    fitted = []
    for t, lab in zip(tiles, labels, strict=True):
        t = fit_height(
            t if t.ndim == 3 else np.repeat((np.clip(t, 0, 1) * 255).astype(np.uint8)[..., None], 3, 2), h
        )
        im = Image.fromarray(np.ascontiguousarray(t))
        ImageDraw.Draw(im).text(
            (3, 2), lab, fill=(255, 255, 0), stroke_width=1, stroke_fill=(0, 0, 0), font=_font()
        )
        fitted.append(np.asarray(im))
    width = sum(t.shape[1] for t in fitted) + gap * (len(fitted) - 1)
    out = np.full((h, width, 3), 255, dtype=np.uint8)
    x = 0
    for t in fitted:
        out[:, x : x + t.shape[1]] = t
        x += t.shape[1] + gap
    return out


def lazy_png(draw: Callable[[], np.ndarray]) -> Callable[[], bytes]:
    """Defer drawing and encoding a panel until someone wants it (``run_tool(render=False)`` skips it)."""
    return lambda: to_png(draw())

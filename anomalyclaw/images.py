"""Image loading with clear errors: the one place that opens image files.

Images travel through the system as ``numpy.ndarray`` of shape (H, W, 3), dtype uint8,
RGB. Grayscale, 16-bit and RGBA inputs are converted; nothing here knows about paths
beyond opening them (the model never sees a path).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from anomalyclaw.errors import InputError


class ImageError(InputError):
    """An image file is missing, unreadable or corrupt.

    Attributes:
        path: the offending file.
    """

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)


def to_rgb_array(img: Image.Image) -> np.ndarray:
    """Convert any PIL image (L, I;16, RGBA, P, ...) to an (H, W, 3) uint8 RGB array."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)
        img = Image.fromarray(arr.astype(np.uint8), mode="L")
    return np.asarray(img.convert("RGB"), dtype=np.uint8)


def load_rgb(path: Path | str, max_side: int | None = None) -> np.ndarray:
    """Open an image as (H, W, 3) uint8 RGB, optionally downscaled so max(H, W) <= max_side.

    Raises:
        ImageError: the file is missing, not an image, or truncated.
    """
    p = Path(path)
    if not p.is_file():
        raise ImageError(p, "file not found")
    try:
        with Image.open(p) as img:
            img.load()
            if max_side is not None and max(img.size) > max_side:
                img.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
            return to_rgb_array(img)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageError(p, f"unreadable image ({exc.__class__.__name__}: {exc})") from exc

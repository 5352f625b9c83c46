"""Pixels for the model: downscale to the long-side limit and wrap as ``dspy.Image``.

Only arrays go in (never paths), so nothing about a file can reach a prompt.
"""

from __future__ import annotations

import dspy
import numpy as np
from PIL import Image


def fit_side(image: np.ndarray, max_side: int) -> np.ndarray:
    """``image`` (H, W, 3) uint8 downscaled so that max(H, W) <= max_side (never upscaled)."""
    h, w = image.shape[:2]
    if max(h, w) <= max_side:
        return image
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR))


def to_model_image(image: np.ndarray) -> dspy.Image:
    """An (H, W, 3) uint8 array as a ``dspy.Image`` (PNG pixels, no name)."""
    return dspy.Image(Image.fromarray(np.ascontiguousarray(image)))


def png_to_model_image(png: bytes) -> dspy.Image:
    """A tool's PNG bytes as a ``dspy.Image``."""
    import io

    with Image.open(io.BytesIO(png)) as img:
        return dspy.Image(img.convert("RGB"))

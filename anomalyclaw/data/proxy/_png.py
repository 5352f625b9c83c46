"""A minimal, fast PNG writer for 8-bit grey or RGB arrays.

Pillow's encoder spends most of its time choosing a row filter per line (about 5 ms for a
noisy 224x224 RGB image even at zlib level 0). Generated proxy images are noisy and barely
compress anyway, so rows are stored unfiltered (filter type 0): twenty times faster, files
within a few percent of Pillow's, and byte-identical output for identical pixels.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode_png(arr: np.ndarray, level: int = 0) -> bytes:
    """PNG bytes of an (H, W) grey or (H, W, 3) RGB uint8 array; ``level`` is the zlib level."""
    if arr.dtype != np.uint8 or arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] != 3):
        raise ValueError(f"expected (H, W) or (H, W, 3) uint8, got {arr.shape} {arr.dtype}")
    h, w = arr.shape[:2]
    rows = np.zeros((h, 1 + arr[0].size), np.uint8)  # leading 0 per row = filter type 'None'
    rows[:, 1:] = arr.reshape(h, -1)
    header = struct.pack(">IIBBBBB", w, h, 8, 2 if arr.ndim == 3 else 0, 0, 0, 0)
    return (_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), level))
            + _chunk(b"IEND", b""))


def write_png(arr: np.ndarray, path: Path, level: int | None = None) -> None:
    """Write ``arr`` as PNG. Default level: 0 for colour (noisy, incompressible), 1 for grey."""
    if level is None:
        level = 0 if arr.ndim == 3 else 1
    path.write_bytes(encode_png(arr, level))

"""load_rgb: every input kind becomes (H, W, 3) uint8 RGB; bad files raise ImageError with the path."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from anomalyclaw.errors import InputError
from anomalyclaw.images import ImageError, load_rgb


def test_rgb_photo_round_trips(tmp_path):
    arr = skdata.chelsea()
    p = tmp_path / "cat.png"
    Image.fromarray(arr).save(p)
    out = load_rgb(p)
    assert out.dtype == np.uint8 and out.shape == arr.shape
    assert np.array_equal(out, arr)


@pytest.mark.parametrize("mode", ["L", "RGBA", "I;16"])
def test_other_modes_become_rgb(tmp_path, mode):
    gray = skdata.camera()
    if mode == "I;16":
        img = Image.fromarray(gray.astype(np.uint16) * 256)
    elif mode == "RGBA":
        img = Image.fromarray(np.dstack([gray] * 3 + [np.full_like(gray, 200)]), mode="RGBA")
    else:
        img = Image.fromarray(gray, mode="L")
    p = tmp_path / f"x_{mode.replace(';', '')}.png"
    img.save(p)
    out = load_rgb(p)
    assert out.shape == gray.shape + (3,)
    # the three channels carry the same gray content, with its contrast kept
    assert np.array_equal(out[..., 0], out[..., 2])
    assert np.corrcoef(out[..., 0].ravel(), gray.ravel())[0, 1] > 0.99


def test_downscale_keeps_aspect(tmp_path):
    p = tmp_path / "astro.png"
    Image.fromarray(skdata.astronaut()).save(p)
    out = load_rgb(p, max_side=128)
    assert max(out.shape[:2]) == 128


def test_missing_and_corrupt_files_name_the_path(tmp_path):
    with pytest.raises(ImageError, match="missing.png: file not found"):
        load_rgb(tmp_path / "missing.png")
    bad = tmp_path / "corrupt.png"
    good = tmp_path / "good.png"
    Image.fromarray(skdata.coffee()).save(good)
    bad.write_bytes(good.read_bytes()[:200])  # truncated PNG
    with pytest.raises(InputError, match="corrupt.png"):
        load_rgb(bad)

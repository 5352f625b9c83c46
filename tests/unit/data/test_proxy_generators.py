"""Every proxy generator: deterministic, varied normals, and masks that match the anomalies."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from anomalyclaw.data import DOMAIN_CODES
from anomalyclaw.data.proxy import draw_sample, get_generator, proxy_spec


def _draw(code: str, seed: int, anomalous: bool, k: int = 0):
    gen = get_generator(code)
    cat = gen.info.categories[k % len(gen.info.categories)]
    return draw_sample(gen, np.random.default_rng([seed, k]), cat, anomalous)


@pytest.mark.parametrize("code", DOMAIN_CODES)
def test_same_seed_same_pixels_other_seed_other_pixels(code: str) -> None:
    a, b, c = _draw(code, 7, True), _draw(code, 7, True), _draw(code, 8, True)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)
    assert not np.array_equal(a.image, c.image)


@pytest.mark.parametrize("code", DOMAIN_CODES)
def test_normals_vary(code: str) -> None:
    x, y = _draw(code, 1, False), _draw(code, 2, False)
    assert x.image.shape[:2] == (224, 224) and x.image.dtype == np.uint8
    diff = np.abs(x.image.astype(int) - y.image.astype(int)).mean()
    assert diff > 2.0, f"{code}: two normals are nearly identical (mean |diff| {diff:.2f})"
    assert x.mask is None and x.kind is None


@pytest.mark.parametrize("code", DOMAIN_CODES)
@pytest.mark.parametrize("k", [0, 1, 2])
def test_anomaly_lies_inside_its_mask(code: str, k: int) -> None:
    s = _draw(code, 3, True, k)
    assert s.mask is not None and s.mask.sum() > 0 and s.kind
    diff = np.abs(s.image.astype(int) - s.clean.astype(int))
    diff = diff.sum(-1) if diff.ndim == 3 else diff
    assert diff.sum() > 0, f"{code}: the anomalous image equals its clean source"
    near = ndi.binary_dilation(s.mask, iterations=3)  # anti-aliased edges and soft shadows
    inside = diff[near].sum() / diff.sum()
    assert inside > 0.8, f"{code}/{s.kind}: only {inside:.0%} of the change is inside the mask"


def test_paired_domain_has_its_own_before_image() -> None:
    s = _draw("D7", 5, True)
    assert s.before is not None and s.before.shape == s.image.shape
    assert not np.array_equal(s.before, s.clean)  # season, light, registration differ
    assert _draw("D1", 5, True).before is None


@pytest.mark.parametrize("code", DOMAIN_CODES)
def test_model_facing_description_is_neutral(code: str) -> None:
    spec = proxy_spec(code)
    text = spec.description.lower()
    for word in ("proxy", "synthetic", "procedural", "scikit", "generated"):
        assert word not in text, f"{code} description gives away {word!r}"
    assert "proxy" in spec.about.lower() and "not" in spec.about.lower()
    assert spec.data_source == "proxy"


@pytest.mark.parametrize("shape", [(5, 7), (6, 4, 3)])
def test_png_writer_round_trips(shape: tuple[int, ...], tmp_path) -> None:
    from anomalyclaw.data.proxy._png import write_png
    from anomalyclaw.images import load_rgb

    arr = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    write_png(arr, tmp_path / "x.png")
    back = load_rgb(tmp_path / "x.png")
    expect = np.repeat(arr[..., None], 3, -1) if arr.ndim == 2 else arr
    assert np.array_equal(back, expect)

"""ByteLRU: bounded by bytes, least-recently-used first out; keys are pixel hashes."""

from __future__ import annotations

import numpy as np

from tools._lru import ByteLRU, image_key


def _cache(max_bytes: int) -> ByteLRU[np.ndarray]:
    return ByteLRU(max_bytes, lambda a: a.nbytes)


def test_evicts_least_recently_used_to_stay_within_bytes():
    c = _cache(300)
    for k in "abc":
        c.put(k, np.zeros(100, np.uint8))
    assert c.get("a") is not None  # touch a: b is now the oldest
    c.put("d", np.zeros(100, np.uint8))
    assert "b" not in c and all(k in c for k in "acd")
    assert c.nbytes <= 300


def test_entry_larger_than_budget_is_not_stored():
    c = _cache(50)
    c.put("big", np.zeros(51, np.uint8))
    assert len(c) == 0 and c.nbytes == 0


def test_replacing_a_key_recounts_its_bytes():
    c = _cache(1000)
    c.put("a", np.zeros(400, np.uint8))
    c.put("a", np.zeros(100, np.uint8))
    assert c.nbytes == 100 and len(c) == 1


def test_hit_and_miss_counters():
    c = _cache(100)
    c.put("a", np.zeros(10, np.uint8))
    c.get("a")
    c.get("zz")
    assert (c.hits, c.misses) == (1, 1)


def test_image_key_depends_on_pixels_only():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (20, 30, 3), dtype=np.uint8)
    assert image_key(img) == image_key(img.copy())
    assert image_key(img) == image_key(np.asfortranarray(img))
    other = img.copy()
    other[5, 5, 1] ^= 1
    assert image_key(img) != image_key(other)
    assert image_key(img) != image_key(img.reshape(30, 20, 3))  # same bytes, other shape

"""A tiny real image domain for evolution tests: crops of scikit-image's gravel photo.

Normal images are random gravel crops; anomalous queries get a bright scratch-like stroke.
Items are spread over calib / dev / test; ids are shuffled so none carries its label.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skdata

from anomalyclaw.data import Domain, DomainSpec, GroundTruth, Item

SIDE = 80


def _crop(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    y, x = rng.integers(0, photo.shape[0] - SIDE), rng.integers(0, photo.shape[1] - SIDE)
    return np.stack([photo[y:y + SIDE, x:x + SIDE]] * 3, -1).copy()


def _scratch(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    img = img.copy()
    y0, y1 = rng.integers(10, SIDE - 10, size=2)
    for x in range(15, SIDE - 15):
        y = int(y0 + (y1 - y0) * (x - 15) / (SIDE - 30))
        img[max(0, y - 2):y + 2, x] = 250
    return img


def build(root: Path, *, n_pool: int = 12, per_split: int = 4, seed: int = 0, code: str = "G1") -> Domain:
    """``per_split`` normal + ``per_split`` anomalous items in each of calib, dev and test."""
    rng = np.random.default_rng(seed)
    photo = skdata.gravel()
    root.mkdir(parents=True, exist_ok=True)
    pool = []
    for i in range(n_pool):
        pool.append(root / f"pool_{i:02d}.png")
        Image.fromarray(_crop(photo, rng)).save(pool[-1])
    slots = [(s, y) for s in ("calib", "dev", "test") for y in (0, 1) for _ in range(per_split)]
    order = rng.permutation(len(slots))
    items, truth = [], {}
    for k, (split, y) in enumerate(slots):
        iid = f"{code}_{int(order[k]):04d}"
        img = _crop(photo, rng)
        q = root / f"q_{int(order[k]):04d}.png"
        Image.fromarray(_scratch(img, rng) if y else img).save(q)
        refs = tuple(sorted(pool[int(j)] for j in rng.choice(n_pool, 4, replace=False)))
        items.append(Item(item_id=iid, domain_code=code, split=split, query_path=q, ref_paths=refs,
                          data_source="proxy"))
        truth[iid] = GroundTruth(item_id=iid, label=y)
    spec = DomainSpec(code=code, name="Gravel", modality="RGB", reference_type="same texture",
                      description="Close-ups of gravel; stones vary in size, shape and shade.",
                      data_source="proxy")
    return Domain(spec=spec, items=tuple(sorted(items, key=lambda i: i.item_id)), truth=truth,
                  normal_pool=tuple(pool))

"""A small real domain for agent tests: scikit-image brick texture crops, with painted defects.

Normals are random crops of the bundled ``brick`` photo; anomalous queries are crops with a
dark blotch painted in. File names are neutral (``img_00.png``): path-blindness tests rename
them on purpose.
"""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from anomalyclaw.data import Domain, DomainSpec, GroundTruth, Item

SIDE = 96


def _crops(n, rng):
    brick = skdata.brick()
    brick = np.stack([brick] * 3, -1) if brick.ndim == 2 else brick
    h, w = brick.shape[:2]
    out = []
    for _ in range(n):
        y, x = rng.integers(0, h - SIDE), rng.integers(0, w - SIDE)
        out.append(brick[y : y + SIDE, x : x + SIDE].copy())
    return out


def _deface(img, rng):
    img = img.copy()
    cy, cx = rng.integers(20, SIDE - 20, size=2)
    yy, xx = np.ogrid[:SIDE, :SIDE]
    mask = (yy - cy) ** 2 / 90 + (xx - cx) ** 2 / 40 <= 1
    img[mask] = (img[mask] * 0.15).astype(np.uint8)
    return img


def build_domain(root: Path, *, n_pool=6, n_items=3, seed=0) -> Domain:
    """A domain of ``n_items`` normal and ``n_items`` anomalous test queries, 4 references each."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    paths, k = [], 0

    def save(img):
        nonlocal k
        p = root / f"img_{k:02d}.png"
        Image.fromarray(img).save(p)
        k += 1
        return p

    pool = [save(c) for c in _crops(n_pool, rng)]
    queries = _crops(2 * n_items, rng)
    items, truth = [], {}
    for i, img in enumerate(queries):
        label = int(i >= n_items)
        q = save(_deface(img, rng) if label else img)
        refs = tuple(pool[j] for j in rng.choice(n_pool, 4, replace=False))
        item_id = f"T1_{i:04d}"
        items.append(
            Item(
                item_id=item_id,
                domain_code="T1",
                split="test",
                query_path=q,
                ref_paths=refs,
                data_source="proxy",
            )
        )
        truth[item_id] = GroundTruth(item_id=item_id, label=label, anomaly_type="stain" if label else None)
        paths.append(q)
    spec = DomainSpec(
        code="T1",
        name="Brick wall texture",
        modality="RGB",
        reference_type="same texture",
        description="Close-up photos of a brick wall; mortar lines and brick grain vary.",
        data_source="proxy",
    )
    return Domain(spec=spec, items=tuple(items), truth=truth, normal_pool=tuple(pool))


@pytest.fixture(scope="session")
def brick_domain(tmp_path_factory):
    return build_domain(tmp_path_factory.mktemp("brick"))


@pytest.fixture(scope="session")
def brick_experts(brick_domain, tmp_path_factory):
    from anomalyclaw.agent import fit_experts

    return fit_experts(brick_domain, cache_dir=tmp_path_factory.mktemp("experts"), device="cpu")

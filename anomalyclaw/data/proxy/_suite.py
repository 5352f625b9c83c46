"""The proxy suite on disk: split plan, image files, manifest, cache location.

Layout of one generated domain (``<cache>/proxy/g<version>/seed<seed>/<code>/``)::

    manifest.json          entries in the upstream manifest format, plus mask_path
    images/<id>.png        queries          masks/<id>.png   anomaly masks (white = anomalous)
    pool/<code>_pNN.png    normal pool      before/<id>.png  paired 'before' images (D7)

Every image draws its randomness from ``[seed, domain, role, index]`` alone, so a file's
bytes do not depend on what else was generated or in which process.
"""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from anomalyclaw.data._manifest import DOMAIN_CODES, normalize_code
from anomalyclaw.data._paths import DATA_ROOT_TOKEN, default_cache_dir
from anomalyclaw.data._types import Split
from anomalyclaw.data.proxy._base import draw_sample
from anomalyclaw.data.proxy._cache import build_atomically
from anomalyclaw.data.proxy._png import write_png
from anomalyclaw.data.proxy._registry import get_generator

#: Bump whenever any generator's output changes: it is part of the cache key.
GENERATOR_VERSION = 1
POOL_SIZE = 60
N_REFS = 10
MANIFEST = "manifest.json"
_SIZES: dict[Split, tuple[int, int]] = {"calib": (10, 10), "dev": (20, 20), "test": (60, 60)}
_UPSTREAM_SPLIT = {"calib": "calibration", "dev": "dev", "test": "test"}
_ROLE_POOL, _ROLE_QUERY, _ROLE_IDS, _ROLE_REFS = 0, 1, 2, 3


def split_sizes(code: str) -> dict[Split, tuple[int, int]]:
    """(normal, anomalous) counts per split; D7's test split is 49+49 as upstream."""
    sizes = dict(_SIZES)
    if normalize_code(code) == "D7":
        sizes["test"] = (49, 49)
    return sizes


@dataclass(frozen=True)
class Slot:
    """One query to generate: its split, label, category and its index in the RNG key."""

    item_id: str
    split: Split
    label: int
    category: str
    index: int


def _rng(seed: int, code: str, role: int, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, DOMAIN_CODES.index(code), role, index])


def plan(code: str, seed: int) -> list[Slot]:
    """Every query of a domain with its split, label and category; ids are shuffled, so no id,
    file name or order carries the label."""
    code = normalize_code(code)
    cats = get_generator(code).info.categories
    raw: list[tuple[Split, int, str]] = []
    for split, (n_norm, n_anom) in split_sizes(code).items():
        for label, n in ((0, n_norm), (1, n_anom)):
            raw += [(split, label, cats[(j + label) % len(cats)]) for j in range(n)]
    order = _rng(seed, code, _ROLE_IDS, 0).permutation(len(raw))
    return [Slot(f"{code}_{int(pos) + 1:04d}", *raw[i], index=i) for i, pos in enumerate(order)]


def pool_categories(code: str) -> list[str]:
    """Category of each normal-pool image (round robin)."""
    cats = get_generator(code).info.categories
    return [cats[i % len(cats)] for i in range(POOL_SIZE)]


def _save(arr: np.ndarray, path: Path, compress: int | None = None) -> None:
    write_png(arr, path, compress)


def build_domain_files(code: str, seed: int, out: Path) -> None:
    """Generate every image of one proxy domain into the empty folder ``out`` (manifest last)."""
    code = normalize_code(code)
    gen = get_generator(code)
    for sub in ("images", "masks", "pool") + (("before",) if gen.info.paired else ()):
        (out / sub).mkdir()
    pool_cats = pool_categories(code)
    pool: list[str] = []
    for i, cat in enumerate(pool_cats):
        s = draw_sample(gen, _rng(seed, code, _ROLE_POOL, i), cat, anomalous=False)
        name = f"pool/{code}_p{i:02d}.png"
        _save(s.image, out / name)
        pool.append(f"{DATA_ROOT_TOKEN}/{name}")
    entries = []
    for slot in plan(code, seed):
        s = draw_sample(gen, _rng(seed, code, _ROLE_QUERY, slot.index), slot.category, bool(slot.label))
        _save(s.image, out / "images" / f"{slot.item_id}.png")
        mask_path = None
        if s.mask is not None:
            _save((s.mask * 255).astype(np.uint8), out / "masks" / f"{slot.item_id}.png", compress=6)
            mask_path = f"{DATA_ROOT_TOKEN}/masks/{slot.item_id}.png"
        if s.before is not None:
            _save(s.before, out / "before" / f"{slot.item_id}.png")
            refs = [f"{DATA_ROOT_TOKEN}/before/{slot.item_id}.png"]
        else:
            same = [j for j, c in enumerate(pool_cats) if c == slot.category]
            pick = _rng(seed, code, _ROLE_REFS, slot.index).choice(len(same), min(N_REFS, len(same)),
                                                                    replace=False)
            refs = [pool[same[int(k)]] for k in sorted(pick)]
        entries.append({
            "item_id": slot.item_id, "domain_code": code, "split": _UPSTREAM_SPLIT[slot.split],
            "query_path": f"{DATA_ROOT_TOKEN}/images/{slot.item_id}.png", "ref_paths": refs,
            "label": slot.label, "anomaly_type": s.kind, "category": slot.category,
            "source_dataset": "anomalyclaw embedded proxy (scikit-image photos)", "mask_path": mask_path})
    entries.sort(key=lambda e: e["item_id"])
    doc = {"format": "anomalyclaw-proxy", "generator_version": GENERATOR_VERSION, "seed": seed,
           "domain_code": code, "normal_pool": pool, "items": entries}
    (out / MANIFEST).write_text(json.dumps(doc, indent=1), encoding="utf-8")


def proxy_dir(code: str, seed: int = 0, cache_dir: Path | None = None) -> Path:
    """Where one generated proxy domain lives (whether or not it exists yet)."""
    base = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    return base / "proxy" / f"g{GENERATOR_VERSION}" / f"seed{seed}" / normalize_code(code)


def ensure_domain(code: str, seed: int = 0, cache_dir: Path | None = None) -> tuple[Path, bool]:
    """Generate one proxy domain into the cache unless it is there.

    Returns:
        (its folder, whether this call generated it).
    """
    final = proxy_dir(code, seed, cache_dir)
    built = build_atomically(final, lambda tmp: build_domain_files(code, seed, tmp), marker=MANIFEST)
    return final, built


def _ensure_one(args: tuple[str, int, Path | None]) -> tuple[str, bool]:
    code, seed, cache_dir = args
    return code, ensure_domain(code, seed, cache_dir)[1]


def generate_suite(codes: tuple[str, ...] = DOMAIN_CODES, seed: int = 0, cache_dir: Path | None = None,
                   workers: int = 1) -> dict[str, bool]:
    """Make sure several proxy domains are cached, ``workers`` domains at a time.

    Returns:
        code → whether it was generated by this call (False: it was cached).
    """
    jobs = [(normalize_code(c), seed, cache_dir) for c in codes]
    if workers <= 1:
        return dict(map(_ensure_one, jobs))
    with ProcessPoolExecutor(max_workers=workers) as ex:
        return dict(ex.map(_ensure_one, jobs))

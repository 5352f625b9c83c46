"""What evolution needs scored each round, and the held-out normals it scores beside the pool.

A :class:`Scorer` runs the agent with one rulebook on two sets: the unlabeled pool (calib + dev
items) and the held-out normals. Held-out normals are images of the domain's normal pool, each
made into a query whose references are *other* pool images (rotated leave-one-out: an image is
never a reference for itself), chosen the way the data layer chose references for real items
(same category where the items tell it, the same number of references). That matters: if the
normals were processed differently from the pool, a rule could raise the proxy by telling them
apart instead of by finding anomalies.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from anomalyclaw.data import Domain, Item
from anomalyclaw.record import Record
from anomalyclaw.rulebook import Rulebook

NORMAL_PREFIX = "heldout-normal"


@dataclass(frozen=True)
class Scored:
    """One rulebook's records on the pool and on the held-out normals (no labels on either)."""

    pool: tuple[Record, ...]
    normals: tuple[Record, ...]


class Scorer(Protocol):
    """Scores a rulebook on a fixed pool and fixed held-out normals (the same every call)."""

    def score(self, rulebook: Rulebook) -> Scored:
        """Records of every pool item and every held-out normal under ``rulebook``."""
        ...


def pool_items(domain: Domain, *, splits: Sequence[str] = ("calib", "dev"), budget: int | None = None
               ) -> tuple[Item, ...]:
    """The unlabeled pool: items of ``splits`` in hashed-id order, at most ``budget`` of them.

    Upstream ids are numbered normals first, so id order would follow the label; the order of
    a hash of the id does not, and the first ``budget`` items are a label-blind subset.
    """
    items = sorted((i for i in domain.items if i.split in splits),
                   key=lambda i: hashlib.sha256(i.item_id.encode()).hexdigest())
    return tuple(items[:budget] if budget else items)


def _categories(domain: Domain) -> dict[Path, str | None]:
    """Category of each normal-pool image: the most common category of the items that use it."""
    seen: dict[Path, Counter] = defaultdict(Counter)
    for it in domain.items:
        for r in it.ref_paths:
            seen[Path(r)][it.category] += 1
    return {p: (seen[p].most_common(1)[0][0] if seen.get(p) else None) for p in domain.normal_pool}


def assign_folds(domain: Domain, folds: int) -> dict[Path, int]:
    """Normal-pool image → fold, dealt round-robin *within each category*.

    Why: proxy and real pools are often listed category by category or round-robin over
    categories; dealing the whole list round-robin can put one category in one fold, and probes
    fitted without it then call every image of that category anomalous. Stratified folds give
    every fold's probes every category.
    """
    cats = _categories(domain)
    seen: Counter = Counter()
    offset: dict[str, int] = {}
    out: dict[Path, int] = {}
    for p in domain.normal_pool:
        key = str(cats[p])
        offset.setdefault(key, len(offset))  # categories start on different folds: small ones spread
        out[p] = (seen[key] + offset[key]) % folds
        seen[key] += 1
    return out


def held_out_normals(domain: Domain, *, n_refs: int | None = None, seed: int = 0,
                     budget: int | None = None, groups: Mapping[Path, int] | None = None) -> tuple[Item, ...]:
    """Queries made from the normal pool, each with references drawn from the *other* pool images.

    Args:
        domain: the domain (only its items' references and its normal pool are read).
        n_refs: references per query; default the pool items' usual count (their median).
        seed: seed of the reference choice (deterministic).
        budget: at most this many normals (the first in pool order).
        groups: pool image → fold; references then come from other folds only (the fold's probes
            are fitted without it). None: only the image itself is excluded.

    Returns:
        Items with ids ``heldout-normal-<code>-NNN``, split 'calib', the data source of the domain.
        Empty when the domain's items are paired with their own 'before' image (D7-like): there
        the normal pool holds no queries' references to rotate.
    """
    pool = list(domain.normal_pool)
    if domain.spec.paired or len(pool) < 3:
        return ()
    if n_refs is None:
        counts = [len(i.ref_paths) for i in domain.items] or [10]
        n_refs = int(np.median(counts))
    cats = _categories(domain)
    rng = np.random.default_rng([seed, len(pool)])
    out = []
    for j, q in enumerate(pool[:budget] if budget else pool):
        allowed = [p for p in pool if p != q and (groups is None or groups[p] != groups[q])]
        same = [p for p in allowed if cats[p] == cats[q]]
        others = same if len(same) >= min(n_refs, len(allowed)) else allowed
        k = min(n_refs, len(others))
        refs = tuple(sorted(others[int(i)] for i in rng.choice(len(others), k, replace=False)))
        out.append(Item(item_id=f"{NORMAL_PREFIX}-{domain.spec.code}-{j:03d}", domain_code=domain.spec.code,
                        split="calib", query_path=q, ref_paths=refs, category=cats[q],
                        data_source=domain.spec.data_source))
    return tuple(out)

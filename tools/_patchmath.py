"""Patch-feature comparisons between one query and its references (numpy, CPU).

Patch grids are (G, G, D) unit-norm features from ``tools.backbone`` whose cells map onto
the normalised query frame; distances are cosine distances in [0, 2].
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
from threadpoolctl import ThreadpoolController

from tools._types import BBox


@functools.lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def sim(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b.T`` on one BLAS thread.

    Why: these products are small (≤ a few hundred MFLOP); a multi-threaded BLAS spends
    more time waking threads than multiplying, and on a loaded machine 100x more.
    """
    with _blas().limit(limits=1, user_api="blas"):
        return a @ b.T


def cell_mask(grid: int, box: BBox | None, margin: int = 0) -> np.ndarray:
    """(G, G) bool: cells whose centres fall in ``box`` grown by ``margin`` cells (all if None)."""
    if box is None:
        return np.ones((grid, grid), dtype=bool)
    centres = (np.arange(grid) + 0.5) / grid
    m = margin / grid
    rows = (centres >= box.y0 - m) & (centres <= box.y1 + m)
    cols = (centres >= box.x0 - m) & (centres <= box.x1 + m)
    if not rows.any():
        rows[min(grid - 1, int((box.y0 + box.y1) / 2 * grid))] = True
    if not cols.any():
        cols[min(grid - 1, int((box.x0 + box.x1) / 2 * grid))] = True
    return rows[:, None] & cols[None, :]


def nn_distance(
    query: np.ndarray,
    refs: Sequence[np.ndarray],
    q_mask: np.ndarray | None = None,
    r_mask: np.ndarray | None = None,
) -> np.ndarray:
    """Distance of each (selected) query patch to its nearest (selected) patch in any reference.

    Returns:
        (G, G) map when ``q_mask`` is None, else a 1-D array over the selected query patches.
    """
    g, _, d = query.shape
    q = query.reshape(-1, d) if q_mask is None else query[q_mask]
    bank = np.concatenate([(r.reshape(-1, d) if r_mask is None else r[r_mask]) for r in refs])
    dist = 1.0 - sim(q, bank).max(axis=1)
    dist = np.clip(dist, 0.0, 2.0)
    return dist.reshape(g, g) if q_mask is None else dist


def nn_maps(query: np.ndarray, refs: Sequence[np.ndarray]) -> np.ndarray:
    """(R, G, G): distance of each query patch to its nearest patch in each reference (one matmul)."""
    g, _, d = query.shape
    bank = np.concatenate([r.reshape(-1, d) for r in refs])  # (R*P, D)
    best = sim(query.reshape(-1, d), bank).reshape(g * g, len(refs), -1).max(axis=2)  # (P, R)
    return np.clip(1.0 - best.T, 0.0, 2.0).reshape(len(refs), g, g)


def colocated_change(query: np.ndarray, ref: np.ndarray, tolerance: int = 1) -> np.ndarray:
    """(G, G) change map: 1 − best cosine similarity to the reference patch at the same place (± tolerance).

    Why the tolerance: a few pixels of misregistration between two captures should not
    read as change; a real change differs from every neighbour.
    """
    g = query.shape[0]
    best = np.full((g, g), -1.0, dtype=np.float32)
    padded = np.pad(ref, ((tolerance, tolerance), (tolerance, tolerance), (0, 0)), mode="edge")
    for dy in range(2 * tolerance + 1):
        for dx in range(2 * tolerance + 1):
            s = (query * padded[dy : dy + g, dx : dx + g]).sum(axis=-1)
            best = np.maximum(best, s)
    return np.clip(1.0 - best, 0.0, 2.0)


def reference_yardstick(refs: Sequence[np.ndarray], q: float = 0.99) -> float | None:
    """How far normal references' patches lie from each other: the ``q`` quantile of each reference's
    patch nearest-neighbour distance to the other references. None with fewer than 2 references.

    Why: it says how large a patch distance normal variation alone produces in this query's own
    reference set, so a query region is only "without counterpart" when it is farther than that.
    """
    if len(refs) < 2:
        return None
    dists = [nn_distance(r, [o for j, o in enumerate(refs) if j != i]).ravel() for i, r in enumerate(refs)]
    return float(np.quantile(np.concatenate(dists), q))

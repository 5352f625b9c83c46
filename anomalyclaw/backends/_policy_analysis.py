"""What the offline policy measures on a query's pixels: probe z-scores and candidate regions.

Everything is computed from the domain's fitted expert probes (``tools.DomainExperts``) on the
pixels decoded from the request, and memoised by a hash of those pixels, so the Direct call and
every refutation turn of one item share one expert pass.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

Z_AT_THRESHOLD = 2.326  # the normals' 1 % patch-heat quantile, read as a one-sided z


@dataclass(frozen=True)
class Region:
    """A candidate region of the heatmap, in the normalised query frame."""

    box: tuple[float, float, float, float]
    z: float
    area: float
    border_dist: float
    rank: int

    def features(self) -> dict[str, float]:
        """``candidate.*`` features for rule conditions."""
        return {
            "candidate.z": self.z,
            "candidate.area": self.area,
            "candidate.border_dist": self.border_dist,
            "candidate.rank": float(self.rank),
        }

    def where(self) -> str:
        """The box's position in words (what a person would say)."""
        cx, cy = (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2
        row = "top" if cy < 1 / 3 else "bottom" if cy > 2 / 3 else "middle"
        col = "left" if cx < 1 / 3 else "right" if cx > 2 / 3 else "centre"
        return "centre" if (row, col) == ("middle", "centre") else f"{row} {col}"


@dataclass(frozen=True)
class Analysis:
    """The policy's measurements of one query."""

    probe_z: dict[str, float]
    consensus_z: float
    regions: tuple[Region, ...]

    def item_features(self) -> dict[str, float]:
        """``item.*`` features for rule conditions."""
        feats = {f"item.{k}_z": v for k, v in self.probe_z.items()}
        feats["item.consensus_z"] = self.consensus_z
        return feats


def regions_from_heat(
    heat: np.ndarray,
    median: float,
    threshold: float,
    k: int,
    fallback_box: tuple[float, float, float, float] | None = None,
) -> tuple[Region, ...]:
    """Connected regions of the heatmap above the normals' 1 % patch level, hottest first.

    Heat is expressed as z = (heat − median) / σ with σ set so the 1 % level reads 2.326. When no
    cell passes the level, the hottest box (``fallback_box``) is the single region, so an episode
    always has something to refute.

    Args:
        heat: (G, G) patch heat, row 0 at the top.
        median: the normals' median patch heat.
        threshold: the normals' 1 % patch heat.
        k: most regions returned.
        fallback_box: box used when nothing passes the level.
    """
    sigma = max(threshold - median, 1e-9) / Z_AT_THRESHOLD
    zmap = (heat - median) / sigma
    g_h, g_w = heat.shape
    labels, n = ndimage.label(zmap >= Z_AT_THRESHOLD)
    found = []
    for idx, sl in enumerate(ndimage.find_objects(labels), 1):
        if sl is None:
            continue
        peak = float(zmap[sl][labels[sl] == idx].max())
        box = (sl[1].start / g_w, sl[0].start / g_h, sl[1].stop / g_w, sl[0].stop / g_h)
        found.append((peak, box))
    if not found and fallback_box is not None:
        found = [(float(zmap.max()), fallback_box)]
    found.sort(key=lambda t: -t[0])
    out = []
    for rank, (z, box) in enumerate(found[:k], 1):
        area = (box[2] - box[0]) * (box[3] - box[1])
        border = min(box[0], box[1], 1 - box[2], 1 - box[3])
        out.append(Region(tuple(round(v, 4) for v in box), z, area, max(0.0, border), rank))
    return tuple(out)


class Analyzer:
    """Runs the experts on decoded pixels, memoised by pixel hash (thread-safe, bounded).

    Args:
        experts: fitted ``tools.DomainExperts``.
        k: most candidate regions.
        use_references: score against the query's own references (change pairs) instead of
            the domain's fitted normals.
    """

    def __init__(self, experts: Any, k: int, *, use_references: bool = False, size: int = 256) -> None:
        self.experts, self.k, self.use_references = experts, k, use_references
        self._memo: OrderedDict[str, Analysis] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def __call__(self, query: np.ndarray, references: Sequence[np.ndarray]) -> Analysis:
        """The analysis of ``query`` (with ``references`` when the domain is paired)."""
        h = hashlib.sha1(query.tobytes())
        h.update(str(query.shape).encode())
        refs = list(references) if self.use_references else []
        for r in refs:
            h.update(r.tobytes())
        key = h.hexdigest()
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        scores = self.experts.score(query, refs or None)
        b = scores.hot_box
        analysis = Analysis(
            probe_z={name: float(p.z) for name, p in scores.probes.items()},
            consensus_z=float(scores.consensus_z),
            regions=regions_from_heat(
                scores.heatmap_array(),
                scores.heat_median,
                scores.heat_threshold,
                self.k,
                (b.x0, b.y0, b.x1, b.y1),
            ),
        )
        with self._lock:
            self._memo[key] = analysis
            while len(self._memo) > self._size:
                self._memo.popitem(last=False)
        return analysis


_SHARED: weakref.WeakKeyDictionary[Any, dict[tuple[int, bool], Analyzer]] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def shared_analyzer(experts: Any, k: int, *, use_references: bool = False) -> Analyzer:
    """One analyzer per fitted experts object (and settings), shared by every policy engine.

    Several agents on one domain — e.g. evolution scoring the same pool under candidate
    rulebooks — then measure each query once.
    """
    with _SHARED_LOCK:
        per = _SHARED.setdefault(experts, {})
        key = (k, use_references)
        if key not in per:
            per[key] = Analyzer(experts, k, use_references=use_references)
        return per[key]

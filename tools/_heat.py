"""Heatmaps on the patch grid → boxes in the normalised query frame.

A heatmap is a (G, G) float array whose cell (i, j) covers x in [j/G, (j+1)/G] and
y in [i/G, (i+1)/G] of the normalised query frame (row 0 at the top).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage

from tools._types import BBox

_EIGHT = np.ones((3, 3), dtype=bool)


class Blob(NamedTuple):
    """One connected hot region of a heatmap.

    Attributes:
        box: bounding box in the normalised query frame (padded by ``pad`` cells).
        peak: highest heat inside.
        mean: mean heat inside.
        area: share of the image's cells it covers, in [0, 1].
        cx: centroid x in [0, 1].
        cy: centroid y in [0, 1].
    """

    box: BBox
    peak: float
    mean: float
    area: float
    cx: float
    cy: float


def cells_to_box(rows: np.ndarray, cols: np.ndarray, grid: tuple[int, int], pad: float = 0.5) -> BBox:
    """Bounding box of cells (row, col indices) in the normalised frame, padded by ``pad`` cells."""
    gh, gw = grid
    return BBox(
        x0=float(np.clip((cols.min() - pad) / gw, 0, 1)),
        y0=float(np.clip((rows.min() - pad) / gh, 0, 1)),
        x1=float(np.clip((cols.max() + 1 + pad) / gw, 0, 1)),
        y1=float(np.clip((rows.max() + 1 + pad) / gh, 0, 1)),
    )


def blobs(heat: np.ndarray, threshold: float, *, top_k: int | None = None, pad: float = 0.5) -> list[Blob]:
    """Connected components (8-neighbour) of ``heat >= threshold``, hottest peak first."""
    mask = heat >= threshold
    labels, n = ndimage.label(mask, structure=_EIGHT)
    out = []
    for lab in range(1, n + 1):
        rows, cols = np.nonzero(labels == lab)
        vals = heat[rows, cols]
        out.append(
            Blob(
                cells_to_box(rows, cols, heat.shape, pad),
                float(vals.max()),
                float(vals.mean()),
                rows.size / heat.size,
                float((cols.mean() + 0.5) / heat.shape[1]),
                float((rows.mean() + 0.5) / heat.shape[0]),
            )
        )
    out.sort(key=lambda b: -b.peak)
    return out[:top_k] if top_k else out


def peak_blob(heat: np.ndarray, rel: float = 0.5, pad: float = 0.5) -> Blob:
    """The region around the hottest cell: cells above median + ``rel``·(peak − median), connected to it.

    Why relative: it always returns a box (the model asked "where is the hottest place?"),
    and the box is tight when the peak stands out, wide when the map is flat.
    """
    med, peak = float(np.median(heat)), float(heat.max())
    thr = med + rel * (peak - med)
    labels, _ = ndimage.label(heat >= thr, structure=_EIGHT)
    r0, c0 = np.unravel_index(int(np.argmax(heat)), heat.shape)
    rows, cols = np.nonzero(labels == labels[r0, c0])
    vals = heat[rows, cols]
    return Blob(
        cells_to_box(rows, cols, heat.shape, pad),
        peak,
        float(vals.mean()),
        rows.size / heat.size,
        float((cols.mean() + 0.5) / heat.shape[1]),
        float((rows.mean() + 0.5) / heat.shape[0]),
    )


def box_iou(a: BBox, b: BBox) -> float:
    """Intersection over union of two boxes in the same frame."""
    ix = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    iy = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    inter = ix * iy
    union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter
    return inter / union if union > 0 else 0.0


def box_overlap(a: BBox, b: BBox) -> float:
    """Share of box ``b`` covered by box ``a`` (how much of a known defect a box catches)."""
    ix = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    iy = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    area_b = (b.x1 - b.x0) * (b.y1 - b.y0)
    return ix * iy / area_b if area_b > 0 else 0.0


def heat_in_box(heat: np.ndarray, box: BBox) -> np.ndarray:
    """The heatmap cells whose centres fall inside ``box`` (at least the cell under its centre)."""
    gh, gw = heat.shape
    ys, xs = (np.arange(gh) + 0.5) / gh, (np.arange(gw) + 0.5) / gw
    rsel = (ys >= box.y0) & (ys <= box.y1)
    csel = (xs >= box.x0) & (xs <= box.x1)
    if not rsel.any():
        rsel[min(gh - 1, int((box.y0 + box.y1) / 2 * gh))] = True
    if not csel.any():
        csel[min(gw - 1, int((box.x0 + box.x1) / 2 * gw))] = True
    return heat[np.ix_(rsel, csel)]

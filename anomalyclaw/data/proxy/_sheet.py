"""Contact sheets: look at what a proxy domain really contains (normals, anomalies, masks)."""

from __future__ import annotations

import numpy as np

from anomalyclaw.data._types import Domain
from anomalyclaw.images import load_rgb


def contact_sheet(domain: Domain, rows: int = 4, tile: int = 160) -> np.ndarray:
    """A grid image: per row two normal test items, then two anomalous ones with their mask outline.

    Returns:
        (rows * tile, 4 * tile, 3) uint8. Mask outlines are drawn in red.
    """
    from PIL import Image

    test = domain.split("test")
    normals = [i for i in test if domain.truth[i.item_id].label == 0]
    anomalous = [i for i in test if domain.truth[i.item_id].label == 1]
    out = np.zeros((rows * tile, 4 * tile, 3), np.uint8)

    def fit(arr: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(arr).resize((tile, tile), Image.Resampling.BILINEAR))

    for r in range(rows):
        cells = [load_rgb(i.query_path) for i in normals[2 * r:2 * r + 2]]
        for item in anomalous[2 * r:2 * r + 2]:
            img = load_rgb(item.query_path).copy()
            mp = domain.truth[item.item_id].mask_path
            if mp is not None:
                m = load_rgb(mp)[..., 0] > 127
                edge = m & ~(np.roll(m, 1, 0) & np.roll(m, -1, 0) & np.roll(m, 1, 1) & np.roll(m, -1, 1))
                img[edge] = (255, 0, 0)
            cells.append(img)
        for c, cell in enumerate(cells):
            out[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile] = fit(cell)
    return out

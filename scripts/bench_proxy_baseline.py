"""Per-domain AUROC of simple pixel-statistics baselines on the proxy suite's test split.

Shows that the embedded proxies are not trivial (no baseline near 1.0) and that their
difficulty differs. Every baseline compares a query only with that item's own references
(10 from the normal pool; D7: its 'before' image), after per-image, per-channel
standardisation (zero mean, unit std), so global exposure and colour casts do not count:

- global : min over references of the mean |query - reference|            (aligned, whole image)
- local  : min over references of the max of a 9x9 box-filtered |q - r|    (aligned, local)
- patch  : max over query 8x8 patches (112 px, stride 4) of the L2 distance to the nearest
           reference patch anywhere                                          (unaligned, local)
- hist   : min over references of the chi-squared distance of 8x8x8 colour histograms

Usage:
    python scripts/bench_proxy_baseline.py [--seed 0] [--cache-dir DIR] [--domain D1 ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from rich.console import Console
from rich.table import Table
from scipy import ndimage as ndi
from sklearn.metrics import roc_auc_score

from anomalyclaw.data import DOMAIN_CODES
from anomalyclaw.data.proxy import load_proxy
from anomalyclaw.images import load_rgb

BASELINES = ("global", "local", "patch", "hist")


@lru_cache(maxsize=4096)
def _features(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardised image (224, 224, 3), its patch matrix, and its colour histogram."""
    raw = load_rgb(path)
    img = raw.astype(np.float32)
    z = (img - img.mean((0, 1))) / (img.std((0, 1)) + 1e-6)
    h, w = z.shape[:2]
    small = z[: h // 2 * 2, : w // 2 * 2].reshape(h // 2, 2, w // 2, 2, 3).mean((1, 3))
    patches = sliding_window_view(small, (8, 8), (0, 1))[::4, ::4].reshape(-1, 3 * 64)
    q = (raw // 32).reshape(-1, 3).astype(np.int64)
    hist = np.bincount(q[:, 0] * 64 + q[:, 1] * 8 + q[:, 2], minlength=512).astype(np.float32)
    return z, patches.astype(np.float32), hist / hist.sum()


def scores(query: Path, refs: tuple[Path, ...]) -> dict[str, float]:
    """The four baseline scores of one query (higher = more anomalous)."""
    zq, pq, hq = _features(query)
    feats = [_features(r) for r in refs]
    diffs = [np.abs(zq - zr).mean(-1) for zr, _, _ in feats]
    bank = np.concatenate([pr for _, pr, _ in feats])
    d2 = (pq ** 2).sum(1)[:, None] + (bank ** 2).sum(1)[None, :] - 2 * pq @ bank.T
    chi = [0.5 * float(np.sum((hq - hr) ** 2 / (hq + hr + 1e-9))) for _, _, hr in feats]
    return {
        "global": min(float(d.mean()) for d in diffs),
        "local": min(float(ndi.uniform_filter(d, 9).max()) for d in diffs),
        "patch": float(np.sqrt(np.maximum(d2.min(1), 0)).max()),
        "hist": min(chi),
    }


def domain_aurocs(code: str, seed: int, cache_dir: Path | None) -> dict[str, float]:
    """AUROC of each baseline on one proxy domain's test split."""
    domain = load_proxy(code, seed=seed, cache_dir=cache_dir)
    items = domain.split("test")
    labels = [domain.truth[i.item_id].label for i in items]
    rows = [scores(i.query_path, i.ref_paths) for i in items]
    _features.cache_clear()
    return {b: float(roc_auc_score(labels, [r[b] for r in rows])) for b in BASELINES}


def main() -> None:
    """Compute and print the table (and optionally write it as JSON)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cache-dir", type=Path, default=None, help="proxy cache (default: the user cache)")
    p.add_argument("--domain", nargs="*", default=list(DOMAIN_CODES))
    p.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = p.parse_args()
    console = Console()
    result: dict[str, dict[str, float]] = {}
    t0 = time.perf_counter()
    for code in args.domain:
        result[code] = domain_aurocs(code, args.seed, args.cache_dir)
        line = "  ".join(f"{b} {v:.3f}" for b, v in result[code].items())
        console.print(f"{code}: {line}", highlight=False)
    table = Table(title=f"Proxy test split, pixel-statistics baselines: AUROC (seed {args.seed})")
    table.add_column("domain")
    for b in BASELINES:
        table.add_column(b, justify="right")
    table.add_column("best", justify="right")
    for code, r in result.items():
        table.add_row(code, *(f"{r[b]:.3f}" for b in BASELINES), f"{max(r.values()):.3f}")
    macro = {b: float(np.mean([r[b] for r in result.values()])) for b in BASELINES}
    table.add_row("macro", *(f"{macro[b]:.3f}" for b in BASELINES),
                  f"{np.mean([max(r.values()) for r in result.values()]):.3f}")
    console.print(table)
    console.print(f"{time.perf_counter() - t0:.1f} s", highlight=False)
    if args.json:
        args.json.write_text(json.dumps({"seed": args.seed, "auroc": result, "macro": macro}, indent=1))


if __name__ == "__main__":
    main()

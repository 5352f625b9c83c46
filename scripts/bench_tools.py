"""Benchmark the 13-tool catalog: per-tool latency and the cost of all 13 tools on one image,
both as ratios to one backbone forward pass measured in the same run.

Scenario (what an episode does): the domain's experts are fitted and the references'
features are already cached (built once per domain); a new query arrives. 'all 13, cold
query' runs every tool once on that query, paying its one forward pass. 'no cache' runs the
same with the feature cache and per-episode memo disabled, as a naive implementation would.

    python scripts/bench_tools.py                 # CPU (and CUDA when present)
    python scripts/bench_tools.py --device cpu --repeats 5 --json out/bench_tools.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table
from skimage import data as skdata

from anomalyclaw.data import DomainSpec
from tools import TOOL_NAMES, DomainExperts, ToolContext, run_tool
from tools.backbone import Backbone

ARGS = {
    "side_by_side_compare": {"box": [0.5, 0.3, 0.8, 0.6]},
    "region_zoom": {"box": [0.5, 0.3, 0.8, 0.6]},
    "image_diff": {"ref_index": 0},
    "rotate_align": {"ref_index": 0},
    "change_heatmap_viz": {"ref_index": 0},
    "fft_spectrum_viz": {"ref_index": 0},
}
SPEC = DomainSpec(
    code="BENCH",
    name="bench bricks",
    modality="RGB",
    reference_type="normal set",
    description="brick wall",
    data_source="proxy",
    paired=False,
)


def _images(side: int, n_normals: int, n_queries: int, seed: int = 0):
    """Normal brick crops (side px), and queries with a pasted coffee patch at random places."""
    brick = np.stack([skdata.brick()] * 3, -1)
    brick = np.ascontiguousarray(np.tile(brick, (2, 2, 1)))  # 1024 px so 512 px crops vary
    coffee = skdata.coffee()
    rng = np.random.default_rng(seed)

    def crop():
        y, x = rng.integers(0, brick.shape[0] - side, 2)
        return np.ascontiguousarray(brick[y : y + side, x : x + side])

    normals = [crop() for _ in range(n_normals)]
    queries = []
    for _ in range(n_queries):
        q = crop()
        s = side // 6
        y, x = rng.integers(0, side - s, 2)
        q[y : y + s, x : x + s] = coffee[100 : 100 + s, 100 : 100 + s]
        queries.append(q)
    return normals, queries


def _timed(fn) -> float:
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    t = time.perf_counter()
    fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - t


def bench_device(device: str, side: int, n_refs: int, repeats: int) -> dict:
    """Every timing is paired with a forward pass measured right before it, so the ratios hold
    even on a machine whose load changes during the run (the absolute ms do not)."""
    bb = Backbone(device)
    normals, queries = _images(side, 10 + n_refs, 2 * repeats + 2)
    probes = _images(side, 0, 6 * repeats + 4, seed=1)[1]  # fresh images for uncached forwards
    refs, fit_set = tuple(normals[:n_refs]), normals[n_refs:]
    t_fit = _timed(lambda: DomainExperts.fit(fit_set, backbone=bb))
    experts = DomainExperts.fit(fit_set, backbone=bb)
    bb.features(list(refs))  # the domain's references are cached once
    fwd = iter(probes)

    def forward() -> float:
        img = next(fwd)
        return _timed(lambda: bb._forward(bb.preprocess([img])))

    for _ in range(2):  # warm-up (allocator, lazy tensors)
        forward()
    per_tool: dict[str, list[float]] = {n: [] for n in TOOL_NAMES}
    cold, textonly, forwards = [], [], []
    for q, q2 in zip(queries[2 : 2 + repeats], probes[-repeats:], strict=True):
        f = forward()
        forwards.append(f)
        ctx = ToolContext(query=q, references=refs, spec=SPEC, experts=experts, backbone=bb)
        cold.append(_timed(lambda ctx=ctx: [run_tool(n, ctx, ARGS.get(n, {})) for n in TOOL_NAMES]) / f)
        f2 = forward()
        ctx = ToolContext(query=q2, references=refs, spec=SPEC, experts=experts, backbone=bb)
        textonly.append(
            _timed(lambda ctx=ctx: [run_tool(n, ctx, ARGS.get(n, {}), render=False) for n in TOOL_NAMES]) / f2
        )
        for n in TOOL_NAMES:  # query features now cached; fresh memo → each tool's own cost
            warm = ToolContext(query=q, references=refs, spec=SPEC, experts=experts, backbone=bb)
            got: list = []
            per_tool[n].append(
                _timed(lambda n=n, warm=warm, got=got: got.append(run_tool(n, warm, ARGS.get(n, {})))) / f
            )
            assert got[0].ok, (n, got[0].error)
    nocache = Backbone(device, cache_bytes=0)  # every tool recomputes query and reference features
    nexp = DomainExperts(experts.state, experts.meta, backbone=nocache)
    naive = []
    for q in queries[2 + repeats : 2 + repeats + max(1, repeats // 2)]:
        f = forward()

        def run_naive(q=q):
            for n in TOOL_NAMES:
                ctx = ToolContext(query=q, references=refs, spec=SPEC, experts=nexp, backbone=nocache)
                run_tool(n, ctx, ARGS.get(n, {}))

        naive.append(_timed(run_naive) / f)
    return {
        "device": str(bb.device),
        "threads": torch.get_num_threads(),
        "side": side,
        "n_refs": n_refs,
        "fit_s": t_fit,
        "n_fit_normals": len(fit_set),
        "forward_s": statistics.median(forwards),
        "per_tool_x": {n: statistics.median(v) for n, v in per_tool.items()},
        "all13_cold_x": statistics.median(cold),
        "all13_cold_noimage_x": statistics.median(textonly),
        "all13_nocache_x": statistics.median(naive),
    }


def _report(res: dict, console: Console) -> None:
    f = res["forward_s"]
    t = Table(
        title=f"tools on {res['device']} ({res['threads']} threads), query {res['side']} px, "
        f"{res['n_refs']} refs; one backbone forward ≈ {f * 1e3:.0f} ms (median)"
    )
    t.add_column("tool")
    t.add_column("× forward (median)", justify="right")
    t.add_column("≈ ms", justify="right")
    for n, x in res["per_tool_x"].items():
        t.add_row(n + " (features cached)", f"{x:.2f}", f"{x * f * 1e3:.0f}")
    x = res["all13_cold_x"]
    t.add_row("[b]all 13, cold query (1 forward + tools)", f"[b]{x:.2f}", f"{x * f * 1e3:.0f}")
    x = res["all13_cold_noimage_x"]
    t.add_row("all 13, cold query, no images (render=False)", f"{x:.2f}", f"{x * f * 1e3:.0f}")
    x = res["all13_nocache_x"]
    t.add_row("all 13, no cache/memo", f"{x:.2f}", f"{x * f * 1e3:.0f}")
    console.print(t)
    console.print(
        f"expert fit on {res['n_fit_normals']} normals: {res['fit_s']:.2f} s; goal all-13 ≤ 3× forward: "
        + ("[green]met" if res["all13_cold_x"] <= 3 else "[red]not met")
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument(
        "--device", default="all", help="cpu, cuda, or all (cpu + cuda when present). Default: all."
    )
    p.add_argument("--side", type=int, default=512, help="query/reference side in px (default 512).")
    p.add_argument("--refs", type=int, default=4, help="references per query (default 4).")
    p.add_argument("--repeats", type=int, default=5, help="queries timed per measurement (default 5).")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's own choice).")
    p.add_argument("--json", type=Path, help="also write the results here.")
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    devices = ["cpu", "cuda"] if a.device == "all" else [a.device]
    devices = [d for d in devices if d != "cuda" or torch.cuda.is_available()]
    console = Console()
    results = []
    for d in devices:
        res = bench_device(d, a.side, a.refs, a.repeats)
        _report(res, console)
        results.append(res)
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

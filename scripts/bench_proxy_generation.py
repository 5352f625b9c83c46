"""Wall time to generate the whole proxy suite into an empty cache, and to load it again.

The issue's budget is < 60 s for all 12 domains on 2 cores. The run is pinned to at most
``--cores`` CPUs (Linux) and generates ``--workers`` domains in parallel. The second pass
(everything cached) is reported as a ratio to the first, measured in the same run.

Usage:
    python scripts/bench_proxy_generation.py [--cores 2] [--workers 2] [--seed 0] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console

from anomalyclaw.data import DOMAIN_CODES
from anomalyclaw.data.proxy import generate_suite, load_proxy


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    """Generate, time, reload, report."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cores", type=int, default=2, help="CPUs the run may use (default 2)")
    p.add_argument("--workers", type=int, default=2, help="domains generated in parallel (default 2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keep", type=Path, default=None, help="generate here and keep it (default: a temp dir)")
    args = p.parse_args()
    console = Console(highlight=False)
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))[: args.cores]
        os.sched_setaffinity(0, cpus)
        console.print(f"pinned to CPUs {cpus}; load average {os.getloadavg()[0]:.1f}")
    cache = args.keep or Path(tempfile.mkdtemp(prefix="anomalyclaw-bench-"))
    try:
        cpu0, t0 = _cpu_s(), time.perf_counter()
        built = generate_suite(DOMAIN_CODES, seed=args.seed, cache_dir=cache, workers=args.workers)
        gen_s, gen_cpu = time.perf_counter() - t0, _cpu_s() - cpu0
        files = [f for f in cache.rglob("*.png")]
        size_mb = sum(f.stat().st_size for f in files) / 2**20
        t1 = time.perf_counter()
        again = generate_suite(DOMAIN_CODES, seed=args.seed, cache_dir=cache, workers=args.workers)
        domains = [load_proxy(c, seed=args.seed, cache_dir=cache) for c in DOMAIN_CODES]
        load_s = time.perf_counter() - t1
        n_items = sum(len(d.items) for d in domains)
        console.print(f"generated {sum(built.values())} domains, {len(files)} PNG files "
                      f"({n_items} queries), {size_mb:.0f} MiB")
        console.print(f"generation: {gen_s:.1f} s wall, {gen_cpu:.1f} s CPU "
                      f"({1000 * gen_s / len(files):.1f} ms wall per file); budget 60 s -> "
                      f"{'OK' if gen_s < 60 else 'OVER'}")
        console.print(f"second pass (cached, {sum(again.values())} regenerated) + load of 12 domains: "
                      f"{load_s:.2f} s = {load_s / gen_s:.3f} x generation")
    finally:
        if args.keep is None:
            shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()

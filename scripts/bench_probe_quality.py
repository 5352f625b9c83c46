"""Quality of the frozen-expert probes on the embedded proxy suite: per-domain and macro AUROC
with percentile bootstrap CIs (eval.bootstrap: per-domain resampling, B = 1000, seed 0).

Per domain: fit ``DomainExperts`` on the domain's normal pool only (no labels), score every
test item live on its own pixels, join labels from ``Domain.truth`` afterwards. The kNN
probe is the AnomalyDINO-style baseline the agent has to beat; the other probes are
reported beside it. Paired domains (D7) use the item's own 'before' image as the kNN bank.
Every number here is on proxy data (data_source=proxy), never real benchmark data.

    python scripts/bench_probe_quality.py                       # all 12 domains
    python scripts/bench_probe_quality.py --domains D1 D6 --json out/probe_quality.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.progress import track
from rich.table import Table

from anomalyclaw.errors import AnomalyClawError
from anomalyclaw.images import load_rgb
from eval.bootstrap import DomainScores, bootstrap_macro
from tools import PROBES, DomainExperts, ExpertConfig

MAX_SIDE = 512


def score_domain(
    code: str, *, seed: int, cache_dir: Path, device: str, split: str, config: ExpertConfig
) -> dict:
    """Fit on the normal pool, score the split; returns labels and every probe's raw scores."""
    from anomalyclaw.data import load_domain  # the data package; imported late so --help works without it

    dom = load_domain(code, data="proxy", seed=seed)
    normals = [load_rgb(p, MAX_SIDE) for p in dom.normal_pool]
    t0 = time.perf_counter()
    experts = DomainExperts.load_or_fit(normals, cache_dir, device=device, config=config)
    t_fit = time.perf_counter() - t0
    items = dom.split(split)
    scores: dict[str, list[float]] = {p: [] for p in PROBES}
    labels = []
    t0 = time.perf_counter()
    for item in items:
        query = load_rgb(item.query_path, MAX_SIDE)
        refs = [load_rgb(p, MAX_SIDE) for p in item.ref_paths] if dom.spec.paired else None
        s = experts.score(query, references=refs)
        for p in PROBES:
            scores[p].append(s.probes[p].raw)
        labels.append(dom.truth[item.item_id].label)  # joined after scoring, never seen by the probes
    return {
        "code": code,
        "name": dom.spec.name,
        "n_normals": len(normals),
        "n_items": len(items),
        "n_anomalous": int(sum(labels)),
        "labels": labels,
        "scores": scores,
        "fit_s": t_fit,
        "score_s_per_item": (time.perf_counter() - t0) / max(1, len(items)),
        "paired": dom.spec.paired,
    }


def summarise(results: list[dict], n_boot: int, seed: int) -> dict:
    """Per-domain and macro AUROC of each probe with percentile CIs (eval.bootstrap)."""
    doms = [
        DomainScores(r["code"], np.asarray(r["labels"]), {p: np.asarray(r["scores"][p]) for p in PROBES})
        for r in results
    ]
    out: dict = {"per_domain": {}, "macro": {}}
    for d in doms:
        draws = bootstrap_macro([d], n_boot=n_boot, seed=seed)
        out["per_domain"][d.name] = {p: vars(draws.interval(p)) for p in PROBES}
    draws = bootstrap_macro(doms, n_boot=n_boot, seed=seed)
    out["macro"] = {p: vars(draws.interval(p)) for p in PROBES}
    out["knn_minus"] = {p: vars(draws.difference("knn", p)) for p in PROBES if p != "knn"}
    return out


def _fmt(iv: dict) -> str:
    return f"{iv['value']:.3f} [{iv['low']:.3f}, {iv['high']:.3f}]"


def report(results: list[dict], summary: dict, console: Console) -> None:
    t = Table(title="Expert probes on the proxy suite (data_source=proxy): test AUROC [95% bootstrap CI]")
    for col in ("domain", "normals", "test n (anom.)", *PROBES):
        t.add_column(col, justify="right" if col != "domain" else "left")
    for r in results:
        row = summary["per_domain"][r["code"]]
        name = f"{r['code']} {r['name']}" + (" (kNN vs 'before')" if r["paired"] else "")
        t.add_row(
            name, str(r["n_normals"]), f"{r['n_items']} ({r['n_anomalous']})", *(_fmt(row[p]) for p in PROBES)
        )
    t.add_row("[b]macro", "", "", *(f"[b]{_fmt(summary['macro'][p])}" for p in PROBES))
    console.print(t)
    for p, d in summary["knn_minus"].items():
        console.print(f"macro Δ knn − {p}: {d['value']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]")
    fit = sum(r["fit_s"] for r in results)
    per = np.mean([r["score_s_per_item"] for r in results])
    console.print(f"fit (or index load) total {fit:.1f} s; scoring {per * 1e3:.0f} ms per item")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument("--domains", nargs="+", default=None, help="domain codes (default: all of DOMAIN_CODES)")
    p.add_argument("--split", default="test", choices=("calib", "dev", "test"), help="split to score (test)")
    p.add_argument("--seed", type=int, default=0, help="proxy-suite seed (0)")
    p.add_argument("--boot", type=int, default=1000, help="bootstrap replicates (1000)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(".anomalyclaw/experts"),
        help="where fitted expert indices are stored (.anomalyclaw/experts)",
    )
    p.add_argument(
        "--max-bank",
        type=int,
        default=ExpertConfig.max_bank,
        help=f"kNN bank size above which a greedy coreset is taken ({ExpertConfig.max_bank})",
    )
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's own choice)")
    p.add_argument("--json", type=Path, help="also write the raw scores and the summary here")
    a = p.parse_args(argv)
    console = Console()
    if a.threads:
        torch.set_num_threads(a.threads)
    try:
        from anomalyclaw.data import DOMAIN_CODES

        codes = a.domains or list(DOMAIN_CODES)
        cfg = ExpertConfig(max_bank=a.max_bank)
        results = [
            score_domain(c, seed=a.seed, cache_dir=a.cache_dir, device=a.device, split=a.split, config=cfg)
            for c in track(codes, description="domains", console=console)
        ]
        summary = summarise(results, a.boot, 0)
    except ImportError as exc:
        console.print(
            f"[red]the data package has no load_domain/DOMAIN_CODES yet ({exc}); merge the data branch"
        )
        return 2
    except AnomalyClawError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    report(results, summary, console)
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps({"results": results, "summary": summary}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

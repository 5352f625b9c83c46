"""Quality of the offline policy agent on the proxy suite, against the kNN probe alone.

For every proxy domain (D1–D12, test split) the policy agent scores each item (records are
written to ``--out`` and reused on a rerun); the kNN patch-distance probe scores the same
query pixels on its own. Per-domain AUROC, macro AUROC with 95 % bootstrap intervals, and the
paired difference fused − kNN come from ``eval`` (B = 1000, seed 0).

    python scripts/eval_policy_proxy.py --out out/policy-proxy --json out/policy_vs_knn.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from anomalyclaw.agent import Agent, AgentConfig, JsonSink, run_items
from anomalyclaw.data import DOMAIN_CODES, load_domain
from anomalyclaw.images import load_rgb
from anomalyclaw.rulebook import load_seed
from eval import DomainScores, auroc, bootstrap_macro

SYSTEMS = ("fused", "direct", "refutation", "knn")


def _knn_scores(agent: Agent, items) -> dict[str, float]:
    out = {}
    for item in items:
        query = load_rgb(item.query_path, agent.config.max_side)
        refs = [load_rgb(p, agent.config.max_side) for p in item.ref_paths] if agent.spec.paired else None
        out[item.item_id] = float(agent.experts.score(query, refs).probes["knn"].raw)
    return out


def score_domain(code: str, out: Path, split: str, seed: int, max_in_flight: int) -> DomainScores:
    """Policy records and kNN scores of one proxy domain's split, as eval's DomainScores."""
    domain = load_domain(code, data="proxy", seed=seed)
    items = domain.split(split)
    agent = Agent(AgentConfig(max_in_flight=max_in_flight), load_seed(code).rulebook, domain)
    sink = JsonSink(out)
    run_items(
        agent.score,
        items,
        sink=sink,
        run_id=f"policy-proxy-{split}",
        truth=domain.truth,
        max_in_flight=max_in_flight,
    )
    sink.close()
    recs = {r.item_id: r for r in sink.records(code)}
    knn = _knn_scores(agent, items)
    ids = [i.item_id for i in items if recs[i.item_id].anomaly_score is not None]
    scores = {
        "fused": [recs[i].anomaly_score for i in ids],
        "direct": [recs[i].direct_score for i in ids],
        "refutation": [
            recs[i].refutation_score if recs[i].refutation_score is not None else recs[i].anomaly_score
            for i in ids
        ],
        "knn": [knn[i] for i in ids],
    }
    labels = np.array([domain.truth[i].label for i in ids])
    return DomainScores(name=code, labels=labels, scores={k: np.asarray(v, float) for k, v in scores.items()})


def main() -> None:
    """Score the suite, print per-domain and macro AUROC with CIs, optionally save JSON."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("out/policy-proxy"), help="records directory")
    p.add_argument("--json", type=Path, help="write the numbers here")
    p.add_argument("--split", default="test")
    p.add_argument("--domains", default=",".join(DOMAIN_CODES))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-in-flight", type=int, default=2)
    args = p.parse_args()
    console = Console()
    domains = []
    for code in args.domains.split(","):
        console.print(f"scoring {code} …")
        domains.append(score_domain(code, args.out, args.split, args.seed, args.max_in_flight))
    draws = bootstrap_macro(domains, n_boot=1000, seed=0)
    table = Table(title=f"policy agent vs kNN probe — proxy suite, {args.split} split (AUROC)")
    table.add_column("domain")
    for s in SYSTEMS:
        table.add_column(s, justify="right")
    per = {s: {d.name: auroc(d.labels, d.scores[s]) for d in domains} for s in SYSTEMS}
    for d in domains:
        table.add_row(d.name, *(f"{per[s][d.name]:.3f}" for s in SYSTEMS))
    macro = {s: draws.interval(s) for s in SYSTEMS}
    table.add_row("macro [95% CI]", *(f"{m.value:.3f} [{m.low:.3f}, {m.high:.3f}]" for m in macro.values()))
    console.print(table)
    diff = draws.difference("fused", "knn")
    console.print(
        f"fused − kNN: {diff.value * 100:+.2f} pp, 95% CI [{diff.low * 100:+.2f}, {diff.high * 100:+.2f}]"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "per_domain": per,
                    "macro": {s: [m.value, m.low, m.high] for s, m in macro.items()},
                    "fused_minus_knn": [diff.value, diff.low, diff.high],
                    "split": args.split,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()

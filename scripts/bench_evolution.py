"""Does label-free evolution help? Macro test AUROC on the proxy suite, seed vs evolved rulebooks.

For every proxy domain (D7 excluded: its queries are change pairs, so there are no held-out
normal pairs and label-free acceptance cannot run), the script

1. evolves the domain's seed rulebook for ``--rounds`` rounds with the offline policy backend
   (``evolution.loop.evolve_domain``, a fresh SQLite store under ``--out``), timing each round;
2. scores the test split with the seed rulebook and with the final accepted rulebook — with the
   same fold probes evolution used (test items dealt over the folds), so both rulebooks face the
   same measurements — and joins the labels: labels enter here, for eval only;
3. reports per-domain AUROC, the macro AUROC difference evolved − seed with its paired bootstrap CI
   (``eval.paired_bootstrap``, B = 1000, seed 0) and the label-free proxy before → after beside it.

Round time is reported as measured: round 1 includes the cold start (probe fits per fold, the
first probe pass and the MiniLM load), later rounds score only the candidate. For the 2-core
figure run it under ``taskset -c 0,1`` with ``OMP_NUM_THREADS=2``.

    taskset -c 0,1 python scripts/bench_evolution.py --rounds 3 --out out/bench_evolution
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from anomalyclaw.agent import AgentConfig
from anomalyclaw.data import DOMAIN_CODES, load_domain
from anomalyclaw.rulebook import Rulebook
from db import Store
from eval import DomainScores, auroc, paired_bootstrap
from evolution._agent_scorer import AgentScorer
from evolution.loop import evolve_domain


def bench_domain(code: str, args: argparse.Namespace, console: Console) -> dict:
    """Evolve one domain, then score its test split with the seed and the evolved rulebook."""
    url = f"sqlite:///{args.out / 'evolution.db'}"
    cfg = AgentConfig(max_in_flight=1, seed=args.seed)
    t0 = time.perf_counter()
    rounds = evolve_domain(code, rounds=args.rounds, budget=args.budget, agent_config=cfg, db_url=url,
                           data="proxy", seed=args.seed, folds=args.folds,
                           progress=lambda m: console.log(f"{code}: {m}"))
    evolve_s = time.perf_counter() - t0
    store = Store(url)
    seed_book, final = store.get_rulebook(code, 0), store.current_rulebook(code)
    domain = load_domain(code, data="proxy", seed=args.seed)
    # The same fold probes as evolution (loaded from the disk cache), test items dealt over them.
    scorer = AgentScorer(domain, cfg, folds=args.folds)
    test = domain.split("test")
    console.log(f"{code}: scoring the test split (seed rulebook v0, evolved v{final.version})")

    def scores(book: Rulebook) -> dict[str, float | None]:
        return {r.item_id: r.anomaly_score for r in scorer.score_items(book, test)}

    seed_scores = scores(seed_book)
    evolved = seed_scores if final.version == 0 else scores(final)
    ids = [i for i in seed_scores if seed_scores[i] is not None and evolved[i] is not None]
    labels = np.array([domain.truth[i].label for i in ids])
    accepted = [r for r in rounds if r.status == "accepted"]
    first = next((r.acceptance for r in rounds if r.acceptance), None)
    before = first.proxy_before if first else None
    return {
        "domain": code, "labels": labels.tolist(),
        "seed": [seed_scores[i] for i in ids], "evolved": [evolved[i] for i in ids],
        "auroc_seed": auroc(labels, [seed_scores[i] for i in ids]),
        "auroc_evolved": auroc(labels, [evolved[i] for i in ids]),
        "proxy_before": before, "proxy_after": accepted[-1].acceptance.proxy_after if accepted else before,
        "rounds": [r.model_dump(mode="json") for r in rounds], "accepted": len(accepted),
        "final_version": final.version, "final_rules": [r.text for r in final.active if r.condition],
        "round_seconds": [r.seconds for r in rounds], "round_cpu_seconds": [r.cpu_seconds for r in rounds],
        "evolve_seconds": evolve_s,
    }


def main() -> None:
    """Run the benchmark and print per-domain and macro results."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--domains", default=",".join(c for c in DOMAIN_CODES if c != "D7"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--budget", type=int)
    p.add_argument("--folds", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("out/bench_evolution"))
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "evolution.db").unlink(missing_ok=True)
    console = Console(stderr=True)
    results = []
    for code in [c.strip().upper() for c in args.domains.split(",") if c.strip()]:
        results.append(bench_domain(code, args, console))
        (args.out / "results.json").write_text(json.dumps(results, indent=1))
    doms = [DomainScores(r["domain"], np.array(r["labels"]), {"seed": np.array(r["seed"]),
                                                               "evolved": np.array(r["evolved"])})
            for r in results]
    diff = paired_bootstrap(doms, system="evolved", baseline="seed", n_boot=1000, seed=0)
    t = Table(title=f"evolution on the proxy suite (policy backend, {args.rounds} rounds)")
    for col in ("domain", "AUROC seed", "AUROC evolved", "Δ", "proxy before", "proxy after", "accepted",
                "round s (1st / later)", "CPU s later"):
        t.add_column(col, justify="left" if col == "domain" else "right")
    for r in results:
        secs = r["round_seconds"]
        later = f"{np.mean(secs[1:]):.0f}" if len(secs) > 1 else "—"
        cpu = f"{np.mean(r['round_cpu_seconds'][1:]):.0f}" if len(secs) > 1 else "—"
        t.add_row(r["domain"], f"{r['auroc_seed']:.4f}", f"{r['auroc_evolved']:.4f}",
                  f"{r['auroc_evolved'] - r['auroc_seed']:+.4f}",
                  *(f"{r[k]:.4f}" if r[k] is not None else "—" for k in ("proxy_before", "proxy_after")),
                  f"{r['accepted']}/{len(secs)}", f"{secs[0]:.0f} / {later}", cpu)
    console.print(t)
    macro_seed = float(np.mean([r["auroc_seed"] for r in results]))
    macro_evo = float(np.mean([r["auroc_evolved"] for r in results]))
    def mean_of(key: str, rounds: slice) -> float:
        vals = [v for r in results for v in r[key][rounds]]
        return float(np.mean(vals)) if vals else float("nan")

    summary = {"macro_seed": macro_seed, "macro_evolved": macro_evo, "delta": diff.value,
               "ci_low": diff.low, "ci_high": diff.high, "p_positive": diff.p_positive,
               "round_seconds_first_mean": mean_of("round_seconds", slice(0, 1)),
               "round_seconds_later_mean": mean_of("round_seconds", slice(1, None)),
               "round_cpu_seconds_later_mean": mean_of("round_cpu_seconds", slice(1, None))}
    console.print(f"macro AUROC seed {macro_seed:.4f} → evolved {macro_evo:.4f}: "
                  f"Δ {diff.value * 100:+.2f} pp, 95% CI [{diff.low * 100:+.2f}, {diff.high * 100:+.2f}] pp, "
                  f"P(Δ>0) {diff.p_positive:.2f}")
    console.print(f"round time: first (cold) {summary['round_seconds_first_mean']:.1f} s, later "
                  f"{summary['round_seconds_later_mean']:.1f} s wall / "
                  f"{summary['round_cpu_seconds_later_mean']:.1f} s CPU (mean over domains)")
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()

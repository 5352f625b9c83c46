"""Does the label-free proxy track the true AUROC? Random policy-rule edits on proxy domains.

For each domain, the seed rulebook and ``--edits`` random one-rule edits (a random condition family
the policy applies — candidate refute/keep thresholds, α, score shifts on probe consensus — with a
random threshold drawn from the pool's own feature range) are scored with the same fold probes on

- the unlabeled pool (calib + dev) and the held-out normals → Δproxy and the acceptance decision;
- the test split, with its labels (eval only) → ΔAUROC, the quantity the proxy stands in for.

Reported: the correlation of Δproxy with ΔAUROC over all edits, and how often acceptance passed an
edit whose true test ΔAUROC was ≤ 0 (false accepts) or > 0.01 (true accepts).

    python scripts/bench_proxy_tracking.py --domains D1,D6 --edits 8 --out out/proxy_tracking
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from rich.console import Console
from scipy.stats import pearsonr, spearmanr

from anomalyclaw.agent import AgentConfig
from anomalyclaw.data import load_domain
from anomalyclaw.rulebook import PolicyCondition, Rule, RuleDelta, load_seed
from eval import auroc
from evolution import AgentScorer, collect, decide
from evolution.acceptance import paired_scores


def random_condition(rng: np.random.Generator, feats: dict) -> PolicyCondition:
    """One random condition over a feature the pool measured, threshold inside its range."""
    family = rng.choice(["refute", "keep", "alpha", "shift"])
    if family in ("refute", "keep"):
        d = feats["candidate.z"]
        t = float(rng.uniform(d.q(0.05), d.q(0.95)))
        op = "<" if family == "refute" else ">="
        return PolicyCondition(target="candidate", feature="candidate.z", op=op, threshold=round(t, 3),
                               action=str(family))
    if family == "alpha":
        d = feats["item.branch_gap"]
        return PolicyCondition(target="item", feature="item.branch_gap", op=">=",
                               threshold=round(float(rng.uniform(0, d.q(0.9))), 3), action="set_alpha",
                               amount=round(float(rng.choice([0.1, 0.25, 0.75, 0.9])), 2))
    d = feats["item.consensus_z"]
    return PolicyCondition(target="item", feature="item.consensus_z", op=str(rng.choice(["<", ">="])),
                           threshold=round(float(rng.uniform(d.q(0.05), d.q(0.95))), 3), action="shift_score",
                           amount=round(float(rng.choice([-0.3, -0.15, 0.15, 0.3])), 2))


def main() -> None:
    """Score the seed and the random edits; print and save Δproxy vs ΔAUROC."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--domains", default="D1,D6")
    p.add_argument("--edits", type=int, default=8)
    p.add_argument("--folds", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("out/proxy_tracking"))
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    console, rng, rows = Console(stderr=True), np.random.default_rng(args.seed), []
    for code in args.domains.split(","):
        domain = load_domain(code, data="proxy", seed=args.seed)
        scorer = AgentScorer(domain, AgentConfig(seed=args.seed), folds=args.folds)
        test = domain.split("test")
        labels = np.array([domain.truth[i.item_id].label for i in test])
        seed = load_seed(code).rulebook
        base, base_test = scorer.score(seed), scorer.score_items(seed, test)
        feats = collect(base.pool).features
        for k in range(args.edits):
            cond = random_condition(rng, feats)
            rid = f"{code}-r9{k:03d}"
            book = seed.apply([RuleDelta(op="add", rule_id=rid, rule=Rule(
                rule_id=rid, text="random edit", kind="invariant", scope=code, condition=cond))], version=1)
            cand, cand_test = scorer.score(book), scorer.score_items(book, test)
            pa, pb = paired_scores(base.pool, cand.pool)
            na, nb = paired_scores(base.normals, cand.normals)
            res = decide(pa, na, pb, nb)
            s0 = np.array([r.anomaly_score for r in base_test])
            s1 = np.array([r.anomaly_score for r in cand_test])
            row = {"domain": code, "condition": cond.model_dump(), "d_proxy": res.delta, "ci_low": res.ci_low,
                   "accepted": res.accepted, "d_auroc": auroc(labels, s1) - auroc(labels, s0)}
            rows.append(row)
            console.log(f"{code} edit {k}: {cond.action} {cond.feature} {cond.op} {cond.threshold} "
                        f"({cond.amount}) Δproxy {res.delta:+.4f} Δauroc {row['d_auroc']:+.4f} "
                        f"{'ACCEPT' if res.accepted else 'reject'}")
            (args.out / "edits.json").write_text(json.dumps(rows, indent=1))
    dp, da = np.array([r["d_proxy"] for r in rows]), np.array([r["d_auroc"] for r in rows])
    moved = (np.abs(dp) > 0) | (np.abs(da) > 0)
    acc = np.array([r["accepted"] for r in rows])
    summary = {"n_edits": len(rows), "n_moved": int(moved.sum()),
               "pearson": float(pearsonr(dp[moved], da[moved])[0]) if moved.sum() > 2 else None,
               "spearman": float(spearmanr(dp[moved], da[moved])[0]) if moved.sum() > 2 else None,
               "accepted": int(acc.sum()), "false_accepts": int((acc & (da <= 0)).sum()),
               "harmful_edits": int((da < 0).sum()), "helpful_edits": int((da > 0.01).sum()),
               "true_accepts": int((acc & (da > 0.01)).sum())}
    console.print(summary)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()

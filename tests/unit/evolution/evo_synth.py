"""A small synthetic world for evolution tests: items with hidden labels, a policy-like scorer.

Each item has candidate regions with a calibrated expert z; anomalous items carry one real
defect (high z) among false alarms (low z), normals only false alarms. The scorer mimics the
offline policy: a tool refutes low-z candidates and keeps high-z ones (inconclusive between) but
is fooled by one recurring benign feature ('bright glare', kept although its z is low),
active rules with a :class:`PolicyCondition` refute candidates or set α, and every record
carries the trace format evolution reads. Labels stay in :class:`World`; records never get one
unless a test asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anomalyclaw.record import Record
from anomalyclaw.rulebook import Rulebook

NAMES = ("bright glare", "edge shadow", "texture grain", "dark spot", "scratch")


@dataclass
class World:
    """Items of one synthetic domain. ``labels`` is for the test's own scoring only."""

    domain: str
    ids: list[str]
    labels: np.ndarray
    cands: list[list[tuple[str, float]]]
    direct_noise: np.ndarray

    @classmethod
    def make(cls, n: int = 60, *, seed: int = 0, domain: str = "D9", anomalous_share: float = 0.5,
             prefix: str = "", direct_noise: float = 0.12) -> World:
        rng = np.random.default_rng(seed)
        labels = (rng.random(n) < anomalous_share).astype(int)
        cands = []
        for y in labels:
            k = int(rng.integers(1, 3))
            names = [str(n) for n in rng.permutation(NAMES[:3])[:k]]
            c = [(n, float(rng.normal(1.2, 0.7))) for n in names]
            if y:
                c.insert(int(rng.integers(0, k + 1)), (NAMES[3 + int(rng.integers(0, 2))],
                                                       float(rng.normal(2.6, 0.9))))
            cands.append(c)
        ids = [f"{prefix}{domain}_{i:04d}" for i in range(n)]
        return cls(domain, ids, labels, cands, rng.normal(0, direct_noise, n))


def _item_rules(rulebook: Rulebook, feats: dict[str, float], direct: float, refut: float
                ) -> tuple[float, float, list[str]]:
    """α rules, then score shifts, like the policy (only ``<`` and ``>=`` are used here)."""
    alpha, fired = 0.5, []
    items = [r for r in rulebook.active if r.condition and r.condition.target == "item"]
    for action in ("set_alpha", "shift_score"):
        for r in items:
            c = r.condition
            v = feats.get(c.feature)
            if c.action != action or v is None or not (v < c.threshold if c.op == "<" else v >= c.threshold):
                continue
            fired.append(r.rule_id)
            if action == "set_alpha":
                alpha = c.amount
    score = alpha * direct + (1 - alpha) * refut
    for r in items:
        if r.rule_id in fired and r.condition.action == "shift_score":
            score = min(1.0, max(0.0, score + r.condition.amount))
    return score, alpha, fired


def score(world: World, rulebook: Rulebook, *, label: bool = False) -> list[Record]:
    """Records of every item under ``rulebook`` (deterministic). ``label=True`` attaches labels."""
    out = []
    for i, iid in enumerate(world.ids):
        cands = world.cands[i]
        hist: list[dict] = [{"turn": 1, "initial_score": 0.5,
                             "candidates": [{"name": n, "features": {"candidate.z": z}} for n, z in cands]}]
        fired, changed, verdicts = [], [], []
        score_now = 0.5
        for t, (name, z) in enumerate(cands[:3], start=2):
            # the tool is fooled by one recurring benign feature (glare looks unlike the references)
            fooled = name == "bright glare" and z > 0.6
            v = "found_in_ref" if z < 0.9 and not fooled else ("not_found" if z > 2.2 or fooled
                                                                 else "inconclusive")
            for r in rulebook.active:
                c = r.condition
                if c and c.target == "candidate" and c.feature == "candidate.z" and c.action == "refute" \
                        and z < c.threshold:
                    fired.append(r.rule_id)
                    if v != "found_in_ref":
                        changed.append(r.rule_id)
                    v = "found_in_ref"
            verdicts.append(v)
            score_now = 0.9 if "not_found" in verdicts else (0.1 if all(x == "found_in_ref" for x in verdicts)
                                                             else 0.5)
            hist.append({"turn": t, "candidate": name, "tool": "expert_score" if t % 2 else "side_by_side",
                         "args": {}, "numbers": {"knn_z": z, "pca_z": z + 0.3 * np.sin(7 * z),
                                                 "gauss_z": z - 0.2}, "verdict": v, "score": score_now,
                         "features": {"candidate.z": z}})
        zmax = max(z for _, z in cands)
        direct = float(np.clip(1 / (1 + np.exp(-(zmax - 2.0) * 1.5)) + world.direct_noise[i], 0.01, 0.99))
        refut = float(score_now)
        feats = {"item.branch_gap": abs(refut - direct), "item.consensus_z": zmax + world.direct_noise[i],
                 "item.knn_z": zmax, "item.pca_z": zmax + 0.3 * np.sin(7 * zmax)}
        fused, alpha, f2 = _item_rules(rulebook, feats, direct, refut)
        fired += f2
        rec = dict(item_id=iid, domain_code=world.domain, anomaly_score=fused, w_direct=alpha,
                   direct_score=direct, v9_score=refut, v9_initial_score=0.5, n_turns=len(hist), history=hist,
                   tools_used=[h["tool"] for h in hist[1:]], rules_fired=sorted(set(fired)),
                   rules_changed_verdict=sorted(set(changed)), features=feats,
                   backend="policy", rulebook_version=rulebook.version)
        if label:
            rec["label_gt"] = int(world.labels[i])
        out.append(Record.from_upstream(rec))
    return out

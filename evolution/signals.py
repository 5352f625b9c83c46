"""Label-free signals over one round's records: what evolution learns from.

:func:`collect` strips every label first (``Record.without_label()``), so nothing it computes
can depend on ground truth. Signals (DESIGN.md §4):

- score distributions per branch (Direct, Refutation, fused) and the Direct-vs-Refutation gap;
- recurring candidates: the same candidate name proposed on many items and refuted again and
  again (recurring false alarms → "this is normal variation here" rules);
- candidate / item features the policy measured (e.g. ``candidate.z``), their distribution and
  a label-free split point;
- expert-probe consensus: calibrated probe z-scores found in tool observations;
- tool usefulness: how often a tool's observation gave a decisive verdict or moved the score;
- rule usage: how often each rule fired and changed a verdict.

Item ids are kept only for provenance; :meth:`Signals.summary` (what an LM reads) has none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations

from pydantic import BaseModel, Field

from anomalyclaw.record import Record
from evolution._stats import Dist, describe, spearman
from evolution._trace import Trace, read_trace

SCORE_MOVE = 0.1  # a turn "moved" the score when it changed by at least this much


class Disagreement(BaseModel):
    """Direct vs Refutation on the same items."""

    n: int = 0
    mean_gap: float | None = Field(default=None, description="Mean of refutation − direct.")
    mean_abs_gap: float | None = None
    opposite_share: float | None = Field(default=None, description="Share on opposite sides of 0.5.")
    spearman: float | None = None
    items: list[str] = Field(default_factory=list, description="Ids of the most-disagreeing items.")


class CandidateStat(BaseModel):
    """One candidate name across the pool."""

    name: str
    n_items: int
    refuted: int
    kept: int
    inconclusive: int
    refute_rate: float
    features: dict[str, float] = Field(default_factory=dict, description="Median of each feature.")
    items: list[str] = Field(default_factory=list, description="Items where it was refuted.")


class ToolStat(BaseModel):
    """How useful one tool was this round."""

    tool: str
    calls: int
    failed: int
    decisive: int = Field(description="Calls whose verdict was refuted or kept.")
    moved: int = Field(description=f"Calls after which the score moved by ≥ {SCORE_MOVE}.")
    usefulness: float = Field(description="(decisive or moved) / calls.")


class ExpertConsensus(BaseModel):
    """Agreement of calibrated expert probes (z-scores in tool observations)."""

    probes: list[str] = Field(default_factory=list)
    n_items: int = 0
    mean_spearman: float | None = None
    split_share: float | None = Field(default=None, description="Items where probes fall on both "
                                                               "sides of z_cut.")


class RuleUsage(BaseModel):
    """One rule's firing this round."""

    fired: int = 0
    changed: int = 0


class Signals(BaseModel):
    """Everything evolution measured on one round's unlabeled records."""

    domain: str
    n_records: int
    n_errors: int
    item_ids: list[str]
    direct: Dist
    refutation: Dist
    fused: Dist
    disagreement: Disagreement
    candidates: list[CandidateStat]
    features: dict[str, Dist] = Field(description="Feature name → distribution over the pool.")
    refuted_features: dict[str, Dist] = Field(description="Same, candidates refuted by a tool only.")
    kept_features: dict[str, Dist] = Field(description="Same, candidates kept by a tool only.")
    tools: list[ToolStat]
    experts: ExpertConsensus
    rule_usage: dict[str, RuleUsage]

    def summary(self, max_candidates: int = 6) -> str:
        """Compact text for a language model: numbers and names, no item ids or paths."""
        def d(x: Dist) -> str:
            if not x.n:
                return "n/a"
            return (f"mean {x.mean:.2f}, q10 {x.q(0.1):.2f}, median {x.q(0.5):.2f}, q90 {x.q(0.9):.2f}, "
                    f"ties {x.tie_share:.0%}")
        g = self.disagreement
        lines = [f"{self.n_records} unlabeled items, {self.n_errors} with errors.",
                 f"Direct scores: {d(self.direct)}.", f"Refutation scores: {d(self.refutation)}.",
                 f"Fused scores: {d(self.fused)}."]
        if g.n:
            lines.append(f"Branch gap (refutation − direct): mean {g.mean_gap:+.2f}, mean |gap| "
                         f"{g.mean_abs_gap:.2f}, opposite sides of 0.5 on {g.opposite_share:.0%} of items"
                         + (f", rank correlation {g.spearman:.2f}." if g.spearman is not None else "."))
        for c in self.candidates[:max_candidates]:
            lines.append(f"Candidate '{c.name}': proposed on {c.n_items} items, refuted {c.refuted}, "
                         f"kept {c.kept}, inconclusive {c.inconclusive}.")
        for name, x in sorted(self.features.items()):
            if x.n:
                lines.append(f"Feature {name}: {d(x)}" + (f", split {x.split:.2f}." if x.split is not None
                                                         else "."))
        for t in self.tools:
            lines.append(f"Tool {t.tool}: {t.calls} calls, {t.failed} failed, useful {t.usefulness:.0%}.")
        e = self.experts
        if e.n_items:
            lines.append(f"Expert probes {', '.join(e.probes)}: mean rank agreement "
                         f"{e.mean_spearman if e.mean_spearman is not None else float('nan'):.2f}, split on "
                         f"{e.split_share:.0%} of items.")
        for rid, u in sorted(self.rule_usage.items()):
            lines.append(f"Rule {rid}: fired on {u.fired} items, changed a verdict on {u.changed}.")
        return "\n".join(lines)


def _disagreement(traces: list[Trace], top: int) -> Disagreement:
    pairs = [(t, t.direct, t.refutation) for t in traces if t.direct is not None and t.refutation is not None]
    if not pairs:
        return Disagreement()
    gaps = [r - d for _, d, r in pairs]
    opp = sum((d - 0.5) * (r - 0.5) < 0 for _, d, r in pairs)
    worst = sorted(pairs, key=lambda p: -abs(p[2] - p[1]))[:top]
    return Disagreement(n=len(pairs), mean_gap=sum(gaps) / len(gaps),
                        mean_abs_gap=sum(map(abs, gaps)) / len(gaps), opposite_share=opp / len(pairs),
                        spearman=spearman([p[1] for p in pairs], [p[2] for p in pairs]),
                        items=[p[0].item_id for p in worst])


def _candidates(traces: list[Trace]) -> list[CandidateStat]:
    items: dict[str, set[str]] = defaultdict(set)
    verdicts: dict[str, list[tuple[str, str]]] = defaultdict(list)
    feats: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for t in traces:
        for name, f in t.candidates.items():
            items[name].add(t.item_id)
            for k, v in f.items():
                feats[name][k].append(v)
        for name, v in t.final_verdicts().items():
            items[name].add(t.item_id)
            verdicts[name].append((t.item_id, v))
    out = []
    for name, ids in items.items():
        vs = [v for _, v in verdicts[name]]
        ref, kept = vs.count("refuted"), vs.count("kept")
        med = {k: describe(x).q(0.5) for k, x in feats[name].items()}
        out.append(CandidateStat(name=name, n_items=len(ids), refuted=ref, kept=kept,
                                 inconclusive=vs.count("inconclusive"),
                                 refute_rate=ref / len(vs) if vs else 0.0,
                                 features={k: v for k, v in med.items() if v is not None},
                                 items=sorted(i for i, v in verdicts[name] if v == "refuted")))
    return sorted(out, key=lambda c: (-c.refuted, -c.n_items, c.name))


def _features(traces: list[Trace]) -> tuple[dict[str, Dist], dict[str, Dist], dict[str, Dist]]:
    allv: dict[str, list[float]] = defaultdict(list)
    ref: dict[str, list[float]] = defaultdict(list)
    kept: dict[str, list[float]] = defaultdict(list)
    for t in traces:
        final = t.final_verdicts()
        for name, f in t.candidates.items():
            verdict = final.get(name)
            for k, v in f.items():
                allv[k].append(v)
                if verdict == "refuted":
                    ref[k].append(v)
                elif verdict == "kept":
                    kept[k].append(v)
        for k, v in t.item_features.items():
            allv[k].append(v)
    def dists(d: dict[str, list[float]]) -> dict[str, Dist]:
        return {k: describe(v) for k, v in sorted(d.items())}

    return dists(allv), dists(ref), dists(kept)


def _tools(traces: list[Trace]) -> list[ToolStat]:
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for t in traces:
        prev = t.initial
        for turn in t.turns:
            if turn.tool is None:
                continue
            a = acc[turn.tool]
            decisive = turn.verdict in ("refuted", "kept")
            moved = prev is not None and turn.score is not None and abs(turn.score - prev) >= SCORE_MOVE
            a[0] += 1
            a[1] += not turn.ok
            a[2] += decisive
            a[3] += moved
            a[4] += decisive or moved
            prev = turn.score if turn.score is not None else prev
    return [ToolStat(tool=k, calls=a[0], failed=a[1], decisive=a[2], moved=a[3], usefulness=a[4] / a[0])
            for k, a in sorted(acc.items(), key=lambda kv: -kv[1][0])]


def _is_probe(key: str) -> bool:
    return key.endswith("_z") or key.startswith("z_")


def _experts(traces: list[Trace], z_cut: float) -> ExpertConsensus:
    per_item: list[dict[str, float]] = []
    for t in traces:
        # item features item.<probe>_z (what the policy measured), then probe numbers in tool observations
        z = {k[5:]: v for k, v in t.item_features.items() if _is_probe(k[5:]) and k != "item.consensus_z"}
        for turn in t.turns:
            z.update({k: v for k, v in turn.numbers.items() if _is_probe(k)})
        if len(z) >= 2:
            per_item.append(z)
    if not per_item:
        return ExpertConsensus()
    probes = sorted({k for z in per_item for k in z})
    rhos = []
    for a, b in combinations(probes, 2):
        both = [(z[a], z[b]) for z in per_item if a in z and b in z]
        r = spearman([p[0] for p in both], [p[1] for p in both])
        if r is not None:
            rhos.append(r)
    split = sum(min(z.values()) < z_cut <= max(z.values()) for z in per_item)
    return ExpertConsensus(probes=probes, n_items=len(per_item),
                           mean_spearman=sum(rhos) / len(rhos) if rhos else None,
                           split_share=split / len(per_item))


def _rules(traces: list[Trace]) -> dict[str, RuleUsage]:
    usage: dict[str, RuleUsage] = defaultdict(RuleUsage)
    for t in traces:
        for rid in set(t.rules_fired):
            usage[rid].fired += 1
        for rid in set(t.rules_changed):
            usage[rid].changed += 1
    return dict(sorted(usage.items()))


def collect(records: Iterable[Record], *, domain: str | None = None, z_cut: float = 2.0,
            top_items: int = 10) -> Signals:
    """Label-free signals of one round.

    Args:
        records: the round's records; any label on them is stripped before reading.
        domain: domain code; defaults to the records' own.
        z_cut: calibrated z above which a probe calls an item anomalous (consensus signal).
        top_items: how many item ids to keep per signal for provenance.

    Returns:
        A :class:`Signals` that depends only on scores and traces, never on labels.
    """
    recs = [r.without_label() for r in records]
    assert all(r.label is None for r in recs)
    traces = [read_trace(r) for r in recs]
    feats, ref_f, kept_f = _features(traces)
    return Signals(
        domain=domain or (recs[0].domain_code if recs else ""),
        n_records=len(recs),
        n_errors=sum(t.error for t in traces),
        item_ids=[t.item_id for t in traces],
        direct=describe([t.direct for t in traces]),
        refutation=describe([t.refutation for t in traces]),
        fused=describe([t.fused for t in traces]),
        disagreement=_disagreement(traces, top_items),
        candidates=_candidates(traces),
        features=feats, refuted_features=ref_f, kept_features=kept_f,
        tools=_tools(traces),
        experts=_experts(traces, z_cut),
        rule_usage=_rules(traces),
    )

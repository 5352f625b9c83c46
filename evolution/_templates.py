"""Template reflector for the offline policy backend: rules with machine-readable conditions.

No language model: each template reads one label-free signal and writes a rule whose
:class:`PolicyCondition` the policy applies, with its threshold set from the pool's own
(unlabeled) distributions. Acceptance decides whether it helps. A condition that was already
rejected in this lineage is not proposed again; the next alternative is tried instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from anomalyclaw.rulebook import PolicyCondition, Rule, RuleDelta
from evolution._proposal import Proposal, ReflectContext
from evolution._stats import Dist


@dataclass(frozen=True)
class TemplateConfig:
    """Feature names the templates use and how much evidence they need.

    Attributes:
        candidate_z: per-candidate calibrated expert z (recurring false alarms).
        branch_gap: per-item |refutation − direct| (branch trust).
        min_refuted: refuted candidates needed before a false-alarm rule is written.
        min_gap: mean |branch gap| above which the branches "disagree systematically".
        max_new: at most this many add/edit proposals per round. One by default: a candidate that
            bundles a helpful and a harmful rule can fail as a whole, and acceptance can only
            attribute a gain to a single change.
    """

    candidate_z: str = "candidate.z"
    branch_gap: str = "item.branch_gap"
    consensus_z: str = "item.consensus_z"
    shift: float = 0.2
    min_refuted: int = 4
    min_gap: float = 0.15
    min_opposite: float = 0.15
    max_new: int = 1
    tol: float = 0.05


def _same(a: PolicyCondition, b: PolicyCondition, tol: float) -> bool:
    return (a.target, a.feature, a.op, a.action) == (b.target, b.feature, b.op, b.action) and \
        abs(a.threshold - b.threshold) <= tol and abs(a.amount - b.amount) <= tol


def _resolution(x: Dist) -> float:
    """How finely a branch ranks items: two-mode separation discounted by ties.

    A heuristic to pick which branch to trust first (acceptance has the last word): banded
    scores look bimodal but rank poorly inside a band, so ties count against a branch.
    """
    if not x.n or x.bimodality is None or x.tie_share is None:
        return 0.0
    return x.bimodality * (1.0 - x.tie_share)


class TemplateReflector:
    """Writes policy rules from signals: false-alarm thresholds, branch trust, retirements."""

    name = "template"

    def __init__(self, config: TemplateConfig | None = None) -> None:
        self.cfg = config or TemplateConfig()

    # -- helpers -------------------------------------------------------------------------
    def _knows(self, ctx: ReflectContext, feature: str) -> bool:
        return ctx.features is None or feature in ctx.features

    def _fresh(self, ctx: ReflectContext, cond: PolicyCondition) -> bool:
        tried = [d.rule.condition for d in ctx.rejected if d.rule and d.rule.condition]
        tried += [r.condition for r in ctx.rulebook.active if r.condition]
        return not any(_same(cond, c, self.cfg.tol) for c in tried)

    def _delta(self, ctx: ReflectContext, new_id: Callable[[], str], cond: PolicyCondition, *, kind: str,
               text: str, rationale: str, signals: list[str], items: list[str]) -> Proposal:
        prov = ctx.provenance(signals, items)
        twin = next((r for r in ctx.rulebook.active if r.condition and
                     (r.condition.target, r.condition.feature, r.condition.action) ==
                     (cond.target, cond.feature, cond.action)), None)
        rid = twin.rule_id if twin else new_id()
        rule = Rule(rule_id=rid, text=text, kind=kind, scope=ctx.rulebook.domain, condition=cond,
                    provenance=prov)
        op = "edit" if twin else "add"
        return Proposal(delta=RuleDelta(op=op, rule_id=rid, rule=rule, rationale=rationale),
                        source="template", provenance=prov)

    # -- templates -----------------------------------------------------------------------
    def _false_alarms(self, ctx: ReflectContext, new_id) -> list[Proposal]:
        f, s = self.cfg.candidate_z, ctx.signals
        ref, kept, pool = s.refuted_features.get(f), s.kept_features.get(f), s.features.get(f)
        if not self._knows(ctx, f) or ref is None or ref.n < self.cfg.min_refuted or pool is None:
            return []
        # Label-free thresholds, most principled first: the pool's own two-mode split, then
        # the upper range of what tools already refuted, then the lower range of what survived.
        options = [pool.split, ref.q(0.75), ref.q(0.9), kept.q(0.1) if kept and kept.n else None,
                   pool.q(0.5)]
        items = sorted({i for c in s.candidates for i in c.items})[:20]
        names = [c.name for c in s.candidates if c.refuted >= 2][:3]
        for t in options:
            if t is None:
                continue
            cond = PolicyCondition(target="candidate", feature=f, op="<", threshold=round(t, 3),
                                   action="refute")
            if self._fresh(ctx, cond):
                what = f" (recurring: {', '.join(names)})" if names else ""
                return [self._delta(
                    ctx, new_id, cond, kind="normal_variation",
                    text=(f"Candidate regions whose calibrated expert z-score is below {t:.2f} are normal "
                          f"variation in this domain{what}: treat them as refuted."),
                    rationale=(f"{ref.n} candidates were refuted by tools (median z {ref.q(0.5):.2f}); "
                               f"threshold {t:.2f} from the unlabeled pool's z distribution."),
                    signals=["recurring_false_alarms", f"feature:{f}"], items=items)]
        return []

    def _branch_trust(self, ctx: ReflectContext, new_id) -> list[Proposal]:
        s, g = ctx.signals, ctx.signals.disagreement
        f = self.cfg.branch_gap
        if not self._knows(ctx, f) or not g.n or g.mean_abs_gap is None:
            return []
        if g.mean_abs_gap < self.cfg.min_gap and (g.opposite_share or 0.0) < self.cfg.min_opposite:
            return []
        prefer_direct = _resolution(s.direct) >= _resolution(s.refutation)
        gap_t = round((s.features[f].q(0.5) if f in s.features and s.features[f].n else g.mean_abs_gap), 3)
        pref, other = (0.75, 0.25) if prefer_direct else (0.25, 0.75)
        # where the branches disagree most, then everywhere; the other branch; then stronger steps
        options = [(gap_t, pref), (0.0, pref), (gap_t, other), (0.0, other),
                   (0.0, 0.9 if prefer_direct else 0.1), (0.0, 0.1 if prefer_direct else 0.9)]
        for t, alpha in options:
            cond = PolicyCondition(target="item", feature=f, op=">=", threshold=t, action="set_alpha",
                                   amount=alpha)
            if self._fresh(ctx, cond):
                side = "Direct" if alpha > 0.5 else "Refutation"
                when = f"When the Direct and Refutation scores differ by {t:.2f} or more, t" if t > 0 else "T"
                return [self._delta(
                    ctx, new_id, cond, kind="branch_trust",
                    text=f"{when}rust the {side} branch more (weight {alpha:.2f} on Direct).",
                    rationale=(f"Branches disagree systematically: mean |gap| {g.mean_abs_gap:.2f}, opposite "
                               f"sides on {g.opposite_share:.0%} of items."),
                    signals=["branch_disagreement", "score_distribution"], items=g.items)]
        return []

    def _consensus(self, ctx: ReflectContext, new_id) -> list[Proposal]:
        """Items on which the calibrated probes agree there is nothing unusual are normal here."""
        f, s = self.cfg.consensus_z, ctx.signals
        x = s.features.get(f)
        if not self._knows(ctx, f) or x is None or x.n < 8:
            return []
        agree = s.experts.mean_spearman
        for t in (x.split, x.q(0.5), x.q(0.25), x.q(0.75)):
            if t is None:
                continue
            cond = PolicyCondition(target="item", feature=f, op="<", threshold=round(t, 3),
                                   action="shift_score", amount=-self.cfg.shift)
            if self._fresh(ctx, cond):
                return [self._delta(
                    ctx, new_id, cond, kind="normal_variation",
                    text=(f"When the expert probes agree the image is ordinary (consensus z below {t:.2f}), "
                          f"treat what the inspection flags as normal variation: lower the score by "
                          f"{self.cfg.shift:.2f}."),
                    rationale=(f"Probe consensus z over the pool: median {x.q(0.5):.2f}, split {t:.2f}" +
                               (f"; probes rank items alike (ρ {agree:.2f})." if agree is not None else ".")),
                    signals=["expert_consensus", f"feature:{f}"], items=[])]
        return []

    def _retire(self, ctx: ReflectContext) -> list[Proposal]:
        out = []
        for r in ctx.rulebook.active:
            if r.condition is None or r.kind == "seed":
                continue
            use = ctx.signals.rule_usage.get(r.rule_id)
            inert = ctx.features is not None and r.condition.feature not in ctx.features
            if inert or use is None or use.fired == 0:
                why = "its feature is unknown to the policy" if inert else "it never fired this round"
                prov = ctx.provenance(["rule_usage"])
                delta = RuleDelta(op="retire", rule_id=r.rule_id, rationale=f"Retire: {why}.")
                out.append(Proposal(delta=delta, source="template", provenance=prov))
        return out

    def propose(self, ctx: ReflectContext) -> list[Proposal]:
        """Retirements of rules that never fire, then at most ``max_new`` new or edited rules."""
        new_id = ctx.id_allocator()
        # Templates whose rules were rejected least often in this lineage go first, so a signal
        # that keeps failing acceptance yields to the next one instead of being retried forever.
        tried = Counter(d.rule.condition.feature for d in ctx.rejected if d.rule and d.rule.condition)
        templates = [(self.cfg.candidate_z, 0, self._false_alarms),
                     (self.cfg.branch_gap, 1, self._branch_trust), (self.cfg.consensus_z, 2, self._consensus)]
        order = sorted(templates, key=lambda t: (tried[t[0]], t[1]))
        new: list[Proposal] = []
        for _, _, template in order:
            if len(new) < self.cfg.max_new:
                new += template(ctx, new_id)[: self.cfg.max_new - len(new)]
        edited = {p.delta.rule_id for p in new if p.delta}
        return [p for p in self._retire(ctx) if p.delta and p.delta.rule_id not in edited] + new

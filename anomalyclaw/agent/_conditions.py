"""Machine-readable rule conditions, applied in plain Python by the offline policy backend.

A language model reads a rule's text; the policy backend cannot read, so a rule may carry a
:class:`~anomalyclaw.rulebook.PolicyCondition` (``if <feature> <op> <threshold>: <action>``)
over the numbers the policy measures, listed in :data:`POLICY_FEATURES`. A condition on a
feature not listed there is inert (never an error). Candidate conditions decide verdicts
(``refute`` / ``keep``); item conditions move the fused score (``shift_score``) or the
fusion weight (``set_alpha``). Each application reports which rules fired and which of them
changed a verdict, for the rule counters evolution keeps.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from anomalyclaw.rulebook import Rule

POLICY_FEATURES: Mapping[str, str] = {
    "candidate.z": "Peak patch heat of the candidate region, in σ of the normals' patch heat.",
    "candidate.area": "Candidate box area as a share of the query (0–1).",
    "candidate.border_dist": "Distance of the candidate box to the nearest image border (0–0.5).",
    "candidate.rank": "1 for the hottest candidate, 2 for the next, …",
    "item.knn_z": "kNN patch-distance probe, z against the normals' leave-one-out scores.",
    "item.pca_z": "PCA-subspace residual probe, z.",
    "item.gauss_z": "Gaussian / Mahalanobis probe, z.",
    "item.global_z": "Whole-image embedding distance probe, z.",
    "item.consensus_z": "Mean z of the patch probes (kNN alone for a change pair).",
    "item.n_candidates": "How many candidates the episode proposed.",
    "item.direct_score": "Direct branch score.",
    "item.refutation_score": "Refutation branch score.",
    "item.branch_gap": "|direct − refutation|.",
}
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def holds(rule: Rule, features: Mapping[str, float]) -> bool:
    """Whether an active rule's condition holds on ``features`` (False when inert)."""
    cond = rule.condition
    if cond is None or rule.status != "active" or cond.feature not in POLICY_FEATURES:
        return False
    value = features.get(cond.feature)
    return value is not None and bool(_OPS[cond.op](value, cond.threshold))


def conditioned(rules: Sequence[Rule], target: str) -> list[Rule]:
    """Active rules whose condition targets 'candidate' or 'item', in rulebook order."""
    return [
        r for r in rules if r.status == "active" and r.condition is not None and r.condition.target == target
    ]


class VerdictDecision(NamedTuple):
    """A candidate's verdict after the rules, and the rules that acted."""

    verdict: str
    fired: list[str]
    changed: list[str]


def apply_candidate_rules(
    rules: Sequence[Rule], features: Mapping[str, float], verdict: str
) -> VerdictDecision:
    """Apply 'refute' / 'keep' candidate rules in order to a measured verdict.

    Args:
        rules: the rulebook's active rules (non-candidate rules are skipped).
        features: ``candidate.*`` (and ``item.*``) numbers of this candidate.
        verdict: the verdict the measurements alone give.
    """
    fired, changed = [], []
    for rule in conditioned(rules, "candidate"):
        if not holds(rule, features) or rule.condition.action not in ("refute", "keep"):
            continue
        fired.append(rule.rule_id)
        new = "found_in_ref" if rule.condition.action == "refute" else "not_found"
        if new != verdict:
            changed.append(rule.rule_id)
            verdict = new
    return VerdictDecision(verdict, fired, changed)


class ItemDecision(NamedTuple):
    """The fused score after item rules, the α used, and the rules that acted."""

    score: float
    alpha: float
    fired: list[str]
    changed: list[str]


def apply_item_rules(
    rules: Sequence[Rule],
    features: Mapping[str, float],
    direct: float | None,
    refutation: float | None,
    alpha: float,
) -> ItemDecision:
    """Apply item rules: every 'set_alpha' first, then every 'shift_score', in rulebook order.

    A rule 'changed the verdict' when it moved the fused score across 0.5. At least one of
    ``direct`` and ``refutation`` must be present.

    Args:
        rules: the rulebook's active rules.
        features: ``item.*`` numbers (the branch scores and their gap are added here).
        direct: Direct score, or None when that branch failed.
        refutation: Refutation score, or None when that branch failed.
        alpha: the configured fusion weight.
    """
    feats = dict(features)
    if direct is not None:
        feats["item.direct_score"] = direct
    if refutation is not None:
        feats["item.refutation_score"] = refutation
    if direct is not None and refutation is not None:
        feats["item.branch_gap"] = abs(direct - refutation)
    fired, changed = [], []

    def fused(a: float) -> float:
        parts = [(a, direct), (1.0 - a, refutation)]
        present = [(w, s) for w, s in parts if s is not None]
        total = sum(w for w, _ in present)
        if total <= 0:
            return next(s for _, s in present)
        return sum(w * s for w, s in present) / total

    score = fused(alpha)
    item_rules = conditioned(rules, "item")
    ordered = [r for r in item_rules if r.condition.action == "set_alpha"] + [
        r for r in item_rules if r.condition.action == "shift_score"
    ]
    for rule in ordered:
        action = rule.condition.action
        if not holds(rule, feats):
            continue
        fired.append(rule.rule_id)
        before = score
        if action == "set_alpha":
            alpha = min(1.0, max(0.0, rule.condition.amount))
            score = fused(alpha)
        else:
            score = min(1.0, max(0.0, score + rule.condition.amount))
        if (before >= 0.5) != (score >= 0.5):
            changed.append(rule.rule_id)
    return ItemDecision(score, alpha, fired, changed)

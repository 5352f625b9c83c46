"""The curator: validates proposals against the current rulebook, drops near-duplicates, caps size.

Order of checks per proposal (the first failure rejects it, with its reason):
1. valid against the rulebook (add a fresh id; edit / retire an active rule; one change per id;
   the rule's scope is this domain; a condition's amount within range);
2. not a near-duplicate: two rules with machine conditions are duplicates when the condition
   family (target, feature, op, action) matches; otherwise the rule texts' MiniLM cosine
   similarity reaches ``dup_threshold``;
3. the cap: when the result would hold more than ``max_active`` rules, the least-applied
   evolved rules are retired (new retire proposals); seed rules are never retired by the cap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from anomalyclaw.rulebook import Rule, Rulebook
from evolution._embed import Embedder, MiniLMEmbedder
from evolution._proposal import Proposal
from evolution.signals import RuleUsage

__all__ = ["Curator", "Embedder", "MiniLMEmbedder"]


def _family(r: Rule) -> tuple | None:
    c = r.condition
    return None if c is None else (c.target, c.feature, c.op, c.action)


def _invalid(p: Proposal, book: Rulebook, touched: set[str]) -> str | None:
    d = p.delta
    if d is None:
        return p.reason or "no usable delta"
    ids = {r.rule_id for r in book.rules}
    active = {r.rule_id: r for r in book.active}
    if d.rule_id in touched:
        return f"{d.rule_id} is changed twice in one round"
    if d.op == "add" and d.rule_id in ids:
        return f"cannot add {d.rule_id}: the id is taken"
    if d.op in ("edit", "retire") and d.rule_id not in active:
        return f"cannot {d.op} {d.rule_id}: not an active rule"
    if d.op == "retire":
        return None
    r = d.rule
    if r is None or not r.text.strip():
        return f"{d.op} {d.rule_id} has no rule text"
    if r.scope != book.domain:
        return f"rule scope {r.scope!r} is not this domain ({book.domain})"
    if d.op == "edit" and r.text == active[d.rule_id].text and r.condition == active[d.rule_id].condition:
        return f"edit of {d.rule_id} changes nothing"
    c = r.condition
    if c is not None:
        if not math.isfinite(c.threshold):
            return "condition threshold is not finite"
        if c.action == "set_alpha" and not 0.0 <= c.amount <= 1.0:
            return f"set_alpha amount {c.amount} is outside [0, 1]"
        if c.action == "shift_score" and not -1.0 <= c.amount <= 1.0:
            return f"shift_score amount {c.amount} is outside [-1, 1]"
    return None


class Curator:
    """Keeps a rulebook small and non-redundant.

    Args:
        embedder: text embedder for dedup; MiniLM from its wheel by default (loaded lazily).
        max_active: most active rules a version may hold.
        dup_threshold: cosine similarity at which two rule texts count as the same rule.
    """

    def __init__(self, embedder: Embedder | None = None, *, max_active: int = 12,
                 dup_threshold: float = 0.9) -> None:
        self.embedder = embedder or MiniLMEmbedder()
        self.max_active = max_active
        self.dup_threshold = dup_threshold

    def _duplicates(self, book: Rulebook, props: list[Proposal]) -> dict[int, str]:
        """Index of a proposal in ``props`` → reason, for near-duplicate adds / edits."""
        changing = {p.delta.rule_id for p in props if p.delta}
        kept: list[Rule] = [r for r in book.active if r.rule_id not in changing]
        texts = [p.delta.rule.text for p in props if p.delta and p.delta.rule]
        vecs = self.embedder.encode([r.text for r in kept] + texts) if texts else np.zeros((0, 1))
        kept_vecs = list(vecs[: len(kept)])
        out: dict[int, str] = {}
        j = len(kept)
        for i, p in enumerate(props):
            if not (p.delta and p.delta.rule):
                continue
            rule, v = p.delta.rule, vecs[j]
            j += 1
            for other, ov in zip(kept, kept_vecs, strict=True):
                fam_a, fam_b = _family(rule), _family(other)
                if fam_a is not None and fam_b is not None:
                    if fam_a == fam_b:
                        out[i] = f"same condition as {other.rule_id} (edit that rule instead)"
                        break
                    continue
                sim = float(np.dot(v, ov))
                if sim >= self.dup_threshold:
                    out[i] = f"near-duplicate of {other.rule_id} (cosine {sim:.2f})"
                    break
            if i not in out:
                kept.append(rule)
                kept_vecs.append(v)
        return out

    def _cap(self, book: Rulebook, props: list[Proposal], usage: Mapping[str, RuleUsage]) -> list[Proposal]:
        ok = [p for p in props if p.status == "proposed" and p.delta]
        try:
            after = book.apply([p.delta for p in ok], version=book.version + 1)
        except ValueError as e:  # validated above; a failure here is a bug worth surfacing as a rejection
            return [p.reject(f"does not apply: {e}") if p in ok else p for p in props]
        excess = len(after.active) - self.max_active
        if excess <= 0:
            return props
        new_ids = {p.delta.rule_id for p in ok}

        def applied(r: Rule) -> tuple[int, int, str]:
            u = usage.get(r.rule_id)
            return (r.times_applied + (u.fired if u else 0), r.provenance.round, r.rule_id)

        pool = sorted((r for r in after.active if r.kind != "seed" and r.rule_id not in new_ids), key=applied)
        retired = [Proposal(delta={"op": "retire", "rule_id": r.rule_id,
                                   "rationale": f"Rulebook cap {self.max_active}: least applied."},
                            source="curator", provenance=r.provenance.model_copy(update={"signals": ["cap"]}))
                   for r in pool[:excess]]
        excess -= len(retired)
        out = list(props)
        for p in reversed(out):  # still too many: refuse the newest adds
            if excess <= 0:
                break
            if p.status == "proposed" and p.delta and p.delta.op == "add":
                out[out.index(p)] = p.reject(f"rulebook is full ({self.max_active} active rules)")
                excess -= 1
        return out + retired

    def curate(self, book: Rulebook, proposals: list[Proposal],
               usage: Mapping[str, RuleUsage] | None = None) -> list[Proposal]:
        """All proposals with their status set (kept ones stay ``proposed``), plus cap retirements.

        Args:
            book: the current accepted rulebook.
            proposals: the reflector's proposals, in its order of preference.
            usage: this round's rule usage (from signals), for "least applied".
        """
        out: list[Proposal] = []
        touched: set[str] = set()
        for p in proposals:
            why = _invalid(p, book, touched) if p.status == "proposed" else None
            if why:
                out.append(p.reject(why))
            else:
                out.append(p)
                if p.status == "proposed" and p.delta:
                    touched.add(p.delta.rule_id)
        live = [i for i, p in enumerate(out) if p.status == "proposed"]
        dups = self._duplicates(book, [out[i] for i in live])
        for k, why in dups.items():
            out[live[k]] = out[live[k]].reject(why)
        return self._cap(book, out, usage or {})

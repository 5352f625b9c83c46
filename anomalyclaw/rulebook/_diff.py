"""Rule-level differences between two versions, as the deltas that turn one into the other.

Used to show ``diff``, to build a rollback (current → old) and to import an edited file
(current → file), so history stays a chain of deltas even when a person edits a rulebook.
"""

from __future__ import annotations

from anomalyclaw.rulebook._types import Rule, Rulebook, RuleDelta

_CONTENT = ("text", "kind", "scope", "condition", "status")


def _same_content(a: Rule, b: Rule) -> bool:
    """Equal in what a model or the policy reads; counters and provenance do not count."""
    return all(getattr(a, f) == getattr(b, f) for f in _CONTENT)


def diff_rulebooks(old: Rulebook, new: Rulebook, *, rationale: str = "") -> list[RuleDelta]:
    """The deltas that take ``old`` to ``new`` (in ``new``'s rule order).

    A rule of ``new`` missing from ``old`` is an ``add``; one whose content changed is an
    ``edit`` (retired → active is an edit too); one active in ``old`` that is retired or gone
    in ``new`` is a ``retire``. Rule ids are never reused, so a rule missing from ``new`` is
    retired, not deleted: ``old.apply(deltas)`` has the same active rules as ``new``.

    Args:
        old: the version to start from.
        new: the version to reach.
        rationale: stored with every delta (e.g. 'rollback to v3').
    """
    before = {r.rule_id: r for r in old.rules}
    after = {r.rule_id: r for r in new.rules}
    deltas: list[RuleDelta] = []
    for rid, rule in after.items():
        prev = before.get(rid)
        if prev is None:
            deltas.append(RuleDelta(op="add", rule_id=rid, rule=rule, rationale=rationale))
        elif rule.status == "retired" and prev.status == "active" and _same_content(
                prev.model_copy(update={"status": "retired"}), rule):
            deltas.append(RuleDelta(op="retire", rule_id=rid, rationale=rationale))
        elif not _same_content(prev, rule):
            deltas.append(RuleDelta(op="edit", rule_id=rid, rule=rule, rationale=rationale))
    for rid, prev in before.items():
        if rid not in after and prev.status == "active":
            deltas.append(RuleDelta(op="retire", rule_id=rid, rationale=rationale))
    return deltas

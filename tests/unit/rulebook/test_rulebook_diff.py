"""diff_rulebooks: the deltas it returns take the old version to the new one's active rules."""

from __future__ import annotations

import numpy as np
import pytest

from anomalyclaw.rulebook import PolicyCondition, Rule, Rulebook, diff_rulebooks


def _rule(i: int, text: str, **kw) -> Rule:
    return Rule(rule_id=f"D2-r{i:04d}", text=text, kind=kw.pop("kind", "anomaly_cue"), scope="D2", **kw)


def _mutate(rb: Rulebook, rng: np.random.Generator) -> Rulebook:
    """A random later version: some rules edited, retired, dropped, un-retired, some added."""
    rules = []
    for r in rb.rules:
        u = rng.random()
        if u < 0.15:
            continue  # dropped entirely (a rollback target that never had it)
        if u < 0.35:
            r = r.model_copy(update={"text": r.text + " (sharpened)"})
        elif u < 0.45:
            r = r.model_copy(update={"status": "retired" if r.status == "active" else "active"})
        elif u < 0.55:
            cond = PolicyCondition(target="item", feature="item.z", op=">", threshold=float(rng.normal()),
                                   action="keep")
            r = r.model_copy(update={"condition": cond})
        elif u < 0.6:
            r = r.model_copy(update={"times_applied": r.times_applied + 3})  # counters are not content
        rules.append(r)
    start = len(rb.rules) + 1
    rules += [_rule(start + k, f"new {k}") for k in range(int(rng.integers(0, 3)))]
    return Rulebook(domain="D2", version=rb.version + 1, rules=rules)


def _content(rb: Rulebook) -> list[tuple]:
    return [(r.rule_id, r.text, r.kind, r.condition) for r in rb.active]


@pytest.mark.parametrize("seed", range(30))
def test_applying_the_diff_reaches_the_new_active_rules(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 10))
    old = Rulebook(domain="D2", version=3,
                   rules=[_rule(i, f"rule {i}", status="retired" if i % 5 == 0 else "active")
                          for i in range(1, n)])
    new = _mutate(old, rng)
    deltas = diff_rulebooks(old, new, rationale="test")
    got = old.apply(deltas, version=new.version)
    assert sorted(_content(got)) == sorted(_content(new))
    assert all(d.rationale == "test" for d in deltas)
    assert diff_rulebooks(new, new) == []


def test_each_kind_of_change_is_named():
    old = Rulebook(domain="D2", rules=[_rule(1, "a"), _rule(2, "b"), _rule(3, "c"), _rule(4, "d")])
    new = Rulebook(domain="D2", rules=[_rule(1, "a"), _rule(2, "b2"), _rule(3, "c", status="retired"),
                                       _rule(5, "e")])
    assert [(d.op, d.rule_id) for d in diff_rulebooks(old, new)] == [
        ("edit", "D2-r0002"), ("retire", "D2-r0003"), ("add", "D2-r0005"), ("retire", "D2-r0004")]

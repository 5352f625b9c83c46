"""Rulebook versions are parent + delta: add, edit (same id) and retire behave and validate."""

from __future__ import annotations

import pytest

from anomalyclaw.rulebook import PolicyCondition, Rule, Rulebook, RuleDelta


def _rule(rid: str, text: str) -> Rule:
    return Rule(rule_id=rid, text=text, kind="normal_variation", scope="D9")


def test_apply_add_edit_retire_keeps_ids_and_order():
    v0 = Rulebook(domain="D9", rules=[_rule("D9-r1", "a"), _rule("D9-r2", "b")])
    cond = PolicyCondition(target="candidate", feature="candidate.z", op="<", threshold=1.5, action="refute")
    v1 = v0.apply([
        RuleDelta(op="add", rule_id="D9-r3", rule=_rule("D9-r3", "c").model_copy(update={"condition": cond})),
        RuleDelta(op="edit", rule_id="D9-r1", rule=_rule("ignored-id", "a, sharpened")),
        RuleDelta(op="retire", rule_id="D9-r2"),
    ], version=1)
    assert (v1.version, v1.parent) == (1, 0)
    assert [r.rule_id for r in v1.rules] == ["D9-r1", "D9-r2", "D9-r3"]
    assert [r.rule_id for r in v1.active] == ["D9-r1", "D9-r3"]
    assert v1.rules[0].text == "a, sharpened"
    assert v1.render() == "1. a, sharpened\n2. c"
    assert v0.render() == "1. a\n2. b"  # the parent is untouched


@pytest.mark.parametrize("delta", [
    RuleDelta(op="add", rule_id="D9-r1", rule=_rule("D9-r1", "dup")),
    RuleDelta(op="edit", rule_id="nope", rule=_rule("nope", "x")),
    RuleDelta(op="retire", rule_id="nope"),
    RuleDelta(op="add", rule_id="D9-r9"),
])
def test_invalid_deltas_are_refused(delta):
    with pytest.raises(ValueError):
        Rulebook(domain="D9", rules=[_rule("D9-r1", "a")]).apply([delta], version=1)


def test_empty_rulebook_renders_placeholder():
    assert Rulebook(domain="D1").render() == "(no domain rules yet)"

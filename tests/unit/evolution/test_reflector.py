"""Reflectors: templates write policy rules from signals; the DSPy reflector survives bad answers."""

from __future__ import annotations

import os

import dspy
import pytest
from evo_fakes import FakeEngine, chat
from evo_synth import World, score

from anomalyclaw.rulebook import PolicyCondition, Rule, Rulebook, RuleDelta
from evolution.reflector import LMReflector, ReflectContext, TemplateConfig, TemplateReflector, make_reflector
from evolution.signals import collect

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
SEED = Rulebook(domain="D9", rules=[Rule(rule_id="D9-r0001", text="Skull edges are bright.", kind="seed",
                                         scope="D9")])


@pytest.fixture(scope="module")
def signals():
    return collect(score(World.make(60, seed=2), SEED))


def ctx(signals, rulebook=SEED, **kw) -> ReflectContext:
    return ReflectContext(description="Brain MRI slices.", rulebook=rulebook, signals=signals, round=1, **kw)


def test_template_writes_a_false_alarm_rule_with_a_label_free_threshold(signals):
    props = TemplateReflector().propose(ctx(signals))
    fa = [p for p in props if p.delta and p.delta.rule and p.delta.rule.kind == "normal_variation"]
    assert len(fa) == 1
    d = fa[0].delta
    assert d.op == "add" and d.rule_id == "D9-r0002"
    c = d.rule.condition
    assert (c.target, c.feature, c.op, c.action) == ("candidate", "candidate.z", "<", "refute")
    assert c.threshold == pytest.approx(signals.features["candidate.z"].split, abs=1e-3)
    assert fa[0].provenance.round == 1 and "recurring_false_alarms" in fa[0].provenance.signals
    assert fa[0].provenance.items  # ids kept for the store ...
    assert "D9_" not in d.rule.text  # ... never in what the model reads


def test_template_does_not_repeat_a_rejected_condition(signals):
    first = TemplateReflector().propose(ctx(signals))
    rejected = tuple(p.delta for p in first if p.delta)
    second = TemplateReflector().propose(ctx(signals, rejected=rejected))
    c1 = {p.delta.rule.condition for p in first if p.delta and p.delta.rule}
    c2 = {p.delta.rule.condition for p in second if p.delta and p.delta.rule}
    assert c2 and not (c1 & c2)


def test_template_edits_its_own_rule_and_retires_rules_that_never_fire(signals):
    cond = PolicyCondition(target="candidate", feature="candidate.z", op="<", threshold=0.1, action="refute")
    dead = PolicyCondition(target="item", feature="item.branch_gap", op=">=", threshold=9.0,
                           action="set_alpha", amount=0.9)
    book = SEED.apply([RuleDelta(op="add", rule_id="D9-r0005", rule=Rule(rule_id="D9-r0005", text="low z",
                       kind="normal_variation", scope="D9", condition=cond)),
                       RuleDelta(op="add", rule_id="D9-r0006", rule=Rule(rule_id="D9-r0006", text="gap",
                       kind="branch_trust", scope="D9", condition=dead))], version=1)
    props = TemplateReflector(TemplateConfig(max_new=1)).propose(ctx(signals, rulebook=book))
    ops = {(p.delta.op, p.delta.rule_id) for p in props}
    assert ("edit", "D9-r0005") in ops  # same condition family → threshold edit, not a twin rule
    assert ("retire", "D9-r0006") in ops  # never fired in this round's records


def test_template_leaves_unknown_features_alone(signals):
    props = TemplateReflector().propose(ctx(signals, features=frozenset({"item.other"})))
    assert props == []


def test_lm_reflector_parses_valid_drafts_and_rejects_bad_ones(signals):
    answer = chat([
        {"op": "add", "text": "Thin bright rims at the skull are normal.", "kind": "normal_variation",
         "rationale": "refuted often"},
        {"op": "edit", "rule_id": "D9-r0001", "text": "Skull edges are bright and thin.", "rationale": "x"},
        {"op": "retire", "rule_id": "D9-r0099", "rationale": "does not exist"},
        {"op": "add", "text": "", "kind": "anomaly_cue"},
        {"op": "add", "text": "x", "kind": "magic"},
    ])
    eng = FakeEngine(answer)
    lm = dspy.LM("fake/reflector", engine=eng, cache=False)
    props = LMReflector(lm, max_proposals=5).propose(ctx(signals))
    ok = [p for p in props if p.status == "proposed"]
    bad = [p for p in props if p.status == "rejected"]
    assert [(p.delta.op, p.delta.rule_id) for p in ok] == [("add", "D9-r0002"), ("edit", "D9-r0001")]
    assert ok[1].delta.rule.kind == "seed"
    assert len(bad) == 3 and "not an active rule" in bad[0].reason and bad[0].raw
    prompt = str(eng.requests[0])
    assert "Brain MRI" in prompt and "D9-r0001" in prompt and "D9_00" not in prompt


def test_malformed_lm_answer_becomes_a_rejected_proposal(signals):
    eng = FakeEngine("I think you should add more rules!", "still not JSON")
    props = LMReflector(dspy.LM("fake/reflector", engine=eng, cache=False)).propose(ctx(signals))
    assert len(props) == 1 and props[0].status == "rejected" and props[0].delta is None
    assert "unparseable" in props[0].reason and props[0].raw


def test_too_many_drafts_are_cut(signals):
    drafts = [{"op": "add", "text": f"Rule {i}.", "kind": "invariant"} for i in range(5)]
    props = LMReflector(dspy.LM("fake/r", engine=FakeEngine(chat(drafts)), cache=False)).propose(ctx(signals))
    assert sum(p.status == "proposed" for p in props) == 3
    assert len({p.delta.rule_id for p in props if p.delta}) == 3


def test_make_reflector_by_backend():
    assert isinstance(make_reflector("policy"), TemplateReflector)
    assert isinstance(make_reflector("openai-compatible"), LMReflector)


def test_templates_rotate_to_the_signal_rejected_least_often(signals):
    first = TemplateReflector().propose(ctx(signals))
    assert first[0].delta.rule.condition.feature == "candidate.z"
    after_one = TemplateReflector().propose(ctx(signals, rejected=(first[0].delta,)))
    assert after_one[0].delta.rule.condition.feature == "item.branch_gap"
    after_two = TemplateReflector().propose(ctx(signals, rejected=(first[0].delta, after_one[0].delta)))
    c = after_two[0].delta.rule.condition
    assert (c.feature, c.op, c.action) == ("item.consensus_z", "<", "shift_score") and c.amount < 0
    assert c.threshold == pytest.approx(signals.features["item.consensus_z"].split, abs=1e-3)
    assert "expert_consensus" in after_two[0].provenance.signals

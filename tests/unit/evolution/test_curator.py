"""Curator: validation against the rulebook, near-duplicate removal, the size cap."""

from __future__ import annotations

import numpy as np
import pytest
from evo_fakes import BagOfWords

from anomalyclaw.rulebook import PolicyCondition, Provenance, Rule, Rulebook, RuleDelta
from evolution.curator import Curator, MiniLMEmbedder
from evolution.reflector import Proposal
from evolution.signals import RuleUsage


def rule(i: int, text: str, kind="normal_variation", cond=None, rnd=1) -> Rule:
    return Rule(rule_id=f"D9-r{i:04d}", text=text, kind=kind, scope="D9", condition=cond,
                provenance=Provenance(round=rnd))


def add(r: Rule) -> Proposal:
    return Proposal(delta=RuleDelta(op="add", rule_id=r.rule_id, rule=r))


BOOK = Rulebook(domain="D9", version=3, rules=[
    rule(1, "Bright rims along the skull are normal anatomy.", kind="seed", rnd=0),
    rule(2, "Candidates with low z are normal.", cond=PolicyCondition(
        target="candidate", feature="candidate.z", op="<", threshold=1.0, action="refute")),
    rule(3, "An old retired rule.").model_copy(update={"status": "retired"}),
])


@pytest.fixture
def cur() -> Curator:
    return Curator(BagOfWords(), max_active=4, dup_threshold=0.8)


def test_invalid_deltas_are_rejected_with_reasons(cur):
    props = [
        add(rule(3, "Reusing a retired id.")),
        Proposal(delta=RuleDelta(op="retire", rule_id="D9-r0009")),
        Proposal(delta=RuleDelta(op="edit", rule_id="D9-r0001", rule=BOOK.rules[0])),
        add(rule(7, "Wrong scope.").model_copy(update={"scope": "D1"})),
        add(rule(8, "Alpha out of range.", kind="branch_trust", cond=PolicyCondition(
            target="item", feature="item.branch_gap", op=">=", threshold=0.2, action="set_alpha",
            amount=1.5))),
        Proposal(delta=RuleDelta(op="retire", rule_id="D9-r0002")),
        Proposal(delta=RuleDelta(op="retire", rule_id="D9-r0002")),
        Proposal(status="rejected", reason="unparseable reflector answer"),
    ]
    out = cur.curate(BOOK, props)
    reasons = [p.reason for p in out]
    assert [p.status for p in out] == ["rejected"] * 5 + ["proposed", "rejected", "rejected"]
    assert "id is taken" in reasons[0] and "not an active rule" in reasons[1]
    assert "changes nothing" in reasons[2] and "scope" in reasons[3] and "outside [0, 1]" in reasons[4]
    assert "changed twice" in reasons[6] and reasons[7] == "unparseable reflector answer"


def test_near_duplicates_and_condition_twins_are_dropped(cur):
    props = [
        add(rule(4, "Bright rims along the skull are normal anatomy here.")),
        add(rule(5, "Dark round lesions with a bright ring are anomalous.", kind="anomaly_cue")),
        add(rule(6, "Dark round lesions with a bright ring are anomalous!", kind="anomaly_cue")),
        add(rule(7, "Refute low-z candidates.", cond=PolicyCondition(
            target="candidate", feature="candidate.z", op="<", threshold=1.7, action="refute"))),
    ]
    out = cur.curate(BOOK, props)
    assert [p.status for p in out] == ["rejected", "proposed", "rejected", "rejected"]
    assert "near-duplicate of D9-r0001" in out[0].reason and "near-duplicate of D9-r0005" in out[2].reason
    assert "same condition as D9-r0002" in out[3].reason


def test_a_rule_being_edited_is_not_its_own_duplicate(cur):
    edited = BOOK.rules[1].model_copy(update={"condition": BOOK.rules[1].condition.model_copy(
        update={"threshold": 1.5})})
    out = cur.curate(BOOK, [Proposal(delta=RuleDelta(op="edit", rule_id="D9-r0002", rule=edited))])
    assert out[0].status == "proposed"


def test_cap_retires_least_applied_evolved_rules_never_seeds(cur):
    props = [add(rule(10 + i, f"Distinct rule number {w}.", kind="invariant"))
             for i, w in enumerate(["alpha", "beta", "gamma", "delta"])]
    out = cur.curate(BOOK, props, usage={"D9-r0002": RuleUsage(fired=0)})
    retired = [p for p in out if p.source == "curator"]
    assert [p.delta.rule_id for p in retired] == ["D9-r0002"]
    assert sum(p.status == "rejected" for p in out) == 1  # the newest add: only 1 evolved rule to retire
    after = BOOK.apply([p.delta for p in out if p.status == "proposed"], version=4)
    assert len(after.active) == cur.max_active and after.active[0].kind == "seed"


@pytest.mark.slow
def test_minilm_from_the_wheel_catches_paraphrases_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cur = Curator(MiniLMEmbedder(), max_active=10, dup_threshold=0.85)
    book = Rulebook(domain="D9", rules=[rule(1, "Bright thin rims along the skull border are normal anatomy.",
                                             kind="seed", rnd=0)])
    out = cur.curate(book, [
        add(rule(2, "Thin bright rims at the border of the skull are normal anatomy.")),
        add(rule(3, "A dark round region with a bright ring inside the brain is a lesion.",
                 kind="anomaly_cue")),
    ])
    assert [p.status for p in out] == ["rejected", "proposed"]
    v = MiniLMEmbedder().encode(["a", "b"])
    assert v.shape == (2, 384) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-4)

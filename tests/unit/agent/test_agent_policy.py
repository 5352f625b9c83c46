"""The agent end to end with the offline policy backend on a small real texture domain."""

import pytest
from sklearn.metrics import roc_auc_score

from anomalyclaw.agent import POLICY_FEATURES, Agent, AgentConfig
from anomalyclaw.agent._scoring import BANDS
from anomalyclaw.record import Record
from anomalyclaw.rulebook import PolicyCondition, Rule, Rulebook

pytestmark = pytest.mark.slow  # fits expert probes and scores every item four times


def _rulebook(*conds):
    rules = [Rule(rule_id="T1-r0001", text="Mortar lines are normal.", kind="seed", scope="T1")]
    for i, cond in enumerate(conds, 2):
        rules.append(
            Rule(
                rule_id=f"T1-r{i:04d}", text=f"rule {i}", kind="normal_variation", scope="T1", condition=cond
            )
        )
    return Rulebook(domain="T1", version=3, rules=rules)


def _score_all(domain, experts, rulebook):
    agent = Agent(AgentConfig(), rulebook, domain, experts=experts)
    return {it.item_id: agent.score(it) for it in domain.items}


@pytest.fixture(scope="module")
def baseline(brick_domain, brick_experts):
    return _score_all(brick_domain, brick_experts, _rulebook())


def test_every_item_gets_a_labelled_policy_record_without_ground_truth(baseline, brick_domain):
    assert set(baseline) == {i.item_id for i in brick_domain.items}
    for rec in baseline.values():
        assert rec.backend == "policy" and rec.model == "policy" and rec.rulebook_version == 3
        assert rec.label is None and "label_gt" not in rec.to_upstream()
        assert 0.0 <= rec.anomaly_score <= 1.0 and rec.error is None
        assert rec.anomaly_score == pytest.approx(0.5 * rec.direct_score + 0.5 * rec.refutation_score)
        assert rec.schema_version == 1 and rec.data_source == "proxy" and rec.split == "test"
        assert set(rec.timings) >= {"direct", "refutation", "total"}
        assert set(rec.model_extra["features"]) >= {"item.knn_z", "item.consensus_z", "item.n_candidates"}
        assert set(rec.model_extra["features"]) <= set(POLICY_FEATURES)
        assert Record.from_upstream(rec.to_upstream()).to_upstream() == rec.to_upstream()


def test_policy_scores_separate_painted_defects(baseline, brick_domain):
    labels = [brick_domain.truth[i].label for i in baseline]
    for attr in ("anomaly_score", "direct_score", "refutation_score"):
        assert roc_auc_score(labels, [getattr(r, attr) for r in baseline.values()]) >= 0.9, attr


def test_episode_trace_is_typed_per_turn(baseline):
    ran_tools = [r for r in baseline.values() if r.tools_used]
    assert ran_tools, "no episode called a tool"
    for rec in ran_tools:
        assert rec.n_turns == len(rec.history) <= 4
        executed = [t for t in rec.history if t["executed"]]
        assert [t["tool"] for t in executed] == rec.tools_used
        assert all(t["observation"] for t in executed)
        verdicts = [t["verdict"] for t in rec.history[1:] if t["verdict"]]
        assert verdicts and set(verdicts) <= {"found_in_ref", "not_found", "inconclusive"}
        band = {"found_in_ref": "refuted"}.get(verdicts[-1])
        if band and all(c["verdict"] == "found_in_ref" for c in rec.candidates):
            lo, hi = BANDS[band]
            assert lo <= rec.refutation_score <= hi


def test_a_candidate_rule_refutes_everything_and_is_counted(brick_domain, brick_experts, baseline):
    refute_all = PolicyCondition(
        target="candidate", feature="candidate.z", op=">=", threshold=-1e9, action="refute"
    )
    recs = _score_all(brick_domain, brick_experts, _rulebook(refute_all))
    tested = [r for r in recs.values() if r.tools_used]
    assert tested
    lo, hi = BANDS["refuted"]
    for rec in tested:
        assert "T1-r0002" in rec.rules_fired
        assert lo <= rec.refutation_score <= hi
    changed = [r for r in tested if "T1-r0002" in r.rules_changed_verdict]
    survived_before = [
        i for i, r in baseline.items() if any(c["verdict"] == "not_found" for c in r.candidates)
    ]
    assert survived_before and {r.item_id for r in changed} >= set(survived_before)


def test_unknown_feature_is_inert(brick_domain, brick_experts, baseline):
    assert "candidate.colour" not in POLICY_FEATURES
    odd = PolicyCondition(
        target="candidate", feature="candidate.colour", op=">", threshold=0, action="refute"
    )
    recs = _score_all(brick_domain, brick_experts, _rulebook(odd))
    for item_id, rec in recs.items():
        assert rec.rules_fired == [] and rec.anomaly_score == baseline[item_id].anomaly_score


def test_item_rule_shifts_the_fused_score(brick_domain, brick_experts, baseline):
    shift = PolicyCondition(
        target="item", feature="item.consensus_z", op=">", threshold=-1e9, action="shift_score", amount=0.25
    )
    recs = _score_all(brick_domain, brick_experts, _rulebook(shift))
    for item_id, rec in recs.items():
        assert "T1-r0002" in rec.rules_fired
        assert rec.anomaly_score == pytest.approx(min(1.0, baseline[item_id].anomaly_score + 0.25))
        crossed = baseline[item_id].anomaly_score < 0.5 <= rec.anomaly_score
        assert ("T1-r0002" in rec.rules_changed_verdict) == crossed

"""Machine-readable rule conditions: which fire, what they change, which stay inert."""

import pytest

from anomalyclaw.agent import POLICY_FEATURES
from anomalyclaw.agent._conditions import apply_candidate_rules, apply_item_rules, holds
from anomalyclaw.rulebook import PolicyCondition, Rule


def _rule(rid, target, feature, op, thr, action, amount=0.0, status="active"):
    cond = PolicyCondition(target=target, feature=feature, op=op, threshold=thr, action=action, amount=amount)
    return Rule(rule_id=rid, text=rid, kind="normal_variation", scope="D1", condition=cond, status=status)


@pytest.mark.parametrize(
    ("op", "value", "expected"), [(">", 2.0, False), (">=", 2.0, True), ("<", 1.9, True), ("<=", 2.1, False)]
)
def test_operators(op, value, expected):
    assert (
        holds(_rule("r", "candidate", "candidate.z", op, 2.0, "refute"), {"candidate.z": value}) is expected
    )


def test_unknown_missing_retired_or_textual_rules_never_fire():
    assert "candidate.hue" not in POLICY_FEATURES
    assert not holds(_rule("r", "candidate", "candidate.hue", ">", 0, "refute"), {"candidate.hue": 5.0})
    assert not holds(_rule("r", "candidate", "candidate.z", ">", 0, "refute"), {})
    assert not holds(
        _rule("r", "candidate", "candidate.z", ">", 0, "refute", status="retired"), {"candidate.z": 1}
    )
    plain = Rule(rule_id="t", text="Look at the edges.", kind="seed", scope="D1")
    assert apply_candidate_rules([plain], {"candidate.z": 9}, "not_found") == ("not_found", [], [])


def test_candidate_rules_apply_in_order_and_report_changes():
    small = _rule("small", "candidate", "candidate.area", "<", 0.01, "refute")
    hot = _rule("hot", "candidate", "candidate.z", ">", 8.0, "keep")
    feats = {"candidate.area": 0.005, "candidate.z": 9.0}
    verdict, fired, changed = apply_candidate_rules([small, hot], feats, "not_found")
    assert verdict == "not_found" and fired == ["small", "hot"] and changed == ["small", "hot"]
    verdict, fired, changed = apply_candidate_rules([hot, small], feats, "not_found")
    assert verdict == "found_in_ref" and fired == ["hot", "small"] and changed == ["small"]


def test_item_rules_set_alpha_before_shifting_and_flag_crossings():
    trust_direct = _rule("alpha", "item", "item.branch_gap", ">", 0.3, "set_alpha", amount=1.0)
    nudge = _rule("nudge", "item", "item.knn_z", ">", 4.0, "shift_score", amount=0.1)
    # order in the rulebook does not matter: set_alpha first, then shifts
    out = apply_item_rules([nudge, trust_direct], {"item.knn_z": 5.0}, direct=0.45, refutation=0.9, alpha=0.5)
    assert out.alpha == 1.0 and out.score == pytest.approx(0.55)
    # 0.675 → α = 1 gives 0.45 (crosses 0.5) → +0.1 gives 0.55 (crosses back)
    assert out.fired == ["alpha", "nudge"] and out.changed == ["alpha", "nudge"]
    one_branch = apply_item_rules([nudge], {"item.knn_z": 5.0}, direct=None, refutation=0.3, alpha=0.5)
    assert one_branch.score == pytest.approx(0.4) and one_branch.changed == []

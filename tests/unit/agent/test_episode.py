"""The refutation episode's control flow, driven through the real HTTP path by a scripted fake model."""

import pytest

from anomalyclaw.agent import Agent, AgentConfig
from anomalyclaw.agent._scoring import BANDS
from anomalyclaw.backends._decode import Prompt, decode
from anomalyclaw.testing import FakeOpenAI

CANDS = [
    {"name": "dark blotch", "location_hint": "centre", "box": [0.3, 0.3, 0.6, 0.6]},
    {"name": "thin line", "location_hint": "top left", "box": [0.0, 0.0, 0.3, 0.2]},
]


def _run(domain, experts, script, *, n=1, **cfg):
    with FakeOpenAI(script=script, retry_after=0.01, fail_always=cfg.pop("fail_always", None)) as fake:
        config = AgentConfig(
            backend="openai-compatible",
            model="hosted_vllm/fake-vlm",
            api_base=fake.base_url,
            logprobs=False,
            **cfg,
        )
        agent = Agent(config, "Mortar lines are normal.", domain, experts=experts)
        recs = [agent.score(item) for item in domain.items[-n:]]
        decoded = [decode(Prompt.from_openai(b["messages"])) for b in fake.bodies]
    return recs, decoded


def _by_signature(d, propose=None, step=None, direct=None):
    if "image_label" in d.outputs:
        return direct or {"image_label": "anomalous", "confidence": 0.8}
    if "candidates" in d.outputs:
        return propose
    return step


def test_last_turn_request_is_not_executed_and_final_answer_is_forced(brick_domain, brick_experts):
    propose = {
        "initial_score": 0.7,
        "candidates": CANDS,
        "refute_first": 2,
        "action": "use_tool",
        "tool": "region_zoom",
        "tool_args": {},
    }
    step = {
        "verdict": "inconclusive",
        "score": 0.5,
        "action": "use_tool",
        "next_candidate": 1,
        "tool": "side_by_side_compare",
        "tool_args": {"ref_indices": [0, 1]},
    }
    (rec,), decoded = _run(brick_domain, brick_experts, lambda d: _by_signature(d, propose, step))
    assert rec.n_turns == 4 and rec.model_extra["episode_end"] == "forced"
    executed = [t for t in rec.history if t["executed"]]
    assert len(executed) == 3 and rec.tools_used == [
        "region_zoom",
        "side_by_side_compare",
        "side_by_side_compare",
    ]
    assert rec.history[-1]["tool"] == "side_by_side_compare" and not rec.history[-1]["executed"]
    assert rec.history[0]["candidate"] == 2  # refute_first is honoured
    steps = [d for d in decoded if "verdict" in d.outputs]
    assert [d.text("turns_left") for d in steps] == ["2", "1", "0"]
    assert all(d.text("observation") for d in steps)
    assert all(len(d.images("observation_image")) == 1 for d in steps)  # both tools draw an image
    lo, hi = BANDS["mixed"]
    assert lo <= rec.refutation_score <= hi


def test_all_refuted_scores_in_the_low_band(brick_domain, brick_experts):
    propose = {
        "initial_score": 0.7,
        "candidates": CANDS[:1],
        "refute_first": 1,
        "action": "use_tool",
        "tool": "side_by_side_compare",
        "tool_args": {},
    }
    step = {"verdict": "found_in_ref", "score": 0.9, "action": "finish", "tool": "none"}
    (rec,), _ = _run(brick_domain, brick_experts, lambda d: _by_signature(d, propose, step))
    assert rec.refutation_score == BANDS["refuted"][1]  # 0.9 is pulled into 0.05-0.20
    assert rec.refutation_initial_score == 0.7 and rec.n_turns == 2
    assert rec.anomaly_score == pytest.approx(0.5 * rec.direct_score + 0.5 * rec.refutation_score)


def test_no_candidates_and_a_low_score_finish_on_turn_one(brick_domain, brick_experts):
    propose = {"initial_score": 0.1, "candidates": [], "refute_first": 0, "action": "finish", "tool": "none"}
    (rec,), decoded = _run(brick_domain, brick_experts, lambda d: _by_signature(d, propose))
    assert len(decoded) == 2 and rec.n_turns == 1 and rec.tools_used == []
    assert rec.refutation_score == pytest.approx(0.1)
    assert rec.model_extra["episode_end"] == "no_candidates"


def test_a_malformed_step_keeps_the_partial_episode(brick_domain, brick_experts):
    propose = {
        "initial_score": 0.35,
        "candidates": CANDS[:1],
        "refute_first": 1,
        "action": "use_tool",
        "tool": "region_zoom",
        "tool_args": {},
    }
    (rec,), _ = _run(brick_domain, brick_experts, lambda d: _by_signature(d, propose, "?? no fields"))
    assert rec.model_extra["episode_end"] == "error" and "AdapterParseError" in rec.history[-1]["error"]
    assert rec.refutation_score == pytest.approx(0.35) and rec.error is None


def test_a_failed_refutation_falls_back_to_direct_alone(brick_domain, brick_experts):
    (rec,), _ = _run(brick_domain, brick_experts, lambda d: _by_signature(d, "garbage", "garbage"))
    assert rec.refutation_score is None and "AdapterParseError" in rec.error
    assert rec.anomaly_score == rec.direct_score == pytest.approx(0.8)
    assert rec.model_extra["fusion_flag"] == "direct_only"


def test_persistent_server_failure_gives_an_error_record(brick_domain, brick_experts):
    (rec,), decoded = _run(brick_domain, brick_experts, None, fail_always=500, retries=1)
    assert rec.anomaly_score is None and rec.error.startswith("both branches failed")
    assert rec.model_extra["fusion_flag"] == "both_failed" and rec.model_extra["attempts"] == {
        "server_error": 4
    }


def test_each_branch_sees_its_reference_count(brick_domain, brick_experts):
    propose = {"initial_score": 0.1, "candidates": [], "action": "finish", "tool": "none"}
    _, decoded = _run(
        brick_domain, brick_experts, lambda d: _by_signature(d, propose), n_refs_direct=2, n_refs_refutation=3
    )
    direct, prop = decoded
    assert len(direct.images("references")) == 2 and len(prop.images("references")) == 3
    assert len(direct.images("query")) == len(prop.images("query")) == 1
    assert prop.text("domain") == brick_domain.spec.description
    assert "Mortar lines are normal." in prop.text("rulebook")

"""The on-disk model-call cache: a repeated call reaches no server; anything that decides the
answer (images, rulebook, model, settings) is part of the key; failures are never cached."""

import pytest

from anomalyclaw.agent import Agent, AgentConfig
from anomalyclaw.agent._call_cache import CallCache
from anomalyclaw.testing import FakeOpenAI

pytestmark = pytest.mark.slow  # runs real episodes with tools

CANDS = [{"name": "spot", "box": [0.2, 0.2, 0.5, 0.5]}]


def script(d):
    if "candidates" in d.outputs:
        return {"initial_score": 0.6, "candidates": CANDS, "refute_first": 1, "action": "use_tool",
                "tool": "region_zoom", "tool_args": {}}
    if "verdict" in d.outputs:
        return {"verdict": "not_found", "score": 0.8, "action": "finish", "tool": "none"}
    return {"image_label": "anomalous", "confidence": 0.9}


def _score(fake, domain, experts, cache_dir, rulebook="Mortar lines are normal.", **cfg):
    config = AgentConfig(backend="openai-compatible", model=cfg.pop("model", "hosted_vllm/m"),
                         api_base=fake.base_url, logprobs=False, n_refs_refutation=2,
                         call_cache=cache_dir, **cfg)
    agent = Agent(config, rulebook, domain, experts=experts)
    before = fake.requests
    recs = [agent.score(item) for item in domain.items[:2]]
    return recs, fake.requests - before, agent.caller.stats.snapshot()


def _scores(recs):
    return [(r.direct_score, r.refutation_score, r.anomaly_score, r.tools_used) for r in recs]


def test_a_repeated_run_makes_no_model_call_and_gives_the_same_records(brick_domain, brick_experts, tmp_path):
    with FakeOpenAI(script=script) as fake:
        first, n_first, _ = _score(fake, brick_domain, brick_experts, tmp_path)
        again, n_again, stats = _score(fake, brick_domain, brick_experts, tmp_path)
    assert n_first == 2 * 3  # Direct, proposal, one refutation step per item
    assert n_again == 0 and stats["cache_hits"] == stats["calls"] == 6
    assert _scores(again) == _scores(first)


@pytest.mark.parametrize("change", [
    {"rulebook": "Mortar lines are normal. Chipped corners are defects."},
    {"model": "hosted_vllm/other"},
    {"temperature": 0.7},
    {"max_tokens": 512},
])
def test_what_decides_an_answer_is_in_the_key(brick_domain, brick_experts, tmp_path, change):
    with FakeOpenAI(script=script) as fake:
        _score(fake, brick_domain, brick_experts, tmp_path)
        _, n_changed, stats = _score(fake, brick_domain, brick_experts, tmp_path, **change)
    assert n_changed == 6 and stats.get("cache_hits", 0) == 0


def test_no_cache_reaches_the_model_every_time(brick_domain, brick_experts):
    with FakeOpenAI(script=script) as fake:
        _, n1, _ = _score(fake, brick_domain, brick_experts, None)
        _, n2, _ = _score(fake, brick_domain, brick_experts, None)
    assert n1 == n2 == 6


def test_failed_answers_are_not_cached(brick_domain, brick_experts, tmp_path):
    with FakeOpenAI(answer="this is not the format you asked for") as fake:
        recs, n1, _ = _score(fake, brick_domain, brick_experts, tmp_path, retries=0)
        _, n2, stats = _score(fake, brick_domain, brick_experts, tmp_path, retries=0)
    assert all(r.direct_error for r in recs)
    assert n1 > 0 and n2 == n1 and stats.get("cache_hits", 0) == 0
    assert not list(tmp_path.rglob("*.pkl"))


def test_a_damaged_entry_is_a_miss_and_is_replaced(brick_domain, brick_experts, tmp_path):
    with FakeOpenAI(script=script) as fake:
        first, _, _ = _score(fake, brick_domain, brick_experts, tmp_path)
        entries = sorted(tmp_path.rglob("*.pkl"))
        entries[0].write_bytes(b"\x80\x05 truncated")
        again, n_again, _ = _score(fake, brick_domain, brick_experts, tmp_path)
    assert n_again == 1 and _scores(again) == _scores(first)
    assert CallCache(tmp_path).get(entries[0].stem) is not None


def test_probes_fitted_on_other_normals_do_not_share_answers(brick_domain, brick_experts, tmp_path):
    """The offline policy answers from the fitted probes, so they are part of the key."""
    from anomalyclaw.agent import fit_experts

    fewer = brick_domain.model_copy(update={"normal_pool": brick_domain.normal_pool[:-2]})
    other = fit_experts(fewer, cache_dir=tmp_path / "idx", device="cpu")
    assert other.key != brick_experts.key

    def stats(experts):
        agent = Agent(AgentConfig(call_cache=tmp_path / "calls"), "Mortar lines are normal.", brick_domain,
                      experts=experts)
        recs = [agent.score(i) for i in brick_domain.items[:2]]
        return recs, agent.caller.stats.snapshot()

    _, first = stats(brick_experts)
    _, same = stats(brick_experts)
    _, changed = stats(other)
    assert first.get("cache_hits", 0) == 0 and same["cache_hits"] == same["calls"]
    assert changed.get("cache_hits", 0) == 0

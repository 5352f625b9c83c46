"""Failure accounting from real records: a fake server that answers garbage, rate-limits, hangs."""

import pytest

from anomalyclaw.agent import Agent, AgentConfig
from anomalyclaw.testing import FakeOpenAI
from eval.failures import branch_failures, failure_stats

pytestmark = pytest.mark.slow  # real episodes against a local HTTP server


def _records(fake, domain, experts, **cfg):
    config = AgentConfig(backend="openai-compatible", model="hosted_vllm/m", api_base=fake.base_url,
                         logprobs=False, n_refs_refutation=2, **cfg)
    agent = Agent(config, "Mortar lines are normal.", domain, experts=experts)
    return [agent.score(item) for item in domain.items]


def test_garbage_answers_are_malformed_and_fall_back(brick_domain, brick_experts):
    with FakeOpenAI(answer="no fields here at all") as fake:
        recs = _records(fake, brick_domain, brick_experts, retries=0)
    direct, refut = failure_stats(recs)
    assert direct.malformed_rate == 1.0 and direct.fallback_rate == 1.0 and direct.calls == len(recs)
    assert refut.malformed_rate == 1.0 and refut.fallback_rate == 1.0
    assert direct.over(0.2) and "malformed 100%" in direct.over(0.2)
    assert direct.degenerate  # every fallback scores 0.5: one constant value


def test_retried_rate_limits_are_counted_and_harmless(brick_domain, brick_experts):
    with FakeOpenAI(faults=[429, 503, 429], retry_after=0.01) as fake:
        recs = _records(fake, brick_domain, brick_experts, retries=3)
    stats = failure_stats(recs)
    assert sum(f.retries for f in stats) == 3
    assert all(f.malformed_rate == 0 and f.fallback_rate == 0 for f in stats)


def test_a_hanging_server_counts_timeouts(brick_domain, brick_experts):
    with FakeOpenAI(faults=[0], hang_s=2.0) as fake:
        recs = _records(fake, brick_domain, brick_experts, retries=1, timeout_s=0.5)
    assert sum(f.timeouts for f in failure_stats(recs)) >= 1


def test_clean_run_has_nothing_over_the_bound(brick_domain, brick_experts):
    recs = [Agent(AgentConfig(), "Mortar lines are normal.", brick_domain, experts=brick_experts).score(i)
            for i in brick_domain.items]
    direct = branch_failures(recs, "direct")
    assert direct.calls == len(recs) and direct.over(0.2) == [] and not direct.degenerate

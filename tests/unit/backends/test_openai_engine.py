"""The openai-compatible backend against the shipped fake server on 127.0.0.1.

Covers canned answers, Logprob-Direct, 429/5xx then success (DSPy's retries), timeouts,
malformed answers (recorded 0.5 fallback), persistent failure, and the in-flight bound.
"""

import threading

import httpx
import pytest
from dspy.lm15 import ContextLengthError, InvalidRequestError

from anomalyclaw.agent._calls import ModelCaller
from anomalyclaw.agent._config import AgentConfig
from anomalyclaw.agent._direct import DirectBranch
from anomalyclaw.backends import make_backend
from anomalyclaw.backends._openai import OpenAICompatEngine
from anomalyclaw.errors import InputError
from anomalyclaw.testing import FakeOpenAI


def _direct(fake, images, **cfg):
    config = AgentConfig(
        backend="openai-compatible", model="hosted_vllm/fake-vlm", api_base=fake.base_url, **cfg
    )
    backend = make_backend(config)
    q, r1, r2 = images
    caller = ModelCaller(backend)
    return caller.stats, DirectBranch(caller)(
        domain="Road scenes.", rulebook="(no rules)", references=[r1, r2], query=q
    )


def test_canned_answer_gives_a_logprob_score_and_sends_pixels(images):
    with FakeOpenAI(overrides={"image_label": "anomalous", "confidence": 0.9}, p_anomalous=0.73) as fake:
        stats, res = _direct(fake, images)
        body = fake.bodies[0]
    assert res.path == "logprob" and res.score == pytest.approx(0.73)
    assert res.verbal_score == pytest.approx(0.9) and res.error is None
    assert body["model"] == "fake-vlm" and body["logprobs"] is True and body["max_tokens"] > 0
    urls = [
        c["image_url"]["url"]
        for m in body["messages"]
        if isinstance(m["content"], list)
        for c in m["content"]
        if c["type"] == "image_url"
    ]
    assert len(urls) == 3 and all(u.startswith("data:image/png;base64,") for u in urls)


def test_without_logprobs_the_verbal_mapping_is_used(images):
    with FakeOpenAI(overrides={"image_label": "normal", "confidence": 0.8}) as fake:
        stats, res = _direct(fake, images, logprobs=False)
        assert "logprobs" not in fake.bodies[0]
    assert res.path == "verbal" and res.score == pytest.approx(0.2)


def test_rate_limit_and_server_error_are_retried_then_succeed(images):
    with FakeOpenAI(
        overrides={"image_label": "anomalous", "confidence": 0.6}, faults=[429, 503], retry_after=0.01
    ) as fake:
        stats, res = _direct(fake, images, retries=3, logprobs=False)
        assert fake.statuses == [429, 503, 200]
    assert res.score == pytest.approx(0.6)
    assert res.attempts == {"rate_limited": 1, "server_error": 1, "ok": 1}
    stats = stats.snapshot()
    assert stats["calls.DirectInspection"] == 1 and stats["ok"] == 1 and stats["attempts.rate_limited"] == 1


def test_a_timeout_is_retried(images):
    with FakeOpenAI(faults=[0], hang_s=1.0, retry_after=0.01) as fake:
        stats, res = _direct(fake, images, timeout_s=0.3, retries=2, logprobs=False)
    assert res.attempts.get("timeout") == 1 and res.attempts.get("ok") == 1
    assert res.error is None


def test_malformed_answer_is_a_recorded_fallback(images):
    with FakeOpenAI(answer="I think it might be fine, hard to say.") as fake:
        stats, res = _direct(fake, images)
        assert fake.requests == 2  # ChatAdapter, then DSPy's JSONAdapter fallback
    assert res.path == "fallback" and res.score == 0.5
    assert "AdapterParseError" in res.error


def test_persistent_failure_fails_the_branch_after_the_retries(images):
    with FakeOpenAI(fail_always=500, retry_after=0.01) as fake:
        stats, res = _direct(fake, images, retries=2)
        assert fake.requests == 3
    assert res.score is None and "server error" in res.error
    assert res.attempts == {"server_error": 3}


def test_in_flight_requests_are_bounded_by_the_engine():
    with FakeOpenAI(delay_s=0.05) as fake:
        engine = OpenAICompatEngine("hosted_vllm/fake-vlm", fake.base_url, max_in_flight=2)
        body = {"model": "fake-vlm", "messages": [{"role": "user", "content": "hi"}]}

        def post():
            with engine._gate:
                engine._client.post(engine.url, json=body)

        threads = [threading.Thread(target=post) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert fake.requests == 8 and fake.max_in_flight == 2


def test_error_statuses_map_to_typed_errors():
    engine = OpenAICompatEngine("hosted_vllm/m", "http://127.0.0.1:9/v1")
    with pytest.raises(ContextLengthError):
        engine._read(httpx.Response(400, text="This model's maximum context length is 4096 tokens"))
    with pytest.raises(InvalidRequestError):
        engine._read(httpx.Response(400, text="unknown field"))
    assert engine.counter.totals() == {"context_overflow": 1, "bad_request": 1}


def test_model_prefixes_and_keys(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANOMALYCLAW_API_KEY", raising=False)
    with pytest.raises(InputError, match="API key"):
        OpenAICompatEngine("openai/gpt-4o-mini", None)
    with pytest.raises(InputError, match="hosted_vllm/ or openai/"):
        OpenAICompatEngine("anthropic/claude", "http://x/v1")
    with pytest.raises(InputError, match="api-base"):
        OpenAICompatEngine("hosted_vllm/m", None)
    monkeypatch.setenv("ANOMALYCLAW_API_KEY", "sk-test")
    engine = OpenAICompatEngine("openai/gpt-4o-mini", None)
    assert engine._client.headers["Authorization"] == "Bearer sk-test"
    assert engine.url == "https://api.openai.com/v1/chat/completions"

"""The hf backend on a tiny randomly initialised LLaVA built offline in the test."""

import pytest

from anomalyclaw.agent._calls import ModelCaller
from anomalyclaw.agent._config import AgentConfig
from anomalyclaw.agent._direct import DirectBranch
from anomalyclaw.backends import make_backend
from anomalyclaw.errors import InputError
from anomalyclaw.testing.tiny_vlm import build_tiny_vlm

pytestmark = pytest.mark.slow  # importing transformers and building the model takes ~10 s cold


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return build_tiny_vlm(tmp_path_factory.mktemp("tiny_vlm"))


def test_random_vlm_runs_and_its_output_falls_back_cleanly(tiny_dir, images):
    backend = make_backend(AgentConfig(backend="hf", model=str(tiny_dir), max_tokens=24))
    q, r1, r2 = images
    res = DirectBranch(ModelCaller(backend))(
        domain="Texture samples.", rulebook="(no rules)", references=[r1, r2], query=q
    )
    # Random weights write random bytes: the answer does not parse, and that is recorded.
    assert res.path == "fallback" and res.score == 0.5 and "AdapterParseError" in res.error
    assert backend.counter.totals()["ok"] == 2  # ChatAdapter try + JSONAdapter try, both generated


def test_engine_returns_token_logprobs(tiny_dir):
    from dspy.lm15 import Config, Message, Request

    from anomalyclaw.backends._hf import HFEngine

    engine = HFEngine(tiny_dir, max_new_tokens=6)
    resp = engine.complete(
        Request(model="hf/x", messages=(Message.user("hello"),), config=Config(max_tokens=6, logprobs=3))
    )
    assert resp.usage.output_tokens == len(resp.logprobs) > 0
    for step in resp.logprobs:
        assert len(step.top) == 3 and step.top[0].logprob >= step.logprob - 1e-6


def test_missing_model_directory_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="config.json"):
        make_backend(AgentConfig(backend="hf", model=str(tmp_path)))

"""``python -m anomalyclaw.preflight`` against the local fake server, set up to fail each check in turn."""

import socket

import pytest

from anomalyclaw.preflight import main, run_checks
from anomalyclaw.testing import FakeOpenAI

CHECKS = ("model listed", "image input", "thinking mode off", "logprobs", "structured output")
GOOD = {"overrides": {"image_label": "normal", "confidence": 0.9}}


def _verdicts(fake, model="hosted_vllm/fake-vlm"):
    results = run_checks(fake.base_url, model, timeout_s=10)
    assert [r.name for r in results] == list(CHECKS)
    return {r.name: r for r in results}


def test_a_good_server_passes_everything(capsys):
    with FakeOpenAI(**GOOD) as fake:
        assert all(r.ok for r in _verdicts(fake).values())
        assert main(["--base-url", fake.base_url, "--model", "fake-vlm"]) == 0
    assert "all passed" in capsys.readouterr().out


@pytest.mark.parametrize(("setup", "failing", "fix_says"), [
    ({"model": "another-vlm"}, {"model listed"}, "--model hosted_vllm/another-vlm"),
    ({"list_models": False}, {"model listed"}, "/v1 endpoint"),
    ({"reject_images": True}, {"image input", "structured output"}, "vision-language model"),
    ({"thinking": True}, {"thinking mode off"}, "--reasoning-parser"),
    ({"no_logprobs": True}, {"logprobs"}, "--no-logprobs"),
    ({"answer": "Sure! It looks fine to me."}, {"structured output"}, "[[ ## field ## ]]"),
])
def test_each_failure_is_named_with_its_fix(setup, failing, fix_says):
    with FakeOpenAI(**{**GOOD, **setup}) as fake:
        got = _verdicts(fake)
        code = main(["--base-url", fake.base_url, "--model", "hosted_vllm/fake-vlm"])
    assert {n for n, r in got.items() if not r.ok} == failing and code == 1
    first = got[sorted(failing, key=CHECKS.index)[0]]
    assert fix_says in first.fix


def test_an_unreachable_server_fails_fast_and_skips_the_rest():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    results = run_checks(f"http://127.0.0.1:{port}/v1", "fake-vlm", timeout_s=2)
    assert not any(r.ok for r in results) and "cannot reach" in results[0].detail
    assert all(r.detail.startswith("skipped") for r in results[1:])


def test_a_bad_url_is_an_input_error(capsys):
    assert main(["--base-url", "127.0.0.1:8000", "--model", "m"]) == 2
    assert "not an http(s) URL" in capsys.readouterr().err

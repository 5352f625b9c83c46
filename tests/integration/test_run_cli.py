"""``python -m anomalyclaw.run`` end to end on proxy domains: policy, fake server, tiny hf VLM."""

import json
import subprocess
import sys

import pytest

from anomalyclaw.run import main
from anomalyclaw.testing import FakeOpenAI

pytestmark = pytest.mark.slow  # generates proxy domains and fits expert probes


def _records(out, code):
    return json.loads((out / f"{code}.json").read_text())


def test_policy_run_writes_records_and_resumes(tmp_path, monkeypatch):
    monkeypatch.setenv("ANOMALYCLAW_HOME", str(tmp_path / "home"))
    out = tmp_path / "out"
    args = [
        "--domain",
        "D1,D9",
        "--split",
        "test",
        "--backend",
        "policy",
        "--data",
        "proxy",
        "--limit",
        "6",
        "--out",
        str(out),
        "--max-in-flight",
        "2",
    ]
    assert main(args) == 0
    for code in ("D1", "D9"):
        recs = _records(out, code)
        assert len(recs) == 6
        assert {r["backend"] for r in recs} == {"policy"} and {r["data_source"] for r in recs} == {"proxy"}
        assert all(0 <= r["anomaly_score"] <= 1 and r["label_gt"] in (0, 1) for r in recs)
        assert all("v9_score" in r and "direct_score" in r and r["rulebook_version"] == 0 for r in recs)
    journal_before = (out / "D1.records.jsonl").read_text()
    assert main(args) == 0  # resume: nothing left to score
    assert (out / "D1.records.jsonl").read_text() == journal_before


def test_openai_compatible_run_against_the_fake_server(tmp_path, monkeypatch):
    monkeypatch.setenv("ANOMALYCLAW_HOME", str(tmp_path / "home"))
    out = tmp_path / "out"
    with FakeOpenAI(
        overrides={"image_label": "anomalous", "confidence": 0.9}, faults=[429], retry_after=0.01
    ) as fake:
        code = main(
            [
                "--domain",
                "D9",
                "--backend",
                "openai-compatible",
                "--model",
                "hosted_vllm/fake-vlm",
                "--api-base",
                fake.base_url,
                "--data",
                "proxy",
                "--limit",
                "4",
                "--out",
                str(out),
            ]
        )
        n_requests = fake.requests
    assert code == 0 and n_requests >= 4 * 2 + 1
    recs = _records(out, "D9")
    assert {r["backend"] for r in recs} == {"openai-compatible"} and {r["model"] for r in recs} == {
        "hosted_vllm/fake-vlm"
    }
    assert {r["direct_path"] for r in recs} == {"logprob"}


def test_hf_run_with_a_tiny_random_vlm(tmp_path, monkeypatch):
    from anomalyclaw.testing.tiny_vlm import build_tiny_vlm

    monkeypatch.setenv("ANOMALYCLAW_HOME", str(tmp_path / "home"))
    model_dir = build_tiny_vlm(tmp_path / "vlm")
    out = tmp_path / "out"
    assert (
        main(
            [
                "--domain",
                "D9",
                "--backend",
                "hf",
                "--model",
                str(model_dir),
                "--data",
                "proxy",
                "--limit",
                "2",
                "--max-tokens",
                "16",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    recs = _records(out, "D9")
    assert len(recs) == 2 and {r["backend"] for r in recs} == {"hf"}
    assert all(r["direct_path"] == "fallback" and r["direct_score"] == 0.5 for r in recs)


@pytest.mark.parametrize(
    "argv",
    [
        ["--domain", "D99"],
        ["--domain", "D9", "--backend", "openai-compatible"],
        ["--domain", "D9", "--backend", "openai-compatible", "--model", "gpt-4o"],
    ],
)
def test_bad_input_exits_2_with_one_line(argv):
    proc = subprocess.run(
        [sys.executable, "-m", "anomalyclaw.run", *argv], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "error:" in proc.stderr

"""``python -m anomalyclaw.run`` end to end on a proxy domain: policy, fake server, tiny hf VLM.

Proxy images and expert indexes are content-keyed caches shared with other runs; the run store
is a temporary SQLite file per test.
"""

import json
import subprocess
import sys

import pytest

from anomalyclaw.run import main
from anomalyclaw.testing import FakeOpenAI

pytestmark = pytest.mark.slow  # generates a proxy domain and fits expert probes (cached after the first run)

QUICK = ["--domain", "D9", "--data", "proxy", "--max-normals", "8", "--split", "test"]


@pytest.fixture(autouse=True)
def _temp_store(tmp_path, monkeypatch):
    monkeypatch.setenv("ANOMALYCLAW_DB_URL", f"sqlite:///{tmp_path / 'runs.db'}")


def _records(out):
    return json.loads((out / "D9.json").read_text())


def test_policy_run_writes_records_to_json_and_store_and_resumes(tmp_path):
    from db import Store

    out = tmp_path / "out"
    args = [*QUICK, "--backend", "policy", "--limit", "4", "--out", str(out), "--max-in-flight", "2"]
    assert main(args) == 0
    recs = _records(out)
    assert len(recs) == 4 and {r["backend"] for r in recs} == {"policy"}
    assert {r["data_source"] for r in recs} == {"proxy"} and {r["rulebook_version"] for r in recs} == {0}
    assert all(0 <= r["anomaly_score"] <= 1 and r["label_gt"] in (0, 1) for r in recs)
    assert all("v9_score" in r and "direct_score" in r and r["history"] for r in recs)
    (run,) = Store().runs("D9")
    assert run.status == "finished" and {r.item_id for r in Store().records(run.run_id)} == {
        r["item_id"] for r in recs
    }
    journal = (out / "D9.records.jsonl").read_text()
    assert main(args) == 0  # resume: nothing left to score
    assert (out / "D9.records.jsonl").read_text() == journal


def test_openai_compatible_run_against_the_fake_server(tmp_path):
    out = tmp_path / "out"
    with FakeOpenAI(
        overrides={"image_label": "anomalous", "confidence": 0.9}, faults=[429], retry_after=0.01
    ) as fake:
        code = main(
            [
                *QUICK,
                "--backend",
                "openai-compatible",
                "--model",
                "hosted_vllm/fake-vlm",
                "--api-base",
                fake.base_url,
                "--limit",
                "3",
                "--out",
                str(out),
                "--no-store",
                "--no-threshold",  # this test counts requests: no held-out normals to score
            ]
        )
        n_requests = fake.requests
    assert code == 0 and n_requests == 3 * 2 + 1  # Direct + turn 1 (no candidates) per item, one 429 retried
    recs = _records(out)
    assert {r["backend"] for r in recs} == {"openai-compatible"} and {r["model"] for r in recs} == {
        "hosted_vllm/fake-vlm"
    }
    assert {r["direct_path"] for r in recs} == {"logprob"}


def test_hf_run_with_a_tiny_random_vlm(tmp_path):
    from anomalyclaw.testing.tiny_vlm import build_tiny_vlm

    model_dir = build_tiny_vlm(tmp_path / "vlm")
    out = tmp_path / "out"
    assert (
        main(
            [
                *QUICK,
                "--backend",
                "hf",
                "--model",
                str(model_dir),
                "--limit",
                "1",
                "--max-tokens",
                "16",
                "--out",
                str(out),
                "--no-store",
            ]
        )
        == 0
    )
    recs = _records(out)
    assert len(recs) == 1 and {r["backend"] for r in recs} == {"hf"}
    assert all(r["direct_path"] == "fallback" and r["direct_score"] == 0.5 for r in recs)


@pytest.mark.parametrize(
    "argv",
    [
        ["--domain", "D99"],
        ["--domain", "D9", "--backend", "openai-compatible"],
        ["--domain", "D9", "--backend", "openai-compatible", "--model", "gpt-4o"],
        ["--domain", "D9", "--max-turns", "0"],
    ],
)
def test_bad_input_exits_2_with_one_line(argv):
    proc = subprocess.run(
        [sys.executable, "-m", "anomalyclaw.run", *argv, "--no-store"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "error:" in proc.stderr


def test_a_second_run_of_the_same_items_is_served_from_the_call_cache(tmp_path):
    def run(out, *extra):
        return main([*QUICK, "--backend", "openai-compatible", "--model", "hosted_vllm/fake-vlm",
                     "--api-base", fake.base_url, "--limit", "3", "--out", str(out), "--no-store",
                     "--no-threshold", *extra])

    with FakeOpenAI(overrides={"image_label": "anomalous", "confidence": 0.9}) as fake:
        assert run(tmp_path / "first") == 0
        first = fake.requests
        assert run(tmp_path / "second") == 0  # a new run (new out folder), not a resume
        cached = fake.requests - first
        assert run(tmp_path / "third", "--no-cache") == 0
        uncached = fake.requests - first - cached
    assert first == 3 * 2 and cached == 0 and uncached == first
    def scores(folder):
        return sorted((r["item_id"], r["anomaly_score"]) for r in _records(tmp_path / folder))

    assert scores("first") == scores("second")


def test_a_misbehaving_model_is_reported_beside_auroc(tmp_path, capsys):
    with FakeOpenAI(answer="no fields here at all") as fake:
        code = main([*QUICK, "--backend", "openai-compatible", "--model", "hosted_vllm/fake-vlm",
                     "--api-base", fake.base_url, "--limit", "3", "--out", str(tmp_path / "o"), "--no-store",
                     "--no-threshold", "--retries", "0"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 0  # a fallback score is still a score
    assert "model failures per branch" in err
    assert "direct (hosted_vllm/fake-vlm): malformed 100%, fallback 100%" in err and "20% bound" in err

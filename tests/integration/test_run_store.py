"""``python -m anomalyclaw.run`` and the run store: config columns, resume from the store,
``--rulebook-version``, ``--no-db`` (a tiny generated gravel domain stands in for D9)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import anomalyclaw.data
from anomalyclaw.run import main
from db import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "evolution"))
from evo_domain import build  # noqa: E402

pytestmark = pytest.mark.slow  # fits expert probes on 8 normals


def test_store_resume_and_rulebook_version(tmp_path, monkeypatch):
    dom = build(tmp_path / "dom", n_pool=8, per_split=3, code="D9")
    monkeypatch.setattr(anomalyclaw.data, "load_domain", lambda code, **kw: dom)
    monkeypatch.setenv("ANOMALYCLAW_HOME", str(tmp_path / "home"))
    url = f"sqlite:///{tmp_path / 's.db'}"
    base = ["--domain", "D9", "--limit", "4", "--db", url, "--rulebook-version", "0",
            "--out", str(tmp_path / "a")]
    assert main(base) == 0
    (run,) = Store(url).runs("D9")
    assert (run.split, run.backend, run.rulebook_version) == ("test", "policy", 0)
    assert run.data_source == dom.spec.data_source and run.config["purpose"] == "eval"
    assert run.n_records == 4 and run.status == "finished"
    assert all(r.label in (0, 1) for r in Store(url).records(run.run_id))
    journal = (tmp_path / "a" / "D9.records.jsonl").read_text()
    assert main(base) == 0  # the same run id: resumed, nothing left to score
    assert [r.n_records for r in Store(url).runs("D9")] == [4]
    assert (tmp_path / "a" / "D9.records.jsonl").read_text() == journal
    assert main([*base, "--rulebook-version", "7"]) == 2  # no such version: one-line error
    assert main(["--domain", "D9", "--limit", "2", "--no-db", "--out", str(tmp_path / "c")]) == 0
    assert len(Store(url).runs("D9")) == 1

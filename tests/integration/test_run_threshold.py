"""``anomalyclaw.run --fpr``: a threshold from held-out normals, stored per rulebook version,
applied to records after fusion; changing the target changes decisions, never scores."""

import json

import pytest

from anomalyclaw.run import main

pytestmark = pytest.mark.slow  # proxy D9, expert fits

QUICK = ["--domain", "D9", "--data", "proxy", "--max-normals", "12", "--calib-normals", "12", "--limit", "12",
         "--no-wandb"]


@pytest.fixture(autouse=True)
def _temp_store(tmp_path, monkeypatch):
    monkeypatch.setenv("ANOMALYCLAW_DB_URL", f"sqlite:///{tmp_path / 'runs.db'}")


def _recs(out):
    return {r["item_id"]: r for r in json.loads((out / "D9.json").read_text())}


def test_changing_the_target_fpr_changes_decisions_not_scores(tmp_path):
    from db import Store

    assert main([*QUICK, "--fpr", "0.01", "--out", str(tmp_path / "strict")]) == 0
    assert main([*QUICK, "--fpr", "0.5", "--out", str(tmp_path / "lax")]) == 0
    strict, lax = _recs(tmp_path / "strict"), _recs(tmp_path / "lax")
    def scores(recs):
        return {i: r["anomaly_score"] for i, r in recs.items()}

    assert scores(strict) == scores(lax)
    (t_strict,), (t_lax,) = {r["threshold"] for r in strict.values()}, {r["threshold"] for r in lax.values()}
    assert t_strict > t_lax
    for recs, t in ((strict, t_strict), (lax, t_lax)):
        for r in recs.values():
            assert r["decision"] == ("anomalous" if r["anomaly_score"] > t else "normal")
    assert sum(r["decision"] == "anomalous" for r in lax.values()) > sum(
        r["decision"] == "anomalous" for r in strict.values())
    ops = Store().operating_points("D9")
    assert [(o.version, o.fpr, o.n_normals) for o in ops] == [(0, 0.01, 12), (0, 0.5, 12)]
    assert ops[0].threshold == pytest.approx(max(ops[0].evidence["normal_scores"]), abs=1e-6)


def test_no_threshold_leaves_records_without_decisions(tmp_path):
    assert main([*QUICK, "--no-threshold", "--out", str(tmp_path / "o")]) == 0
    assert all(r.get("decision") is None and "threshold" not in r for r in _recs(tmp_path / "o").values())


def test_a_stored_threshold_is_reused_for_the_same_settings(tmp_path, capsys):
    assert main([*QUICK, "--out", str(tmp_path / "a")]) == 0
    first = " ".join(capsys.readouterr().err.split())
    assert main([*QUICK, "--out", str(tmp_path / "b")]) == 0
    second = " ".join(capsys.readouterr().err.split())
    assert "set from 12 held-out normals" in first and "(stored, 12 normals)" in second
    assert main([*QUICK, "--calib-normals", "10", "--out", str(tmp_path / "c")]) == 0
    assert "set from 10 held-out normals" in " ".join(capsys.readouterr().err.split())

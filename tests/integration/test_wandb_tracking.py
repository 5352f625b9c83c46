"""W&B through the real commands, offline: run, evolve and table1 write runs that we read back;
rulebook artifacts mirror the store's parent → child lineage; the W&B Report builds offline."""

import pytest

from anomalyclaw.evolve import main as evolve_main
from anomalyclaw.run import main as run_main
from anomalyclaw.testing.wandb_offline import offline_runs
from db import Store
from eval.table1 import main as table1_main

pytestmark = pytest.mark.slow  # proxy D9, probe fits, the W&B service

QUICK = ["--domain", "D9", "--data", "proxy", "--max-normals", "10", "--calib-normals", "10", "--limit", "6"]


@pytest.fixture
def wandb_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wb"))
    monkeypatch.setenv("ANOMALYCLAW_DB_URL", f"sqlite:///{tmp_path / 'store.db'}")
    (tmp_path / "wb").mkdir()
    return tmp_path / "wb"


def test_run_logs_config_items_and_auroc(wandb_dir, tmp_path):
    assert run_main([*QUICK, "--out", str(tmp_path / "o")]) == 0
    (run,) = offline_runs(wandb_dir)
    assert run.job_type == "run"
    cfg = run.config
    assert (cfg["backend"], cfg["model"], cfg["domain"], cfg["rulebook_version"], cfg["data_source"]) == (
        "policy",
        "policy",
        "D9",
        0,
        "proxy",
    )
    rows = run.table("items/D9")
    assert len(rows) == 6 and {r["domain"] for r in rows} == {"D9"}
    assert 0.0 <= run.summary["auroc/D9"] <= 1.0


def test_no_wandb_writes_no_run(wandb_dir, tmp_path):
    assert run_main([*QUICK, "--out", str(tmp_path / "o"), "--no-wandb"]) == 0
    assert offline_runs(wandb_dir) == []


def test_evolve_logs_rounds_and_rulebook_lineage_then_table1(wandb_dir, tmp_path):
    assert evolve_main(["--domain", "D9", "--rounds", "2", "--budget", "10"]) == 0
    (evo,) = offline_runs(wandb_dir)
    assert evo.job_type == "evolve" and evo.config["domain"] == "D9" and evo.config["rounds"] == 2
    assert len(evo.table("rounds")) == 2
    arts = [a for a in evo.artifacts if a.type == "rulebook"]
    versions = {v.version: v for v in Store().list_versions("D9")}
    assert {a.metadata["version"] for a in arts} == set(versions)
    for a in arts:
        v = versions[a.metadata["version"]]
        assert f"version-{v.version}" in a.aliases and a.metadata["status"] == v.status
        assert a.metadata["parent"] == v.parent
        assert a.metadata["parent_artifact"] == (
            None if v.parent is None else f"rulebook-D9:version-{v.parent}"
        )
        assert a.files == (f"D9.v{v.version}.md",)
    assert run_main([*QUICK, "--split", "test", "--out", str(tmp_path / "o")]) == 0
    assert table1_main([]) == 0
    table1 = [r for r in offline_runs(wandb_dir) if r.job_type == "table1"]
    assert table1 and any(row["domain"] == "D9" for row in table1[0].table("table1"))


def test_the_wandb_report_builds_offline_from_the_store(wandb_dir, tmp_path):
    from eval._report_data import gather
    from eval._wandb_report import build_wandb_report

    assert run_main([*QUICK, "--out", str(tmp_path / "o"), "--no-wandb"]) == 0
    report = build_wandb_report(gather(Store(), "D9"), project="p", entity="e")
    kinds = [type(b).__name__ for b in report.blocks]
    assert kinds == ["H1", "P", "MarkdownBlock", "H2", "MarkdownBlock", "H2", "PanelGrid"]
    assert "| v0 | — | seed |" in report.blocks[2].text
    grid = report.blocks[-1]
    assert grid.runsets[0].query == "D9" and [type(p).__name__ for p in grid.panels] == [
        "BarPlot",
        "LinePlot",
    ]

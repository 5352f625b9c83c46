"""``python -m anomalyclaw.export`` on a real stored run (policy backend, proxy D9, six items).

CSV and JSON lines are read back and compared field by field with the store's records.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from anomalyclaw._export_rows import COLUMNS
from anomalyclaw.export import main
from db import Store

pytestmark = pytest.mark.slow  # one real run per session (the policy_run fixture)


def _expected(policy_run):
    store = Store(policy_run.db_url)
    run = store.get_run(policy_run.run_id)
    return run, store.records(policy_run.run_id)


def _num(cell):
    return None if cell == "" else float(cell)


def test_csv_round_trips_against_store_records(policy_run, tmp_path):
    out = tmp_path / "rows.csv"
    assert main(["--run", policy_run.run_id, "--format", "csv", "--db", policy_run.db_url,
                 "--out", str(out)]) == 0
    run, recs = _expected(policy_run)
    with out.open(newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == COLUMNS
        rows = list(reader)
    assert [r["item_id"] for r in rows] == [r.item_id for r in recs] and len(rows) == 6
    for row, rec in zip(rows, recs, strict=True):
        assert row["run_id"] == run.run_id and row["domain"] == "D9" and row["split"] == "test"
        assert int(row["label"]) == rec.label
        assert _num(row["direct"]) == rec.direct_score and _num(row["refutation"]) == rec.refutation_score
        assert _num(row["fused"]) == rec.anomaly_score
        assert (row["tools_used"].split(";") if row["tools_used"] else []) == list(rec.tools_used or [])
        assert int(row["n_turns"]) == rec.n_turns and row["error"] == ""
        assert (row["backend"], row["model"], int(row["rulebook_version"])) == ("policy", "policy", 0)
        assert row["decision"] == (getattr(rec, "decision", None) or "")


def test_jsonl_to_stdout_round_trips(policy_run, capsys):
    assert main(["--run", policy_run.run_id, "--format", "jsonl", "--db", policy_run.db_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    run, recs = _expected(policy_run)
    rows = [json.loads(line) for line in lines]
    assert [tuple(r) for r in rows] == [COLUMNS] * len(recs)
    for row, rec in zip(rows, recs, strict=True):
        assert (row["item_id"], row["label"], row["direct"], row["refutation"], row["fused"]) == (
            rec.item_id, rec.label, rec.direct_score, rec.refutation_score, rec.anomaly_score)
        assert row["tools_used"] == list(rec.tools_used or []) and row["n_turns"] == rec.n_turns
        assert row["rulebook_version"] == run.rulebook_version == 0


def test_unknown_run_is_one_line_listing_recent_runs(policy_run, capsys):
    assert main(["--run", "D9-typo", "--db", policy_run.db_url]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "D9-typo" in err and policy_run.run_id in err
    assert "Traceback" not in err


def test_module_runs_as_a_command(policy_run):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, "-m", "anomalyclaw.export", "--run", policy_run.run_id,
                           "--db", policy_run.db_url, "--format", "csv"],
                          capture_output=True, text=True, timeout=120, check=False, env=env)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 7  # header + six items

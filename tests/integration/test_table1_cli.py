"""``python -m eval.table1`` end to end: the paper's Table 1, several runs, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eval.table1 import main

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run_module(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("COLUMNS", None)
    return subprocess.run(
        [sys.executable, "-m", "eval.table1", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow  # a fresh interpreter importing sklearn: a few seconds
def test_reproduces_table1_from_another_directory(upstream_results_dir: Path, tmp_path: Path) -> None:
    proc = _run_module(["--records", str(upstream_results_dir), "--per-domain", "--out", "t1"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "qwen35vl27b_v12_test" in out and "1,418" in out
    for text in ("0.713", "0.701", "0.748", "+3.52 [1.83, 5.32]"):
        assert text in out
    assert "kept 1,418 of 1,418 rows in 12 domains; dropped none" in out
    assert "Per domain" in out and "D12" in out
    data = json.loads((tmp_path / "t1" / "table1.json").read_text())
    row = data["rows"][0]
    assert round(row["anomalyclaw"]["value"], 3) == 0.748 and row["n_kept"] == 1418
    assert [d["domain"] for d in row["per_domain"]] == [f"D{k}" for k in range(1, 13)]
    assert "| qwen35vl27b_v12_test | 1,418 |" in (tmp_path / "t1" / "table1.md").read_text()


def test_two_runs_with_names_alpha_and_dropped_rows(
    upstream_results_dir: Path, write_records, make_record, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = write_records(
        {
            "D1": [
                make_record("a", "D1", 0, 0.1, 0.2),
                make_record("b", "D1", 1, 0.9, 0.4),
                make_record("c", "D1", 0, 0.6, 0.1),
                make_record("d", "D1", 1, 0.7, 0.95),
                make_record("e", "D1", None, 0.5, 0.5),
                make_record("f", "D1", 1, 0.5, 0.5, error="timeout"),
            ]
        }
    )
    code = main(
        [
            "--records",
            str(upstream_results_dir),
            "--records",
            str(mine),
            "--name",
            "paper",
            "--name",
            "ours",
            "--alpha",
            "1",
            "--bootstrap",
            "100",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "paper" in out and "ours" in out
    assert "AnomalyClaw = 1·Direct + 0·Refutation" in out
    assert "+0.00 [0.00, 0.00]" in out  # α = 1: the blend is the Direct branch
    assert "ours: kept 4 of 6 rows in 1 domains; dropped 2 (no label: 1, error: 1)" in out


def _assert_one_line_error(capsys: pytest.CaptureFixture[str], code: int, *needles: str) -> None:
    err = capsys.readouterr().err
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize(
    ("files", "needles"),
    [
        ({}, ["no *.json record files"]),
        ({"D1": '[{"item_id": '}, ["D1.json", "malformed JSON"]),
        ({"D1": '{"rows": []}'}, ["D1.json", "expected a JSON list"]),
        ({"D2": '[{"item_id": "D2_1", "domain_code": "D2"}, "oops"]'}, ["D2.json [item #1]", "JSON string"]),
        ({"D3": '[{"item_id": "D3_7"}]'}, ["D3.json [D3_7]", "domain_code"]),
        (
            {
                "D4": '[{"item_id": "D4_1", "domain_code": "D4", "label_gt": null, '
                '"direct_score": 0.2, "v9_score": 0.1}]'
            },
            ["no scoreable rows", "no label: 1"],
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], needles: list[str]
) -> None:
    folder = tmp_path / "recs"
    folder.mkdir()
    for stem, text in files.items():
        (folder / f"{stem}.json").write_text(text)
    _assert_one_line_error(capsys, main(["--records", str(folder)]), str(folder), *needles)


def test_missing_folder_no_records_and_bad_options(
    tmp_path: Path, upstream_results_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _assert_one_line_error(capsys, main(["--records", str(tmp_path / "gone")]), "does not exist")
    _assert_one_line_error(capsys, main([]), "no records given", "--records DIR")
    _assert_one_line_error(capsys, main(["--name", "x"]), "--name needs a matching --records")
    recs = ["--records", str(upstream_results_dir)]
    _assert_one_line_error(capsys, main([*recs, "--name", "a", "--name", "b"]), "2 --name for 1 --records")
    _assert_one_line_error(capsys, main([*recs, "--alpha", "1.5"]), "alpha")
    with pytest.raises(SystemExit) as info:
        main(["--bootstrap", "many"])
    assert info.value.code == 2

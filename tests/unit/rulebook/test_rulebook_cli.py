"""``python -m anomalyclaw.rulebook``: list, show, diff, export, import, rollback on a real SQLite store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import anomalyclaw
from anomalyclaw.rulebook import load_seed, parse_rulebook
from anomalyclaw.rulebook._cli import main
from db import Store

ROOT = Path(anomalyclaw.__file__).resolve().parents[1]


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", "220")  # rich would wrap at 80 columns under capture
    monkeypatch.delenv("ANOMALYCLAW_DB_URL", raising=False)
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_list_shows_every_seed_before_anything_is_imported(db, capsys):
    rc, out, _ = _run(capsys, "--db", db, "list")
    assert rc == 0
    for i in range(1, 13):
        assert f"D{i} " in out
    assert out.count("seed file, not imported yet") == 12


def test_show_imports_the_seed_and_prints_its_rules(db, capsys):
    rc, out, _ = _run(capsys, "show", "D9", "--db", db)
    assert rc == 0 and "v0 (seed)" in out
    for r in load_seed("D9").rulebook.rules:
        assert r.rule_id in out
    rc, out, _ = _run(capsys, "list", "D9", "--db", db)
    assert rc == 0 and "v0" in out and "seed" in out


def test_export_edit_import_diff_rollback(db, capsys, tmp_path):
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    assert _run(capsys, "export", "D6", "--out", str(out_dir), "--db", db)[0] == 0
    exported = (out_dir / "D6.md").read_text()
    seed = Store(db).get_rulebook("D6", 0)
    assert parse_rulebook(exported).rulebook.rules == seed.rules

    first, second = seed.rules[0], seed.rules[1]
    edited = exported.replace(first.text, "Pores and pits are normal concrete.")
    edited = "\n".join(ln for ln in edited.splitlines() if not ln.startswith(f"- [{second.rule_id}]"))
    edited += "\n- (anomaly_cue) Spalling that exposes reinforcement is anomalous.\n"
    (tmp_path / "D6.md").write_text(edited)
    rc, out, _ = _run(capsys, "import", "D6", str(tmp_path / "D6.md"), "--db", db)
    assert rc == 0 and "imported as v1" in out

    rc, out, _ = _run(capsys, "diff", "D6", "0", "1", "--db", db)
    assert rc == 0 and "3 change(s)" in out
    assert "edited" in out and "Pores and pits are normal concrete." in out
    assert "retired" in out and second.rule_id in out
    assert "added" in out and "Spalling" in out

    rc, out, _ = _run(capsys, "rollback", "D6", "0", "--db", db)
    assert rc == 0 and "new version v2 equals v0" in out
    cur = Store(db).current_rulebook("D6")
    assert [(r.rule_id, r.text) for r in cur.active] == [(r.rule_id, r.text) for r in seed.active]

    rc, out, _ = _run(capsys, "export", "D6", "--db", db)  # stdout, current = v2
    assert rc == 0 and out.startswith("# Rulebook D6 v2 — ")
    assert parse_rulebook(out).rulebook.active == cur.active


@pytest.mark.parametrize(("argv", "msg"), [
    (["show", "D9", "--version", "5"], "domain D9 has no rulebook version 5"),
    (["diff", "D9", "0", "3"], "no rulebook version 3"),
    (["show", "D13"], "no seed rulebook for domain 'D13'"),
    (["import", "D9", "/nonexistent/D9.md"], "cannot read /nonexistent/D9.md"),
    (["list", "--db", "nosuch://x"], "bad database URL"),
])
def test_errors_are_one_line_and_exit_2(db, capsys, argv, msg):
    if "--db" not in argv:
        argv = [*argv, "--db", db]
    rc, out, err = _run(capsys, *argv)
    assert rc == 2 and msg in err and err.strip().count("\n") == 0 and "Traceback" not in err


def test_module_entry_point_runs_and_fails_cleanly(tmp_path):
    env_db = f"sqlite:///{tmp_path / 'm.db'}"
    ok = subprocess.run([sys.executable, "-m", "anomalyclaw.rulebook", "show", "D1", "--db", env_db],
                        capture_output=True, text=True, cwd=tmp_path, env=_env())
    assert ok.returncode == 0, ok.stderr
    assert "D1-r0001" in ok.stdout
    cmd = [sys.executable, "-m", "anomalyclaw.rulebook", "rollback", "D1", "9", "--db", env_db]
    bad = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=_env())
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "no rulebook version 9" in bad.stderr


def _env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}

"""kill -9 in the middle of a round's commit, then rerun: the store holds whole versions only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from evo_store import SynthScorer, evolver, history, store_at

from db import Store

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CHILD = """
import sys
from evo_store import SynthScorer, evolver
from db import Store
evolver(Store(sys.argv[1]), SynthScorer(), rounds=2).run()
print("done")
"""


def spawn(url: str, env: dict[str, str]) -> subprocess.Popen:
    full = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    return subprocess.Popen([sys.executable, "-c", CHILD, url], env=full, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_kill9_mid_commit_leaves_no_half_round_and_rerun_matches_a_clean_run(tmp_path):
    url = f"sqlite:///{tmp_path / 'evo.db'}"
    store_at(tmp_path)  # seed imported before any pause is armed
    mark = tmp_path / "mark"
    proc = spawn(url, {"ANOMALYCLAW_DB_TEST_PAUSE_S": "60", "ANOMALYCLAW_DB_TEST_MARK": str(mark)})
    deadline = time.monotonic() + 50
    while not mark.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mark.exists(), proc.communicate()[1][-2000:]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    st = Store(url)
    assert [v.version for v in st.list_versions("D9")] == [0] and st.rounds("D9") == []
    rerun = spawn(url, {})  # the dead holder's lock is detected and replaced
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err[-2000:]
    clean = store_at(tmp_path, "clean.db")
    evolver(clean, SynthScorer(), rounds=2).run()
    assert history(Store(url)) == history(clean)

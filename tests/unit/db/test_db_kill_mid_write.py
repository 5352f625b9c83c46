"""SIGKILL in the middle of a write transaction leaves only whole versions and whole record batches."""

from __future__ import annotations

import pytest

from anomalyclaw.errors import InputError
from anomalyclaw.record import Record
from anomalyclaw.rulebook import Rule, RuleDelta
from db import Store

COMMITTER = """
import sys
from anomalyclaw.rulebook import Rule, RuleDelta
from db import Store
store = Store(sys.argv[1])
cur = store.current_rulebook("D9")
first = int(store.next_rule_id("D9").rsplit("r", 1)[1])
rules = [Rule(rule_id=f"D9-r{first + i:04d}", text=f"half-written rule {i}", kind="anomaly_cue", scope="D9")
         for i in range(8)]
store.commit_version("D9", cur.version, [RuleDelta(op="add", rule_id=r.rule_id, rule=r) for r in rules],
                     accepted=True, evidence={"from": "the killed process"})
print("committed")
"""

WRITER = """
import sys
from anomalyclaw.record import Record
from db import Store
store = Store(sys.argv[1])
store.add_records(sys.argv[2], [Record(item_id=f"D9_{i:04d}", domain_code="D9", anomaly_score=0.5)
                                for i in range(10, 40)])
print("written")
"""


def _pause_env(tmp_path, at: int) -> dict[str, str]:
    return {"ANOMALYCLAW_DB_TEST_PAUSE_S": "120", "ANOMALYCLAW_DB_TEST_PAUSE_AT": str(at),
            "ANOMALYCLAW_DB_TEST_MARK": str(tmp_path / "paused")}


def test_killed_version_commit_leaves_only_whole_versions(db_url, tmp_path, children):
    store = Store(db_url)
    store.ensure_seed("D9")
    seed = store.get_rulebook("D9", 0)
    whole = store.commit_version("D9", 0, [RuleDelta(op="retire", rule_id=seed.rules[0].rule_id)],
                                 accepted=True)
    before = store.list_versions("D9")
    # pause at hook call 5: the version row and 3 of its 8 rules are written, nothing committed
    child = children.spawn(COMMITTER, db_url, env=_pause_env(tmp_path, at=5))
    point = children.wait_for_file(tmp_path / "paused", child)
    assert point.startswith("rule ")
    children.kill9(child)
    store.close()

    reopened = Store(db_url)
    assert reopened.list_versions("D9") == before
    assert reopened.current_rulebook("D9") == store.get_rulebook("D9", whole)
    with pytest.raises(InputError, match=f"no rulebook version {whole + 1}"):
        reopened.get_rulebook("D9", whole + 1)
    # the next commit takes the number the killed one never got, and the ids it never used
    rid = reopened.next_rule_id("D9")
    assert rid == f"D9-r{len(seed.rules) + 1:04d}"
    new = Rule(rule_id=rid, text="after the crash", kind="anomaly_cue", scope="D9")
    nxt = reopened.commit_version("D9", whole, [RuleDelta(op="add", rule_id=rid, rule=new)], accepted=True)
    assert nxt == whole + 1
    assert reopened.current_rulebook("D9").rules[-1].text == "after the crash"
    reopened.close()


def test_killed_record_batch_leaves_the_earlier_batches_and_nothing_of_it(db_url, tmp_path, children):
    store = Store(db_url)
    run = store.start_run(domain="D9", run_id="crashy")
    store.add_records(run, [Record(item_id=f"D9_{i:04d}", domain_code="D9", anomaly_score=0.1)
                            for i in range(10)])
    child = children.spawn(WRITER, db_url, run, env=_pause_env(tmp_path, at=12))
    assert children.wait_for_file(tmp_path / "paused", child).startswith("record ")
    children.kill9(child)
    store.close()

    reopened = Store(db_url)
    assert reopened.finished_item_ids(run) == {f"D9_{i:04d}" for i in range(10)}
    assert reopened.get_run(run).n_records == 10
    reopened.close()


"""Export rows from a store on SQLite and PostgreSQL: real run records, with an operating point added."""

from __future__ import annotations

import csv
import io
import json

import pytest

from anomalyclaw._export_rows import COLUMNS, export_rows, to_csv, to_jsonl
from anomalyclaw.errors import InputError
from db import Store

pytestmark = pytest.mark.slow  # records come from one real policy run per session


@pytest.fixture
def copied(policy_run, store):
    """The policy run's records in this backend's store, each with a decision at threshold 0.5."""
    recs = Store(policy_run.db_url).records(policy_run.run_id)
    rid = store.start_run(domain="D9", split="test", backend="policy", model="policy", rulebook_version=0,
                          data_source="proxy")
    for r in recs:
        r.threshold = 0.5
        r.decision = "anomalous" if r.anomaly_score >= 0.5 else "normal"
    store.add_records(rid, recs)
    return rid, recs


def test_rows_carry_decision_threshold_and_both_branches(store, copied):
    rid, recs = copied
    rows = export_rows(store, rid)
    assert [r["item_id"] for r in rows] == [r.item_id for r in recs]
    for row, rec in zip(rows, recs, strict=True):
        assert tuple(row) == COLUMNS
        assert row["threshold"] == 0.5 and row["decision"] == ("anomalous" if rec.anomaly_score >= 0.5
                                                              else "normal")
        assert (row["direct"], row["refutation"], row["fused"], row["label"]) == (
            rec.direct_score, rec.refutation_score, rec.anomaly_score, rec.label)
    assert {r["decision"] for r in rows} == {"anomalous", "normal"}  # the six items straddle 0.5


def test_csv_and_jsonl_agree(store, copied):
    rid, _ = copied
    rows = export_rows(store, rid)
    back = list(csv.DictReader(io.StringIO(to_csv(rows))))
    lines = [json.loads(x) for x in to_jsonl(rows).splitlines()]
    assert lines == rows
    for b, r in zip(back, rows, strict=True):
        assert float(b["fused"]) == r["fused"] and b["decision"] == r["decision"]
        assert float(b["threshold"]) == r["threshold"] and int(b["label"]) == r["label"]


def test_unknown_run_lists_recent_ones(store, copied):
    rid, _ = copied
    with pytest.raises(InputError, match=rid):
        export_rows(store, "nope")

"""Runs and per-item records: lossless storage, upsert on resume, label handling (SQLite + PostgreSQL)."""

from __future__ import annotations

import numpy as np
import pytest

from anomalyclaw.errors import InputError
from anomalyclaw.record import Record


def _records(n: int, *, domain: str = "D7", seed: int = 0, errors: tuple[int, ...] = ()) -> list[Record]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        d, r = rng.random(2).round(4)
        data = {"item_id": f"{domain}_{i:04d}", "domain_code": domain, "mode": "anomaly_detection",
                "direct_score": float(d), "v9_score": float(r), "anomaly_score": float((d + r) / 2),
                "n_turns": int(rng.integers(1, 5)), "tools_used": ["side_by_side", "expert_score"][: i % 3],
                "history": [{"turn": 1, "rules_fired": [f"{domain}-r0001"]}],
                "upstream_only_key": {"nested": [1, 2.5, None]}, "backend": "policy", "split": "calib"}
        if i in errors:
            data["error"] = "tool timeout"
        if i % 2 == 0:
            data["label_gt"] = i % 4 // 2
        out.append(Record.from_upstream(data))
    return out


def test_records_come_back_identical_in_write_order(store):
    run = store.start_run(domain="D7", split="calib", backend="policy", model="policy-v1", rulebook_version=0,
                          data_source="proxy", config={"alpha": 0.5, "k": 3})
    recs = _records(12)
    order = np.random.default_rng(1).permutation(len(recs))  # order is kept, not implied
    assert store.add_records(run, [recs[i] for i in order]) == 12
    got = store.records(run)
    assert [r.to_upstream() for r in got] == [recs[i].to_upstream() for i in order]
    info = store.get_run(run)
    assert (info.domain, info.split, info.n_records, info.status, info.config) == (
        "D7", "calib", 12, "running", {"alpha": 0.5, "k": 3})


def test_add_records_upserts_by_item_so_a_resumed_run_has_no_duplicates(store):
    run = store.start_run(domain="D7", run_id="resume-me")
    first = _records(6, errors=(1, 4))
    store.add_records(run, first[:4])
    assert store.finished_item_ids(run) == {r.item_id for r in first[:4]}
    assert store.finished_item_ids(run, include_errors=False) == {first[i].item_id for i in (0, 2, 3)}
    # the process restarts: same run id, retries the failed item and adds the rest
    assert store.start_run(domain="D7", run_id="resume-me") == run
    fixed = first[1].model_copy(update={"error": None, "anomaly_score": 0.9})
    store.add_records(run, [fixed, *first[4:]])
    got = {r.item_id: r for r in store.records(run)}
    assert len(got) == 6 and got[fixed.item_id].error is None and got[fixed.item_id].anomaly_score == 0.9
    retried = {r.item_id for r in first} - {first[4].item_id}
    assert store.finished_item_ids(run, include_errors=False) == retried
    with pytest.raises(InputError, match="belongs to domain D7"):
        store.start_run(domain="D8", run_id="resume-me")


def test_labels_can_be_stripped_on_read_and_joined_later(store):
    run = store.start_run(domain="D9")
    recs = [r.without_label() for r in _records(5, domain="D9")]
    store.add_records(run, recs)
    assert all(r.label is None for r in store.records(run))
    labels = {r.item_id: i % 2 for i, r in enumerate(recs)}
    assert store.set_labels(run, labels) == 5
    assert [r.label for r in store.records(run)] == [labels[r.item_id] for r in recs]
    assert all("label_gt" not in r.to_upstream() for r in store.records(run, with_labels=False))


def test_runs_are_listed_per_domain_with_counts_and_finish_state(store):
    a = store.start_run(domain="D1")
    b = store.start_run(domain="D2")
    store.add_records(a, _records(3, domain="D1"))
    store.finish_run(a)
    store.finish_run(b, status="failed")
    runs = {r.run_id: r for r in store.runs()}
    assert (runs[a].n_records, runs[a].status, runs[b].status) == (3, "finished", "failed")
    assert runs[a].finished_at is not None and runs[a].finished_at >= runs[a].started_at
    assert [r.run_id for r in store.runs(domain="D2")] == [b]
    with pytest.raises(InputError, match="no run 'nope'"):
        store.add_records("nope", _records(1))

"""Concurrent runner and JSON sink: resume, journal recovery, label join, label-blind order."""

import json
import threading
from pathlib import Path

import pytest

from anomalyclaw.agent._runner import pick_items, run_items
from anomalyclaw.agent._sinks import JsonSink, RecordSink
from anomalyclaw.data import GroundTruth, Item
from anomalyclaw.errors import RecordError
from anomalyclaw.record import Record


def _items(n, domain="D9"):
    return [
        Item(
            item_id=f"{domain}_{i:04d}",
            domain_code=domain,
            split="test",
            query_path=Path(f"/x/{i}.png"),
            ref_paths=(),
            data_source="proxy",
        )
        for i in range(n)
    ]


class Scorer:
    """Scores by item number; counts calls and the most calls at once."""

    def __init__(self, fail=()):
        self.calls, self.fail, self.live, self.peak = [], set(fail), 0, 0
        self.lock = threading.Lock()

    def __call__(self, item):
        with self.lock:
            self.calls.append(item.item_id)
            self.live += 1
            self.peak = max(self.peak, self.live)
        try:
            if item.item_id in self.fail:
                raise RuntimeError("boom")
            n = int(item.item_id[-4:])
            return Record(
                item_id=item.item_id,
                domain_code=item.domain_code,
                anomaly_score=n / 100,
                direct_score=n / 100,
                refutation_score=n / 100,
            )
        finally:
            with self.lock:
                self.live -= 1


def test_json_sink_is_a_record_sink(tmp_path):
    assert isinstance(JsonSink(tmp_path), RecordSink)


def test_run_writes_upstream_json_with_labels_and_resumes(tmp_path):
    items = _items(10)
    truth = {i.item_id: GroundTruth(item_id=i.item_id, label=int(n >= 5)) for n, i in enumerate(items)}
    first = Scorer(fail={"D9_0003"})
    sink = JsonSink(tmp_path)
    recs = run_items(first, items[:6], sink=sink, run_id="r1", truth=truth, max_in_flight=3)
    sink.close()
    assert len(recs) == 6 and first.peak <= 3
    crashed = next(r for r in recs if r.item_id == "D9_0003")
    assert crashed.anomaly_score is None and "RuntimeError: boom" in crashed.error
    data = json.loads((tmp_path / "D9.json").read_text())
    assert [d["item_id"] for d in data] == sorted(i.item_id for i in items[:6])
    assert {d["label_gt"] for d in data} == {0, 1} and all(d["run_id"] == "r1" for d in data)
    # Resume in a new process-like sink: finished items are skipped, the crashed one is retried.
    second = Scorer()
    sink2 = JsonSink(tmp_path)
    run_items(second, items, sink=sink2, run_id="r2", truth=truth, max_in_flight=4)
    sink2.close()
    assert sorted(second.calls) == ["D9_0003"] + [i.item_id for i in items[6:]]
    final = {d["item_id"]: d for d in json.loads((tmp_path / "D9.json").read_text())}
    assert len(final) == 10 and final["D9_0003"]["anomaly_score"] == 0.03 and "error" not in final["D9_0003"]


def test_a_journal_line_cut_short_is_dropped_and_others_kept(tmp_path):
    sink = JsonSink(tmp_path)
    run_items(Scorer(), _items(3), sink=sink, run_id="r", max_in_flight=1)
    journal = tmp_path / "D9.records.jsonl"
    journal.write_text(journal.read_text() + '{"item_id": "D9_00')
    assert JsonSink(tmp_path).done_ids("D9") == {"D9_0000", "D9_0001", "D9_0002"}
    assert journal.read_text().count("\n") == 3
    (tmp_path / "D9.json").write_text("[{not json")
    with pytest.raises(RecordError, match="D9.json"):
        JsonSink(tmp_path).done_ids("D9")


def test_item_order_is_a_seeded_label_blind_permutation():
    items = _items(40)
    a, b = pick_items(items, limit=None, seed=0), pick_items(items, limit=None, seed=0)
    assert a == b and sorted(i.item_id for i in a) == [i.item_id for i in items]
    assert a != items  # not id order (ids are sorted by label in the benchmark)
    first_half = {int(i.item_id[-4:]) < 20 for i in pick_items(items, limit=10, seed=0)}
    assert first_half == {True, False}  # a limit takes from both ends of the id order


def test_store_and_json_sinks_are_fed_together_and_resume_on_both(tmp_path):
    from anomalyclaw.agent._store_sink import StoreSink, TeeSink
    from db import Store

    store = Store(f"sqlite:///{tmp_path / 'runs.db'}")
    run = store.start_run(
        domain="D9",
        split="test",
        backend="policy",
        model="policy",
        rulebook_version=0,
        data_source="proxy",
        run_id="D9-run",
    )
    items = _items(6)
    truth = {i.item_id: GroundTruth(item_id=i.item_id, label=n % 2) for n, i in enumerate(items)}
    tee = TeeSink(JsonSink(tmp_path / "json"), StoreSink(store, {"D9": run}))
    run_items(Scorer(fail={"D9_0002"}), items[:4], sink=tee, run_id=run, truth=truth, max_in_flight=2)
    tee.close()
    stored = {r.item_id: r for r in store.records(run)}
    assert set(stored) == {i.item_id for i in items[:4]} and stored["D9_0001"].label == 1
    assert [r.label for r in store.records(run, with_labels=False)] == [None] * 4
    again = Scorer()
    tee2 = TeeSink(JsonSink(tmp_path / "json"), StoreSink(store, {"D9": run}))
    run_items(again, items, sink=tee2, run_id=run, truth=truth, max_in_flight=2)
    assert sorted(again.calls) == ["D9_0002", "D9_0004", "D9_0005"]

"""Record reads and writes the upstream result files without loss."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anomalyclaw.record import Record


def _files(upstream_results_dir: Path) -> list[Path]:
    files = sorted(upstream_results_dir.glob("*.json"))
    assert len(files) == 12
    return files


def test_every_upstream_record_round_trips_exactly(upstream_results_dir: Path) -> None:
    n = 0
    for file in _files(upstream_results_dir):
        for data in json.loads(file.read_text(encoding="utf-8")):
            out = Record.from_upstream(data).to_upstream()
            assert out == data, (file.name, data["item_id"])
            assert list(out) == list(data), (file.name, data["item_id"])  # key order too
            n += 1
    assert n == 1418


def test_upstream_files_are_rewritten_byte_for_byte(upstream_results_dir: Path) -> None:
    for file in _files(upstream_results_dir):
        text = file.read_text(encoding="utf-8")
        records = [Record.from_upstream(d) for d in json.loads(text)]
        assert json.dumps([r.to_upstream() for r in records]) == text, file.name


def test_upstream_aliases_map_to_our_names(upstream_results_dir: Path) -> None:
    data = json.loads((upstream_results_dir / "D7.json").read_text(encoding="utf-8"))[0]
    rec = Record.from_upstream(data)
    assert rec.refutation_score == data["v9_score"]
    assert rec.label == data["label_gt"]
    assert rec.w_refutation == data["w_v9"]
    assert rec.model_extra and rec.model_extra["candidate_features"] == data["candidate_features"]


def test_without_label_drops_only_the_label() -> None:
    data = {"item_id": "D1_0001", "label_gt": 1, "domain_code": "D1", "v9_score": 0.9, "custom": [1, 2]}
    out = Record.from_upstream(data).without_label().to_upstream()
    assert out == {k: v for k, v in data.items() if k != "label_gt"}
    assert list(out) == ["item_id", "domain_code", "v9_score", "custom"]


def test_fields_set_later_are_written_after_the_read_keys() -> None:
    rec = Record.from_upstream({"domain_code": "D2", "item_id": "D2_0003"})
    rec.run_id = "r1"
    assert list(rec.to_upstream()) == ["domain_code", "item_id", "run_id"]
    built = Record(item_id="x", domain_code="D1", refutation_score=0.3)
    assert built.to_upstream() == {"item_id": "x", "domain_code": "D1", "v9_score": 0.3}


@pytest.mark.parametrize(("change", "reason"), [
    ({"mode": "mcq"}, "mode 'mcq'"),
    ({"error": "timeout"}, "error"),
    ({"direct_score": None}, "no direct_score"),
    ({"v9_score": None}, "no refutation score"),
    ({"label_gt": None}, "no label"),
])
def test_is_scoreable_gives_the_reason(change: dict, reason: str) -> None:
    base = {"item_id": "a", "domain_code": "D1", "label_gt": 0, "mode": "anomaly_detection",
            "direct_score": 0.2, "v9_score": 0.1, "error": None}
    assert Record.from_upstream(base).is_scoreable() == (True, None)
    assert Record.from_upstream({**base, **change}).is_scoreable() == (False, reason)

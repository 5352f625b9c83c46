"""Loading records folders: the upstream files load; malformed input names its file and item."""

from __future__ import annotations

from pathlib import Path

import pytest

from anomalyclaw.errors import RecordError
from eval.records import load_records_dir, load_records_file, split_scoreable


def test_upstream_folder_loads_and_keeps_every_row(upstream_results_dir: Path) -> None:
    records = load_records_dir(upstream_results_dir)
    assert len(records) == 1418
    kept, dropped = split_scoreable(records)
    assert len(kept) == 1418 and not dropped
    assert {r.domain_code for r in records} == {f"D{k}" for k in range(1, 13)}


def test_filter_counts_reasons_and_keeps_our_extra_fields(write_records, make_record) -> None:
    folder = write_records({"D1": [
        make_record("a", "D1", 0, 0.1, 0.2, backend="policy", rules_fired=["r1"]),
        make_record("b", "D1", None, 0.1, 0.2),
        make_record("c", "D1", 1, None, 0.2),
        make_record("d", "D1", 1, 0.9, 0.8, error="timeout"),
        make_record("e", "D1", 1, 0.9, 0.8, mode="vqa"),
        make_record("f", "D1", None, 0.3, None),
    ]})
    kept, dropped = split_scoreable(load_records_dir(folder))
    assert [r.item_id for r in kept] == ["a"]
    assert kept[0].model_extra == {"rules_fired": ["r1"]} and kept[0].backend == "policy"
    assert dropped == {"no label": 1, "no direct_score": 1, "error": 1, "mode 'vqa'": 1,
                       "no refutation score": 1}


@pytest.mark.parametrize(("content", "match"), [
    ('[{"item_id": "x",', "malformed JSON at line 1"),
    ('{"item_id": "x"}', "expected a JSON list"),
    ("[3]", r"\[item #0\]: record is a JSON number"),
    ('[{"domain_code": "D1"}]', r"\[item #0\]: item_id: Field required"),
    ('[{"item_id": "D1_0002"}]', r"\[D1_0002\]: domain_code: Field required"),
    ('[{"item_id": "D1_9", "domain_code": "D1", "label_gt": 3}]', r"\[D1_9\]: label_gt must be 0, 1"),
    ('[{"item_id": "D1_9", "domain_code": "D1", "v9_score": NaN}]', r"\[D1_9\]: refutation_score is not"),
    ('[{"item_id": "D1_9", "domain_code": "D1", "direct_score": "high"}]', r"\[D1_9\]: direct_score"),
])
def test_malformed_file_names_file_and_item(write_records, content: str, match: str) -> None:
    folder = write_records({"D1": content})
    with pytest.raises(RecordError, match=match) as info:
        load_records_dir(folder)
    assert str(folder / "D1.json") in str(info.value)
    assert "\n" not in str(info.value)


def test_folder_problems(tmp_path: Path, write_records, make_record) -> None:
    with pytest.raises(RecordError, match="does not exist"):
        load_records_dir(tmp_path / "nope")
    (tmp_path / "file.json").write_text("[]")
    with pytest.raises(RecordError, match="is not a directory"):
        load_records_dir(tmp_path / "file.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RecordError, match=r"no \*\.json record files"):
        load_records_dir(tmp_path / "empty")
    with pytest.raises(RecordError, match="hold no records"):
        load_records_dir(write_records({"D1": [], "D2": []}))
    twice = write_records({"D1": [make_record("x", "D1", 0, 0.1, 0.1)],
                           "D2": [make_record("x", "D2", 1, 0.1, 0.1)]})
    with pytest.raises(RecordError, match=r"D2.json \[x\]: item appears twice \(also in D1.json\)"):
        load_records_dir(twice)


def test_unreadable_bytes_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "D1.json"
    bad.write_bytes(b"\xff\xfe[\x00")
    with pytest.raises(RecordError, match="not UTF-8"):
        load_records_file(bad)

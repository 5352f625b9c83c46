"""Table 1 as data: the paper's numbers on the shipped records, the blend, filtering, rendering."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

from anomalyclaw.errors import InputError, RecordError
from anomalyclaw.record import Record
from eval._render import to_markdown, write_outputs
from eval._sources import DirectorySource, NamedRecords
from eval._table1_core import Table1Result, compute_row, compute_table1
from eval.metrics import auroc


def _synthetic(make_record, n_domains: int = 3, n: int = 30, seed: int = 0) -> list[Record]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(1, n_domains + 1):
        for i in range(n):
            y = i % 2
            direct = float(np.clip(rng.normal(0.5 + 0.2 * y, 0.2), 0, 1))
            refut = float(rng.choice([0.05, 0.15, 0.5, 0.92]) if rng.random() < 0.5 else 0.92 * y + 0.05)
            out.append(Record.from_upstream(make_record(f"D{k}_{i:04d}", f"D{k}", y, direct, refut)))
    return out


def test_reproduces_the_paper_on_upstream_records(upstream_results_dir: Path) -> None:
    result = compute_table1(DirectorySource([upstream_results_dir]).runs())
    row = result.rows[0]
    assert row.name == "qwen35vl27b_v12_test"
    assert (row.n_records, row.n_kept, row.n_domains, row.dropped) == (1418, 1418, 12, {})
    assert round(row.direct.value, 3) == 0.713
    assert round(row.refutation.value, 3) == 0.701
    assert round(row.anomalyclaw.value, 3) == 0.748
    assert round(row.delta_pp.value, 2) == 3.52
    assert (round(row.delta_pp.low, 2), round(row.delta_pp.high, 2)) == (1.83, 5.32)
    for est in (row.direct, row.refutation, row.anomalyclaw):
        assert est.low < est.value < est.high


def test_blend_is_recomputed_from_the_branch_scores(make_record) -> None:
    records = _synthetic(make_record)
    for r in records:
        r.anomaly_score = 0.0  # a stored fused score must not matter
    direct_only = compute_row(NamedRecords("r", "mem", records), alpha=1.0, n_boot=100)
    assert direct_only.anomalyclaw.value == pytest.approx(direct_only.direct.value)
    assert direct_only.delta_pp.value == pytest.approx(0.0)
    assert (direct_only.delta_pp.low, direct_only.delta_pp.high) == pytest.approx((0.0, 0.0))
    refut_only = compute_row(NamedRecords("r", "mem", records), alpha=0.0, n_boot=0)
    assert refut_only.anomalyclaw.value == pytest.approx(refut_only.refutation.value)
    assert refut_only.delta_pp.low is None
    half = compute_row(NamedRecords("r", "mem", records), alpha=0.5, n_boot=0)
    d1 = [r for r in records if r.domain_code == "D1"]
    blend = [0.5 * r.direct_score + 0.5 * r.refutation_score for r in d1]
    assert half.per_domain[0].anomalyclaw == pytest.approx(auroc([r.label for r in d1], blend))


def test_one_class_domain_is_noted_and_left_out(make_record) -> None:
    records = _synthetic(make_record, n_domains=2)
    records += [Record.from_upstream(make_record(f"D9_{i}", "D9", 0, 0.1 * i, 0.2)) for i in range(5)]
    row = compute_row(NamedRecords("r", "mem", records), n_boot=50)
    d9 = row.per_domain[-1]
    assert (d9.domain, d9.n, d9.n_anomalous, d9.direct) == ("D9", 5, 0, None)
    assert any("D9" in note for note in row.notes)
    assert row.direct.value == pytest.approx(np.mean([d.direct for d in row.per_domain[:2]]))
    assert row.skipped_domain_replicates == 50


def test_no_scoreable_rows_and_bad_settings_are_errors(make_record) -> None:
    records = [Record.from_upstream(make_record("a", "D1", None, 0.1, 0.2))]
    with pytest.raises(RecordError, match="no scoreable rows among 1 .*no label: 1"):
        compute_row(NamedRecords("r", "dir/x", records))
    good = [NamedRecords("r", "mem", _synthetic(make_record))]
    bad = [({"alpha": 1.5}, "alpha"), ({"n_boot": -1}, "replicates"), ({"level": 1.0}, "level")]
    for kwargs, match in bad:
        with pytest.raises(InputError, match=match):
            compute_table1(good, **kwargs)


def test_outputs_agree_with_the_result(tmp_path: Path, make_record) -> None:
    runs = [NamedRecords("one", "mem", _synthetic(make_record, seed=1)),
            NamedRecords("two|pipe", "mem", _synthetic(make_record, seed=2))]
    result = compute_table1(runs, n_boot=200)
    paths = write_outputs(result, tmp_path / "out", per_domain=True)
    names = sorted(p.name for p in paths)
    assert names == ["table1.csv", "table1.json", "table1.md", "table1_per_domain.csv"]
    again = Table1Result.model_validate_json((tmp_path / "out" / "table1.json").read_text())
    assert again == result
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "table1.csv").read_text())))
    assert [r["name"] for r in rows] == ["one", "two|pipe"]
    assert float(rows[1]["delta_pp_high"]) == pytest.approx(result.rows[1].delta_pp.high)
    per = list(csv.DictReader(io.StringIO((tmp_path / "out" / "table1_per_domain.csv").read_text())))
    assert len(per) == 6 and float(per[0]["direct"]) == pytest.approx(result.rows[0].per_domain[0].direct)
    md = to_markdown(result, per_domain=True)
    assert "two\\|pipe" in md and "## Per domain — one" in md
    assert f"{result.rows[0].direct.value:.3f}" in md

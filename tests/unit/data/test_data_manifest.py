"""The shipped CrossDomainVAD-12 manifests load into typed domains with the paper's split sizes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from anomalyclaw.data import DOMAIN_CODES, UnknownDomainError, upstream_spec
from anomalyclaw.data._manifest import build_domain, split_ids, upstream_entries


@pytest.mark.parametrize("code", DOMAIN_CODES)
def test_every_upstream_manifest_loads_with_paper_split_sizes(code: str, tmp_path: Path) -> None:
    domain = build_domain(upstream_spec(code), upstream_entries(code), tmp_path)
    sizes = {s: len(domain.split(s)) for s in ("calib", "dev", "test")}
    assert sizes == {"calib": 20, "dev": 40, "test": 98 if code == "D7" else 120}
    for split in ("calib", "dev", "test"):
        labels = Counter(domain.truth[i.item_id].label for i in domain.split(split))
        assert labels[0] == labels[1], f"{code} {split} is not balanced: {labels}"
    assert all(i.data_source == "real" and i.domain_code == code for i in domain.items)
    root = tmp_path.resolve()
    assert all(p.is_relative_to(root) for i in domain.items for p in (i.query_path, *i.ref_paths))
    assert domain.spec.paired == (code == "D7")
    assert all(len(i.ref_paths) == 1 for i in domain.items) == (code == "D7")


def test_split_names_follow_split_ids_json() -> None:
    ids = split_ids()
    assert {k: len(v) for k, v in ids.items()} == {"calib": 240, "dev": 480, "test": 1418}
    for code in DOMAIN_CODES:
        for e in upstream_entries(code):
            assert e.item_id in ids[e.split_name]


def test_item_order_does_not_group_labels(tmp_path: Path) -> None:
    # Upstream ids are numbered normals first; the Domain's item order must not follow that.
    domain = build_domain(upstream_spec("D1"), upstream_entries("D1"), tmp_path)
    labels = [domain.truth[i.item_id].label for i in domain.items]
    assert labels != sorted(labels) and labels != sorted(labels, reverse=True)
    first_half = labels[: len(labels) // 2]
    assert 0.3 < sum(first_half) / len(first_half) < 0.7


def test_normal_pool_never_holds_a_query(tmp_path: Path) -> None:
    for code in DOMAIN_CODES:
        domain = build_domain(upstream_spec(code), upstream_entries(code), tmp_path)
        queries = {i.query_path for i in domain.items}
        assert not queries & set(domain.normal_pool)


def test_items_carry_no_label_field(tmp_path: Path) -> None:
    domain = build_domain(upstream_spec("D9"), upstream_entries("D9"), tmp_path)
    dumped = domain.items[0].model_dump()
    assert "label" not in dumped and "anomaly_type" not in dumped


def test_unknown_domain_is_refused() -> None:
    with pytest.raises(UnknownDomainError, match="D13"):
        upstream_entries("D13")
    assert upstream_entries("d9") == upstream_entries("D9")

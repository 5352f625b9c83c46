"""The pool and the held-out normals: label-free subsets, leave-one-out (and leave-fold-out) refs."""

from __future__ import annotations

from pathlib import Path

import pytest

from anomalyclaw.data import Domain, DomainSpec, GroundTruth, Item
from evolution._scoring import assign_folds, held_out_normals, pool_items


def domain(n_pool=12, paired=False) -> Domain:
    pool = tuple(Path(f"/data/pool/p{i:02d}.png") for i in range(n_pool))
    cats = ["a", "b"]
    same = [[p for j, p in enumerate(pool) if j % 2 == c] for c in (0, 1)]  # category = index parity
    items = tuple(Item(item_id=f"D1_{i:04d}", domain_code="D1", split=("calib", "dev", "test")[i % 3],
                       query_path=Path(f"/data/q{i}.png"), category=cats[i % 2],
                       ref_paths=tuple((same[i % 2] * 2)[i // 2: i // 2 + 4]), data_source="proxy")
                  for i in range(30))
    spec = DomainSpec(code="D1", name="x", modality="RGB", reference_type="same", description="d",
                      data_source="proxy", paired=paired)
    truth = {it.item_id: GroundTruth(item_id=it.item_id, label=i % 2) for i, it in enumerate(items)}
    return Domain(spec=spec, items=items, truth=truth, normal_pool=pool)


def test_pool_is_calib_and_dev_in_a_label_blind_order_within_budget():
    d = domain()
    pool = pool_items(d)
    assert {i.split for i in pool} == {"calib", "dev"} and len(pool) == 20
    assert [i.item_id for i in pool] != sorted(i.item_id for i in pool)  # ids may follow labels upstream
    assert pool_items(d, budget=5) == pool[:5]
    labels = [d.truth[i.item_id].label for i in pool_items(d, budget=10)]
    assert 0 < sum(labels) < 10


def test_held_out_normals_never_reference_themselves_and_keep_the_category():
    d = domain()
    normals = held_out_normals(d)
    assert len(normals) == 12 and len({n.item_id for n in normals}) == 12
    for n in normals:
        assert n.query_path not in n.ref_paths and len(n.ref_paths) == 4
        assert n.category in ("a", "b")
        cat_of = {p: ("a" if int(p.stem[1:]) % 2 == 0 else "b") for p in d.normal_pool}
        assert {cat_of[r] for r in n.ref_paths} == {n.category}
    assert held_out_normals(d) == normals  # deterministic


def test_fold_groups_keep_references_outside_the_fold():
    d = domain()
    groups = {p: i % 3 for i, p in enumerate(d.normal_pool)}
    for n in held_out_normals(d, groups=groups):
        assert all(groups[r] != groups[n.query_path] for r in n.ref_paths)


@pytest.mark.parametrize("paired,n_pool", [(True, 12), (False, 2)])
def test_no_normals_for_paired_domains_or_tiny_pools(paired, n_pool):
    assert held_out_normals(domain(n_pool=n_pool, paired=paired)) == ()


def test_folds_are_stratified_by_category_even_when_the_pool_alternates_categories():
    """A pool listed round-robin over 2 categories with 2 folds: plain round-robin folds would hold
    one category each (probes fitted without it flag all of it); stratified folds hold both."""
    d = domain(n_pool=12)
    folds = assign_folds(d, 2)
    cat_of = {p: int(p.stem[1:]) % 2 for p in d.normal_pool}
    for f in (0, 1):
        members = [p for p, g in folds.items() if g == f]
        assert {cat_of[p] for p in members} == {0, 1} and len(members) == 6
    naive = {p: i % 2 for i, p in enumerate(d.normal_pool)}
    assert any(len({cat_of[p] for p, g in naive.items() if g == f}) == 1 for f in (0, 1))

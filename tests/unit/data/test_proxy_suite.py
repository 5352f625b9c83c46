"""The generated proxy suite on disk: splits, references, masks, ids, cache and crash safety."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from anomalyclaw.data import load_domain
from anomalyclaw.data.proxy import (
    N_REFS,
    POOL_SIZE,
    _suite,
    draw_sample,
    ensure_domain,
    get_generator,
    load_proxy,
)
from anomalyclaw.images import load_rgb

pytestmark = pytest.mark.slow  # the session fixture generates two domains (~5-20 s)


def test_splits_labels_and_pool(proxy_cache: Path) -> None:
    for code, n_test in (("D4", 120), ("D7", 98)):
        d = load_proxy(code, cache_dir=proxy_cache)
        sizes = {s: len(d.split(s)) for s in ("calib", "dev", "test")}
        assert sizes == {"calib": 20, "dev": 40, "test": n_test}
        for split in ("calib", "dev", "test"):
            c = Counter(d.truth[i.item_id].label for i in d.split(split))
            assert c[0] == c[1]
        assert len(d.normal_pool) == POOL_SIZE
        assert not {i.query_path for i in d.items} & set(d.normal_pool)
        assert {i.data_source for i in d.items} == {"proxy"} and d.spec.data_source == "proxy"


def test_references_come_from_the_pool_of_the_same_category(proxy_cache: Path) -> None:
    d = load_proxy("D4", cache_dir=proxy_cache)
    pool = set(d.normal_pool)
    for item in d.items:
        assert len(item.ref_paths) == N_REFS and len(set(item.ref_paths)) == N_REFS
        assert set(item.ref_paths) <= pool
    ref_sets = {i.ref_paths for i in d.items}
    assert len(ref_sets) > 10  # items do not all share one reference set


def test_paired_domain_references_its_own_before_image(proxy_cache: Path) -> None:
    d = load_proxy("D7", cache_dir=proxy_cache)
    assert d.spec.paired
    befores = [i.ref_paths for i in d.items]
    assert all(len(r) == 1 for r in befores) and len({r[0] for r in befores}) == len(d.items)
    item = d.items[0]
    assert load_rgb(item.ref_paths[0]).shape == load_rgb(item.query_path).shape


def test_masks_exist_exactly_for_anomalies(proxy_cache: Path) -> None:
    d = load_proxy("D4", cache_dir=proxy_cache)
    for item in d.items:
        gt = d.truth[item.item_id]
        if gt.label == 0:
            assert gt.mask_path is None and gt.anomaly_type is None
        else:
            m = load_rgb(gt.mask_path)[..., 0]
            assert set(np.unique(m)) <= {0, 255} and (m == 255).any()


def test_ids_and_file_names_do_not_carry_the_label(proxy_cache: Path) -> None:
    d = load_proxy("D4", cache_dir=proxy_cache)
    by_id = sorted(d.items, key=lambda i: i.item_id)
    labels = [d.truth[i.item_id].label for i in by_id]
    assert labels != sorted(labels)
    runs = sum(1 for a, b in zip(labels, labels[1:], strict=False) if a != b)
    assert runs > len(labels) // 4  # well mixed, not blocks
    assert all(i.query_path.name == f"{i.item_id}.png" for i in d.items)


def test_files_are_the_seeded_samples_byte_for_byte(proxy_cache: Path, tmp_path: Path) -> None:
    d = load_proxy("D4", cache_dir=proxy_cache)
    gen = get_generator("D4")
    for slot in _suite.plan("D4", 0)[:3]:
        rng = _suite._rng(0, "D4", _suite._ROLE_QUERY, slot.index)
        s = draw_sample(gen, rng, slot.category, bool(slot.label))
        _suite._save(s.image, tmp_path / "again.png")
        path = next(i.query_path for i in d.items if i.item_id == slot.item_id)
        assert path.read_bytes() == (tmp_path / "again.png").read_bytes()
        other = draw_sample(gen, _suite._rng(1, "D4", _suite._ROLE_QUERY, slot.index), slot.category,
                            bool(slot.label))
        assert not np.array_equal(other.image, s.image)


def test_second_load_reads_the_cache(proxy_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _suite.proxy_dir("D4", 0, proxy_cache)
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*.png")}

    def boom(*args, **kwargs):
        raise AssertionError("regenerated a cached domain")

    monkeypatch.setattr(_suite, "build_domain_files", boom)
    assert ensure_domain("D4", 0, proxy_cache) == (folder, False)
    load_proxy("D4", cache_dir=proxy_cache)
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*.png")} == before


def test_auto_mode_falls_back_to_proxy_with_a_banner(proxy_cache: Path, capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    d = load_domain("D7", data="auto", cache_dir=proxy_cache)
    err = capsys.readouterr().err
    assert d.spec.data_source == "proxy" and "PROXY" in err and "ANOMALYCLAW_DATA" in err
    assert len(err.strip().splitlines()) == 1
    empty = tmp_path / "empty-root"
    empty.mkdir()
    load_domain("D7", data="auto", data_root=empty, cache_dir=proxy_cache)
    assert "missing" in capsys.readouterr().err


def test_a_killed_generation_leaves_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real = _suite.draw_sample

    def dies_midway(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 5:
            raise KeyboardInterrupt  # stands in for a kill during generation
        return real(*args, **kwargs)

    monkeypatch.setattr(_suite, "draw_sample", dies_midway)
    with pytest.raises(KeyboardInterrupt):
        ensure_domain("D4", 0, tmp_path)
    final = _suite.proxy_dir("D4", 0, tmp_path)
    assert not final.exists()
    assert not list(final.parent.glob(".D4.tmp-*"))


def test_stale_temporary_folders_are_swept_and_ignored(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    final = _suite.proxy_dir("D4", 0, tmp_path)
    final.parent.mkdir(parents=True)
    stale = final.parent / ".D4.tmp-999-dead"
    (stale / "images").mkdir(parents=True)
    old = time.time() - 7200
    os.utime(stale, (old, old))
    built = []
    def fake_build(code: str, seed: int, out: Path) -> None:
        built.append(code)
        (out / _suite.MANIFEST).write_text("{}")

    monkeypatch.setattr(_suite, "build_domain_files", fake_build)
    assert ensure_domain("D4", 0, tmp_path) == (final, True)
    assert built == ["D4"] and not stale.exists()

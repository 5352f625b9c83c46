"""DomainExperts on real brick crops: calibration from normals only, live scoring, on-disk index."""

from __future__ import annotations

import numpy as np
import pytest

from tools import PROBES, BadToolInput, DomainExperts, ExpertIndexError
from tools._heat import box_overlap


def test_every_probe_has_a_leave_one_out_null_of_the_normals(experts, normals):
    for name in PROBES:
        null = experts.state[f"null_{name}"]
        assert null.shape == (len(normals),) and np.isfinite(null).all()
    assert experts.n_normals == len(normals)


def test_defect_reads_far_outside_and_clean_query_inside(experts, defect, shifted):
    bad, good = experts.score(defect), experts.score(shifted)
    for name in PROBES:
        assert bad.probes[name].z > good.probes[name].z, name
        assert bad.probes[name].tail_p <= good.probes[name].tail_p, name
    assert bad.probes["knn"].z > 3 and good.probes["knn"].z < 2
    assert bad.probes["knn"].tail_p == pytest.approx(1 / (len(experts.state["null_knn"]) + 1))


def test_heatmap_is_in_the_query_frame_and_its_hot_box_covers_the_defect(experts, defect, defect_box):
    s = experts.score(defect)
    heat = s.heatmap_array()
    assert heat.shape == (28, 28)
    assert box_overlap(s.hot_box, defect_box) > 0.6
    assert s.hot_peak > s.heat_threshold > s.heat_median


def test_a_normal_query_scores_like_the_normals(experts, normals):
    """A normal seen at fit time scores at or below its own leave-one-out null value."""
    s = experts.score(normals[2])
    assert s.probes["knn"].raw <= experts.state["null_knn"][2] + 1e-6


def test_scoring_is_per_query_and_repeatable(experts, defect, shifted):
    first = experts.score(defect)
    experts.score(shifted)
    again = experts.score(defect)
    assert first.model_dump() == again.model_dump()  # no state carried over from other queries


def test_reference_bank_has_its_own_calibration(experts, defect, shifted, base):
    bad = experts.score(defect, references=[base])
    good = experts.score(shifted, references=[base])
    assert bad.bank == "references" and bad.n_bank_images == 1
    assert bad.probes["knn"].n_null == experts.n_normals
    assert bad.probes["knn"].z > good.probes["knn"].z


def test_save_load_round_trip_gives_identical_scores(experts, defect, tmp_path):
    path = experts.save(tmp_path / "idx.npz")
    loaded = DomainExperts.load(path, device="cpu")
    assert loaded.key == experts.key
    assert loaded.score(defect).model_dump() == experts.score(defect).model_dump()


def test_load_or_fit_builds_once_then_reuses(normals, tmp_path, monkeypatch):
    first = DomainExperts.load_or_fit(normals[:3], tmp_path, device="cpu")
    files = list(tmp_path.glob("experts-*.npz"))
    assert len(files) == 1 and first.key in files[0].name

    def no_fit(*a, **k):
        raise AssertionError("refitted although the index is on disk")

    monkeypatch.setattr(DomainExperts, "fit", classmethod(no_fit))
    again = DomainExperts.load_or_fit(list(reversed(normals[:3])), tmp_path, device="cpu")  # order-free key
    assert again.key == first.key


def test_index_key_changes_with_the_pixels(normals, experts):
    from tools._index_io import index_key

    cfg = experts.meta["config"]
    touched = [n.copy() for n in normals]
    touched[0][0, 0, 0] ^= 1
    assert index_key(touched, cfg) != index_key(normals, cfg)
    assert index_key(normals, {**cfg, "top_frac": 0.02}) != index_key(normals, cfg)


def test_corrupt_or_foreign_index_is_a_clear_error(tmp_path, experts):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ExpertIndexError, match="unreadable"):
        DomainExperts.load(bad)
    with pytest.raises(ExpertIndexError, match="no expert index"):
        DomainExperts.load(tmp_path / "missing.npz")
    path = experts.save(tmp_path / "ok.npz")
    import json

    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    meta["backbone_id"] = "something-else"
    np.savez(tmp_path / "foreign.npz", __meta__=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ExpertIndexError, match="backbone"):
        DomainExperts.load(tmp_path / "foreign.npz")


def test_fit_needs_two_normals(normals):
    with pytest.raises(BadToolInput, match="at least 2"):
        DomainExperts.fit(normals[:1], device="cpu")


def test_coreset_bank_keeps_the_defect_visible(normals, defect, shifted):
    from tools import ExpertConfig

    small = DomainExperts.fit(normals, device="cpu", config=ExpertConfig(max_bank=1000))
    assert small.state["bank"].shape[0] == 1000
    assert set(np.unique(small.state["owner"])) == set(range(len(normals)))  # every normal contributes
    assert small.score(defect).probes["knn"].z > 3 > small.score(shifted).probes["knn"].z


def test_consensus_of_a_change_pair_is_the_reference_probe_alone(experts, defect, base):
    """Against its own 'before' image only kNN compares the pair; scene probes stay out of it."""
    pair = experts.score(defect, references=[base])
    alone = experts.score(defect)
    assert pair.consensus_z == pytest.approx(pair.probes["knn"].z)
    assert alone.consensus_z == pytest.approx(np.mean([alone.probes[k].z for k in ("knn", "pca", "gauss")]))
    assert alone.consensus_z != pytest.approx(alone.probes["knn"].z)

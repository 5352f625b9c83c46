"""Contract: every registered tool runs on real images and what it reports is right.

The query is a brick crop with a pasted coffee patch (the defect); its first reference is
the same crop without it; a clean copy shifted by a few pixels is the non-defect control.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage
from skimage import data as skdata

from tools import TOOL_NAMES, BBox, run_tool
from tools._heat import box_overlap

ARGS = {  # a typical call per tool; the set must cover the whole registry
    "side_by_side_compare": {"box": [0.55, 0.35, 0.8, 0.6]},
    "region_zoom": {"box": [0.5, 0.3, 0.85, 0.65]},
    "segment_anomaly": {},
    "reference_retriever": {"k": 2},
    "reference_profile": {},
    "image_diff": {"ref_index": 0},
    "rotate_align": {"ref_index": 0, "max_deg": 4, "step": 2},
    "subspace_ad_score": {},
    "anomaly_vfm_score": {},
    "expert_heatmap": {},
    "blob_layout_viz": {},
    "change_heatmap_viz": {"ref_index": 0},
    "fft_spectrum_viz": {"ref_index": 0},
}


def test_args_table_covers_the_registry():
    assert set(ARGS) == set(TOOL_NAMES)


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_every_tool_returns_a_typed_observation(make_ctx, defect, name):
    obs = run_tool(name, make_ctx(defect), ARGS[name])
    assert obs.ok, obs.error
    assert obs.tool == name and obs.error is None
    i, d = obs.text.find("Interpretation:"), obs.text.find("What would disconfirm this:")
    assert 0 < i < d and len(obs.text) - d > 30
    assert obs.numbers and all(isinstance(v, float) and math.isfinite(v) for v in obs.numbers.values())
    if obs.image_png is not None:
        img = Image.open(io.BytesIO(obs.image_png))
        assert img.format == "PNG" and min(img.size) >= 16


def _num(make_ctx, query, name, args=None, **kw):
    obs = run_tool(name, make_ctx(query, **kw), ARGS[name] if args is None else args)
    assert obs.ok, obs.error
    return obs.numbers


def _box(n, prefix):
    return BBox(x0=n[f"{prefix}x0"], y0=n[f"{prefix}y0"], x1=n[f"{prefix}x1"], y1=n[f"{prefix}y1"])


def test_expert_heatmap_hot_box_overlaps_the_defect(make_ctx, defect, defect_box):
    n = _num(make_ctx, defect, "expert_heatmap")
    assert box_overlap(_box(n, "box_"), defect_box) > 0.6
    assert n["peak_over_threshold"] > 1.5


def test_expert_scores_separate_defect_from_clean(make_ctx, defect, shifted):
    for tool, key in (
        ("subspace_ad_score", "pca_z"),
        ("anomaly_vfm_score", "knn_z"),
        ("anomaly_vfm_score", "gauss_z"),
    ):
        assert _num(make_ctx, defect, tool)[key] > _num(make_ctx, shifted, tool)[key] + 2, key


def test_image_diff_changes_more_for_the_defect_than_for_a_shifted_copy(
    make_ctx, defect, shifted, defect_box
):
    bad, clean = _num(make_ctx, defect, "image_diff"), _num(make_ctx, shifted, "image_diff")
    assert bad["changed_fraction"] > 5 * clean["changed_fraction"] + 0.01
    assert clean["shift_dx"] != 0 or clean["shift_dy"] != 0  # the shift was found and undone
    assert box_overlap(_box(bad, "largest_"), defect_box) > 0.5
    inside = _num(
        make_ctx, defect, "image_diff", {"box": [defect_box.x0, defect_box.y0, defect_box.x1, defect_box.y1]}
    )
    assert inside["changed_fraction"] > 0.3


def test_rotate_align_recovers_a_known_rotation(make_ctx, base):
    rotated = (ndimage.rotate(base.astype(np.float32), 6, reshape=False, order=1, mode="reflect")).astype(
        np.uint8
    )
    n = _num(
        make_ctx, base, "rotate_align", {"ref_index": 0, "max_deg": 10, "step": 1}, references=(rotated,)
    )
    assert abs(abs(n["best_angle_deg"]) - 6) <= 1
    assert n["residual_best"] < 0.7 * n["residual_unrotated"]
    assert n["changed_fraction"] < n["changed_fraction_unrotated"]


def test_fft_periodicity_is_higher_on_brick_than_on_a_smooth_photo(make_ctx, brick):
    smooth = np.ascontiguousarray(skdata.coffee()[::2, ::2])
    assert (
        _num(make_ctx, brick, "fft_spectrum_viz", {})["periodicity"]
        > 4 * _num(make_ctx, smooth, "fft_spectrum_viz", {})["periodicity"]
    )


def test_fft_sees_the_defect_break_the_texture(make_ctx, defect, shifted):
    bad, clean = _num(make_ctx, defect, "fft_spectrum_viz"), _num(make_ctx, shifted, "fft_spectrum_viz")
    assert bad["periodicity_ratio"] < clean["periodicity_ratio"]


def test_segment_anomaly_puts_region_one_on_the_defect(make_ctx, defect, shifted, defect_box):
    bad = _num(make_ctx, defect, "segment_anomaly")
    assert box_overlap(_box(bad, "r1_"), defect_box) > 0.6
    assert bad["r1_peak"] > bad["normal_yardstick"]
    clean = _num(make_ctx, shifted, "segment_anomaly")
    assert clean["r1_peak"] < bad["r1_peak"] / 2


def test_blob_layout_finds_one_blob_on_the_defect(make_ctx, defect, defect_box):
    n = _num(make_ctx, defect, "blob_layout_viz")
    assert n["n_blobs"] >= 1 and box_overlap(_box(n, "b1_"), defect_box) > 0.6


def test_change_heatmap_marks_the_defect_not_the_shift(make_ctx, defect, shifted, defect_box, paired_spec):
    bad = _num(make_ctx, defect, "change_heatmap_viz", spec_=paired_spec)
    clean = _num(make_ctx, shifted, "change_heatmap_viz", spec_=paired_spec)
    assert bad["changed_share"] > 0.03 > clean["changed_share"]
    assert box_overlap(_box(bad, "box_"), defect_box) > 0.6


def test_side_by_side_tells_a_defect_region_from_a_clean_one(make_ctx, defect, defect_box):
    on = _num(
        make_ctx,
        defect,
        "side_by_side_compare",
        {"box": [defect_box.x0, defect_box.y0, defect_box.x1, defect_box.y1]},
    )
    off = _num(make_ctx, defect, "side_by_side_compare", {"box": [0.05, 0.05, 0.3, 0.3]})
    assert on["feat_ratio_ref0"] > 3 and off["feat_ratio_ref0"] < 1.5
    assert off["pixel_diff_ref0"] < on["pixel_diff_ref0"]


def test_region_zoom_measures_the_region(make_ctx, base):
    dark = base.copy()
    dark[20:60, 20:60] //= 4
    n = _num(make_ctx, dark, "region_zoom", {"box": [20 / 160, 20 / 160, 60 / 160, 60 / 160]})
    assert n["brightness_z"] < -1.5 and n["pixels_w"] == 40 and n["area"] == pytest.approx(1 / 16)


def test_reference_retriever_ranks_the_same_scene_first(make_ctx, shifted, base, normals):
    n = _num(make_ctx, shifted, "reference_retriever", {"k": 3}, references=(normals[0], normals[3], base))
    assert n["rank1_ref"] == 2 and n["rank1_sim"] > n["rank2_sim"]


def test_reference_profile_points_at_a_colour_cast(make_ctx, base):
    tinted = base.copy()
    tinted[..., 0] = np.clip(tinted[..., 0].astype(int) + 90, 0, 255).astype(np.uint8)
    obs = run_tool("reference_profile", make_ctx(tinted), {})
    z = {k[2:]: abs(v) for k, v in obs.numbers.items() if k.startswith("z_")}
    assert max(z, key=z.get) in {"mean_r", "saturation"}
    assert "departs" in obs.text


def test_reference_profile_uses_the_lm_hook_and_survives_its_failure(make_ctx, defect):
    seen = []

    def describe(refs):
        seen.append(len(refs))
        return "Grey brick walls."

    obs = run_tool("reference_profile", make_ctx(defect, describe_references=describe), {})
    assert obs.ok and "Grey brick walls." in obs.text and seen == [3]

    def broken(refs):
        raise RuntimeError("LM offline")

    obs = run_tool("reference_profile", make_ctx(defect, describe_references=broken), {})
    assert obs.ok and "LM description failed" in obs.text and "brightness" in obs.text

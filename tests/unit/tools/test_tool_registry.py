"""The registry is the single source of names; cards, applicability, prompt text, bad inputs."""

from __future__ import annotations

import typing

import numpy as np
import pytest

import tools
from anomalyclaw.data import DomainSpec
from tools import (
    FRAME,
    TOOL_NAMES,
    ToolCard,
    applicable_cards,
    card_applies,
    get_card,
    render_cards,
    run_tool,
)

CATALOG = (
    "side_by_side_compare",
    "region_zoom",
    "segment_anomaly",
    "reference_retriever",
    "reference_profile",
    "image_diff",
    "rotate_align",
    "subspace_ad_score",
    "anomaly_vfm_score",
    "expert_heatmap",
    "blob_layout_viz",
    "change_heatmap_viz",
    "fft_spectrum_viz",
)


def test_thirteen_tools_in_catalog_order():
    assert TOOL_NAMES == CATALOG
    assert typing.get_args(tools.tool_name_literal()) == CATALOG


def test_every_card_states_the_one_frame_and_its_needs():
    for name in TOOL_NAMES:
        card = get_card(name)
        assert card.name == name and card.frame == FRAME
        assert card.summary and card.args_doc
    families = [get_card(n).family for n in TOOL_NAMES]
    assert families == sorted(
        families,
        key=("visual_inspection", "reference_understanding", "frozen_expert", "structure_texture").index,
    )


def test_render_cards_names_every_tool_once_and_the_frame(spec):
    text = render_cards(applicable_cards(spec, 3))
    for name in TOOL_NAMES:
        if name != "change_heatmap_viz":
            assert text.count(f"- {name}(") == 1
    assert FRAME in text


def test_applicability_follows_references_and_pairing(spec, paired_spec):
    with_refs = {c.name for c in applicable_cards(spec, 3)}
    no_refs = {c.name for c in applicable_cards(spec, 0)}
    assert "change_heatmap_viz" not in with_refs  # needs a before/after pair
    assert "change_heatmap_viz" in {c.name for c in applicable_cards(paired_spec, 1)}
    assert no_refs == {n for n in TOOL_NAMES if not get_card(n).needs_references}
    assert {"region_zoom", "fft_spectrum_viz"} <= no_refs < with_refs


def test_modalities_match_case_insensitively():
    card = ToolCard(
        name="x",
        family="structure_texture",
        summary="s",
        args_doc="-",
        modalities=("MRI", "ct"),
        needs_references=False,
    )

    def mk(modality: str) -> DomainSpec:
        return DomainSpec(
            code="X", name="x", modality=modality, reference_type="r", description="d", data_source="proxy"
        )

    assert card_applies(card, mk("brain mri"), 0) and card_applies(card, mk("CT"), 0)
    assert not card_applies(card, mk("RGB"), 0)


def _fails(obs, *words):
    assert obs.ok is False and obs.error
    for w in words:
        assert w in obs.error, (w, obs.error)
    assert "What would disconfirm this:" in obs.text


def test_unknown_tool_names_the_known_ones(make_ctx, defect):
    _fails(run_tool("zoom_in", make_ctx(defect), {}), "unknown tool", "region_zoom")


@pytest.mark.parametrize(
    "box, words",
    [
        ([0.2, 0.2, 1.4, 0.5], ("outside [0, 1]",)),
        ([0.6, 0.2, 0.3, 0.5], ("inverted",)),
        ([0.1, 0.2, 0.3], ("4 numbers",)),
        ({"x0": 0.1, "y0": 0.1}, ("missing", "x1")),
        ("centre", ("box",)),
    ],
)
def test_bad_boxes_say_what_is_wrong(make_ctx, defect, box, words):
    _fails(run_tool("region_zoom", make_ctx(defect), {"box": box}), *words)


def test_missing_and_unknown_arguments(make_ctx, defect):
    _fails(run_tool("region_zoom", make_ctx(defect), {}), "box")
    _fails(run_tool("image_diff", make_ctx(defect), {"ref": 1}), "ref", "expected")
    _fails(run_tool("image_diff", make_ctx(defect), ["ref_index", 0]), "JSON object")


def test_reference_index_out_of_range(make_ctx, defect):
    for name in ("image_diff", "rotate_align", "segment_anomaly", "change_heatmap_viz"):
        _fails(run_tool(name, make_ctx(defect), {"ref_index": 7}), "ref_index 7", "0..2")
    _fails(run_tool("side_by_side_compare", make_ctx(defect), {"ref_indices": [0, 9]}), "ref_index 9")


def test_tools_that_need_references_say_so(make_ctx, defect):
    ctx = make_ctx(defect, references=(), use_experts=False)
    for name in TOOL_NAMES:
        if get_card(name).needs_references:
            args = {"box": [0.1, 0.1, 0.5, 0.5]} if name == "region_zoom" else {}
            obs = run_tool(name, ctx, args)
            assert obs.ok is False and "reference" in obs.error, name


def test_expert_tools_without_experts_fit_on_the_references_or_refuse(make_ctx, defect, base, normals):
    adhoc = run_tool("anomaly_vfm_score", make_ctx(defect, use_experts=False), {})
    assert adhoc.ok and "ad hoc" in adhoc.text
    _fails(
        run_tool("expert_heatmap", make_ctx(defect, references=(base,), use_experts=False), {}),
        "fewer than 2",
    )


@pytest.mark.parametrize(
    "query, words",
    [
        (np.zeros((64, 64), np.uint8), ("query", "(H, W, 3) uint8")),
        (np.zeros((64, 64, 3), np.float64), ("query", "dtype float64")),
        (np.zeros((5, 64, 3), np.uint8), ("query", "at least 8x8")),
    ],
)
def test_wrong_image_shape_or_type(make_ctx, query, words):
    _fails(run_tool("fft_spectrum_viz", make_ctx(query), {}), *words)


def test_bad_reference_image_is_named(make_ctx, defect, base):
    _fails(
        run_tool("image_diff", make_ctx(defect, references=(base, np.zeros((9, 9, 4), np.uint8))), {}),
        "reference 1",
    )


def test_dspy_tools_come_from_the_registry(make_ctx, defect):
    dspy_tools = tools.as_dspy_tools(make_ctx(defect))
    assert [t.name for t in dspy_tools] == list(TOOL_NAMES)
    zoom = dspy_tools[TOOL_NAMES.index("region_zoom")]
    assert "box" in zoom.args
    assert "Interpretation:" in zoom(box=[0.5, 0.3, 0.8, 0.6])


def test_render_false_skips_only_the_image(make_ctx, defect):
    with_img = run_tool("expert_heatmap", make_ctx(defect), {})
    without = run_tool("expert_heatmap", make_ctx(defect), {}, render=False)
    assert with_img.image_png and without.image_png is None
    assert (with_img.text, with_img.numbers) == (without.text, without.numbers)

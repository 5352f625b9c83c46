"""Frozen-expert tools: subspace_ad_score, anomaly_vfm_score, expert_heatmap.

All three read one ``ExpertScores`` per query (computed live on the query's pixels and
memoised on the context), calibrated against the domain's normals.
"""

from __future__ import annotations

import numpy as np

from tools import _imaging as im
from tools._args import NoArgs
from tools._context import ToolContext
from tools._registry import Finding, register, say
from tools._scores import PROBE_DOC, ProbeScore
from tools._types import ToolCard


def _verdict(z: float) -> str:
    if z > 3:
        return "far outside the normal range"
    if z > 1.5:
        return "at the edge of the normal range"
    return "within the normal range"


def _probe_line(p: ProbeScore) -> str:
    return (
        f"{p.name}: {p.raw:.3f} (normals {p.null_mean:.3f}±{p.null_std:.3f}, z {p.z:+.1f}, "
        f"tail p {p.tail_p:.2f} of {p.n_null})"
    )


def _probe_numbers(p: ProbeScore) -> dict[str, float]:
    return {f"{p.name}_raw": p.raw, f"{p.name}_z": p.z, f"{p.name}_tail_p": p.tail_p}


@register(
    ToolCard(
        name="subspace_ad_score",
        family="frozen_expert",
        summary="Anomaly score from the reconstruction error of the query's patch features outside "
        "the normal PCA subspace (top-1% patches), calibrated as a z-score against normals.",
        args_doc="(none)",
    ),
    NoArgs,
)
def subspace_ad_score(ctx: ToolContext, a: NoArgs) -> Finding:
    s = ctx.expert_scores()
    p = s.probes["pca"]
    facts = f"Subspace probe ({PROBE_DOC['pca']}; {ctx.calibration_note()}) — {_probe_line(p)}."
    meaning = f"the query is {_verdict(p.z)} of this domain's normal patch subspace" + (
        "; some patches hold patterns normal images do not span." if p.z > 1.5 else "."
    )
    return Finding(
        say(
            facts,
            meaning,
            "a global shift (lighting, focus, scale) that raises every patch rather than "
            "one region, or a normal variant missing from the fitted normals.",
        ),
        _probe_numbers(p),
    )


@register(
    ToolCard(
        name="anomaly_vfm_score",
        family="frozen_expert",
        summary="Anomaly scores from the frozen vision backbone: patch nearest-neighbour distance to "
        "normal patches, patch Mahalanobis distance, and whole-image embedding distance, each "
        "as a z-score and tail probability against normals.",
        args_doc="(none)",
    ),
    NoArgs,
)
def anomaly_vfm_score(ctx: ToolContext, a: NoArgs) -> Finding:
    s = ctx.expert_scores()
    names = ("knn", "gauss", "global")
    nums: dict[str, float] = {}
    for n in names:
        nums.update(_probe_numbers(s.probes[n]))
    nums["consensus_z"] = s.consensus_z
    bank = "the query's references" if s.bank == "references" else f"{s.n_bank_images} domain normals"
    facts = (
        f"Frozen-backbone probes ({ctx.calibration_note()}; kNN bank: {bank}) — "
        + "; ".join(_probe_line(s.probes[n]) for n in names)
        + f". Consensus z of the patch probes {s.consensus_z:+.1f}."
    )
    knn, glob = s.probes["knn"].z, s.probes["global"].z
    if knn > 3 and glob <= 1.5:
        meaning = (
            "a local anomaly: some patches are unlike any normal patch while the image as a whole is typical."
        )
    elif glob > 3 and knn <= 1.5:
        meaning = "a global/logical departure: every part looks normal but the whole image does not."
    else:
        meaning = f"the probes place the query {_verdict(max(knn, s.probes['gauss'].z, glob))}."
    return Finding(
        say(
            facts,
            meaning,
            "the hot region (expert_heatmap) matching a normal reference region "
            "(side_by_side_compare), or only a few fitted normals (unstable z).",
        ),
        nums,
    )


@register(
    ToolCard(
        name="expert_heatmap",
        family="frozen_expert",
        summary="Heatmap of patch nearest-neighbour distance to normal patches over the query, with the "
        "hottest region as a suggested box.",
        args_doc="(none)",
    ),
    NoArgs,
)
def expert_heatmap(ctx: ToolContext, a: NoArgs) -> Finding:
    s = ctx.expert_scores()
    heat = s.heatmap_array()
    b = s.hot_box
    hot_share = float((heat >= s.heat_threshold).mean())
    nums = {
        "box_x0": b.x0,
        "box_y0": b.y0,
        "box_x1": b.x1,
        "box_y1": b.y1,
        "peak": s.hot_peak,
        "peak_over_threshold": s.hot_peak / max(s.heat_threshold, 1e-9),
        "hot_share": hot_share,
        "normal_median": s.heat_median,
        "normal_q99": s.heat_threshold,
    }
    facts = (
        f"Hottest region ({b.x0:.2f}, {b.y0:.2f}, {b.x1:.2f}, {b.y1:.2f}), "
        f"peak patch distance {s.hot_peak:.3f} "
        f"(normal patches: median {s.heat_median:.3f}, 1% exceed {s.heat_threshold:.3f}); {hot_share:.1%} of "
        "the image exceeds that level."
    )
    if s.hot_peak > 1.2 * s.heat_threshold:
        meaning = "the box holds patches unlike normal ones: the most likely defect location."
    elif s.hot_peak > s.heat_threshold:
        meaning = "the box is slightly beyond normal patch variation: a weak candidate."
    else:
        meaning = "no patch exceeds normal variation; the box is only the least typical place, not evidence."
    thumb = ctx.view(256)

    def draw_image() -> np.ndarray:
        return im.draw_boxes(
            im.overlay(thumb, heat, s.heat_median, max(s.hot_peak, s.heat_threshold * 1.2), 0.5), [b], ["hot"]
        )

    return Finding(
        say(
            facts,
            meaning,
            "the same structure at that place in a normal reference (side_by_side_compare with this box).",
        ),
        nums,
        im.lazy_png(draw_image),
    )

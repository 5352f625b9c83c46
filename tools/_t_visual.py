"""Visual-inspection tools: side_by_side_compare, region_zoom, segment_anomaly."""

from __future__ import annotations

import numpy as np
from pydantic import Field
from scipy import ndimage
from skimage.filters import threshold_otsu

from tools import _imaging as im
from tools._args import Box, ToolArgs
from tools._context import ToolContext
from tools._heat import blobs, peak_blob
from tools._lru import derived
from tools._patchmath import cell_mask, nn_distance, reference_yardstick
from tools._registry import Finding, register, say
from tools._types import BBox, ToolCard
from tools.backbone import GRID


def _fmt_box(b: BBox) -> str:
    return f"({b.x0:.2f}, {b.y0:.2f}, {b.x1:.2f}, {b.y1:.2f})"


class SideBySideArgs(ToolArgs):
    box: Box | None = Field(default=None, description="Region to compare; the whole image if omitted.")
    ref_indices: list[int] | None = Field(
        default=None, max_length=4, description="References to show; the first three if omitted."
    )


@register(
    ToolCard(
        name="side_by_side_compare",
        family="visual_inspection",
        summary="Crops the same region from the query and references side by side and measures "
        "whether the query region has a close match in each reference.",
        args_doc="box: BBox | None = None; ref_indices: list[int] | None = None (max 4)",
    ),
    SideBySideArgs,
)
def side_by_side_compare(ctx: ToolContext, a: SideBySideArgs) -> Finding:
    ctx.require_references()
    idx = a.ref_indices if a.ref_indices is not None else list(range(min(3, len(ctx.references))))
    refs = [ctx.ref(i) for i in idx]
    qf = ctx.query_features().patches
    rfs = [ctx.reference_features()[i] for i in idx]
    q_mask, r_mask = cell_mask(GRID, a.box), cell_mask(GRID, a.box, margin=3)
    local = a.box is not None and q_mask.mean() < 0.9
    qc = im.crop(ctx.query, a.box)
    small_q = im.resize(qc, 48, 48).astype(np.float32) / 255
    nums: dict[str, float] = {}
    dists, ratios = [], []
    for i, rf, r in zip(idx, rfs, refs, strict=True):
        d = float(nn_distance(qf, [rf.patches], q_mask, r_mask).mean())
        small_r = im.resize(im.crop(r, a.box), 48, 48).astype(np.float32) / 255
        nums[f"feat_dist_ref{i}"] = d
        nums[f"pixel_diff_ref{i}"] = float(np.abs(small_q - small_r).mean())
        dists.append(d)
        if local:  # the rest of the image is the yardstick for this reference
            base = float(np.median(ctx.nn_map(i)[~q_mask]))
            ratios.append(d / max(base, 1e-6))
            nums[f"feat_ratio_ref{i}"] = ratios[-1]
    where = _fmt_box(a.box) if a.box else "the whole image"
    parts = [
        f"ref {i} {d:.3f}" + (f" (x{ratios[k]:.2f})" if local else "")
        for k, (i, d) in enumerate(zip(idx, dists, strict=True))
    ]
    facts = (
        f"Region {where}: mean patch-feature distance to each reference's same area"
        + (" (x = ratio to the rest of the image's distance to that reference)" if local else "")
        + ": "
        + ", ".join(parts)
        + "."
    )
    if not local:
        best = int(np.argmin(dists))
        nums.update(best_ref=float(idx[best]))
        meaning = (
            f"whole images compared; reference {idx[best]} is the closest. Without a box this cannot "
            "confirm or refute a particular candidate."
        )
    else:
        best = int(np.argmin(ratios))
        nums.update(best_ratio=ratios[best], best_ref=float(idx[best]))
        if ratios[best] < 1.3:
            meaning = (
                f"reference {idx[best]} matches this region about as well as the rest of the image: "
                "likely normal variation (found_in_ref)."
            )
        elif ratios[best] > 1.7:
            meaning = (
                "no reference matches this region as well as they match the rest of the image (not_found)."
            )
        else:
            meaning = "the match is in between; look at the crops before deciding (inconclusive)."

    def draw_image() -> np.ndarray:
        return im.panel([qc] + [im.crop(r, a.box) for r in refs], ["query"] + [f"ref {i}" for i in idx])

    disconfirm = (
        "the crops showing the same structure in the query and a reference, or a box that lands on "
        "different parts in query and references (pose change)."
    )
    return Finding(say(facts, meaning, disconfirm), nums, im.lazy_png(draw_image))


class ZoomArgs(ToolArgs):
    box: Box = Field(description="Region to enlarge.")


@register(
    ToolCard(
        name="region_zoom",
        family="visual_inspection",
        summary="Enlarges a region of the query and measures its brightness, contrast and edges "
        "against the whole image.",
        args_doc="box: BBox",
        needs_references=False,
    ),
    ZoomArgs,
)
def region_zoom(ctx: ToolContext, a: ZoomArgs) -> Finding:
    c = im.crop(ctx.query, a.box)
    g_all, g_c = im.gray(ctx.query), im.gray(c)
    edges = np.hypot(ndimage.sobel(g_all, 0), ndimage.sobel(g_all, 1))
    e_c = float(im.crop(edges, a.box).mean())
    sd = max(float(g_all.std()), 1e-3)
    nums = {
        "area": (a.box.x1 - a.box.x0) * (a.box.y1 - a.box.y0),
        "pixels_w": float(c.shape[1]),
        "pixels_h": float(c.shape[0]),
        "brightness": float(g_c.mean()),
        "contrast": float(g_c.std()),
        "brightness_z": (float(g_c.mean()) - float(g_all.mean())) / sd,
        "edge_ratio": e_c / max(float(edges.mean()), 1e-6),
    }
    for k, ch in zip("rgb", c.reshape(-1, 3).mean(0) / 255, strict=True):
        nums[f"mean_{k}"] = float(ch)
    scale = max(1, min(8, 320 // max(c.shape[:2])))

    def draw_zoomed() -> np.ndarray:
        return np.asarray(c.repeat(scale, 0).repeat(scale, 1)) if scale > 1 else im.thumb(c, 320)

    facts = (
        f"Zoom on {_fmt_box(a.box)} ({c.shape[1]}x{c.shape[0]} px, x{scale}): brightness "
        f"{nums['brightness']:.2f} ({nums['brightness_z']:+.1f} sd vs image), "
        f"contrast {nums['contrast']:.2f}, "
        f"edge density x{nums['edge_ratio']:.2f} the image average."
    )
    unusual = abs(nums["brightness_z"]) > 1.5 or not 0.5 < nums["edge_ratio"] < 2.0
    meaning = (
        "the region differs in tone or structure from the image as a whole; "
        "check whether references share it."
        if unusual
        else "the region's tone and structure are close to the image's average."
    )
    return Finding(
        say(
            facts, meaning, "the same appearance at this place in a normal reference (side_by_side_compare)."
        ),
        nums,
        im.lazy_png(draw_zoomed),
    )


class SegmentArgs(ToolArgs):
    ref_index: int | None = Field(default=None, ge=0, description="One reference; all references if omitted.")
    top_k: int = Field(default=3, ge=1, le=8, description="Most regions to return.")


@register(
    ToolCard(
        name="segment_anomaly",
        family="visual_inspection",
        summary="Segments the query regions that have no counterpart anywhere in the reference(s) "
        "(patch-feature nearest neighbour) and returns the top boxes.",
        args_doc="ref_index: int | None = None (all references); top_k: int = 3",
    ),
    SegmentArgs,
)
def segment_anomaly(ctx: ToolContext, a: SegmentArgs) -> Finding:
    if a.ref_index is not None:
        which = [a.ref_index]
        ctx.ref(a.ref_index)
    else:
        ctx.require_references()
        which = list(range(len(ctx.references)))
    # nearest patch over several references = the minimum of the per-reference maps (memoised)
    dmap = ndimage.gaussian_filter(np.min([ctx.nn_map(i) for i in which], axis=0), 1.0, mode="nearest")
    med = float(np.median(dmap))
    yard = derived(
        "yardstick:" + ",".join(sorted(ctx.reference_keys)),
        lambda: reference_yardstick([f.patches for f in ctx.reference_features()]),
    )
    if yard is None and ctx.experts is not None:
        yard = ctx.expert_scores().heat_threshold
    thr = max(float(threshold_otsu(dmap)), yard if yard is not None else 3 * med)
    found = blobs(dmap, thr, top_k=a.top_k) or [peak_blob(dmap)]
    nums: dict[str, float] = {"n_regions": float(len(found)), "median_distance": med, "threshold": thr}
    if yard is not None:
        nums["normal_yardstick"] = yard
    for k, b in enumerate(found, 1):
        nums.update(
            {
                f"r{k}_x0": b.box.x0,
                f"r{k}_y0": b.box.y0,
                f"r{k}_x1": b.box.x1,
                f"r{k}_y1": b.box.y1,
                f"r{k}_peak": b.peak,
                f"r{k}_contrast": b.peak / max(med, 1e-6),
                f"r{k}_area": b.area,
            }
        )
    against = f"reference {a.ref_index}" if a.ref_index is not None else f"all {len(which)} references"
    facts = (
        f"Against {against}: "
        + "; ".join(
            f"region {k} {_fmt_box(b.box)} peak {b.peak:.3f} (x{b.peak / max(med, 1e-6):.1f} the median), "
            f"{b.area:.1%} of the image"
            for k, b in enumerate(found, 1)
        )
        + "."
    )
    top = found[0].peak
    if yard is not None:
        facts += f" References differ from each other by up to {yard:.3f} (99% of their patches)."
        stands_out = top > 1.2 * yard
    else:
        stands_out = top > 3 * med
    meaning = (
        f"region 1 has no counterpart in the references (peak {top:.3f} beyond normal reference-to-reference "
        "variation): a candidate defect location."
        if stands_out
        else "no region is farther from the references than normal variation; the query is covered by them."
    )

    def draw_image() -> np.ndarray:
        return im.draw_boxes(
            ctx.view(256), [b.box for b in found], [str(k) for k in range(1, len(found) + 1)]
        )

    return Finding(
        say(
            facts,
            meaning,
            "a region that is a different pose/view of a normal part visible in a "
            "reference (check with side_by_side_compare).",
        ),
        nums,
        im.lazy_png(draw_image),
    )

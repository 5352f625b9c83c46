"""Structure/texture tools: blob_layout_viz, change_heatmap_viz, fft_spectrum_viz."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from tools import _imaging as im
from tools._args import Box, ToolArgs
from tools._context import ToolContext
from tools._heat import blobs, peak_blob
from tools._patchmath import colocated_change
from tools._registry import Finding, register, say
from tools._spectrum import spectrum
from tools._types import ToolCard

CHANGE_THRESHOLD = 0.25
"""Co-located cosine distance above which a patch counts as changed (shifted copies stay < 0.1)."""


class BlobArgs(ToolArgs):
    max_blobs: int = Field(default=5, ge=1, le=10, description="Most blobs to list.")


@register(
    ToolCard(
        name="blob_layout_viz",
        family="structure_texture",
        summary="Connected components of patches hotter than 99% of normal patches: how many, how big, "
        "where, and whether the heat is one compact blob or scattered.",
        args_doc="max_blobs: int = 5",
    ),
    BlobArgs,
)
def blob_layout_viz(ctx: ToolContext, a: BlobArgs) -> Finding:
    s = ctx.expert_scores()
    heat = s.heatmap_array()
    found = blobs(heat, s.heat_threshold)
    shown = found[: a.max_blobs]
    hot = float((heat >= s.heat_threshold).mean())
    largest = max((b.area for b in found), default=0.0)
    nums: dict[str, float] = {
        "n_blobs": float(len(found)),
        "hot_share": hot,
        "largest_area": largest,
        "threshold": s.heat_threshold,
    }
    for k, b in enumerate(shown, 1):
        nums.update(
            {
                f"b{k}_x0": b.box.x0,
                f"b{k}_y0": b.box.y0,
                f"b{k}_x1": b.box.x1,
                f"b{k}_y1": b.box.y1,
                f"b{k}_peak": b.peak,
                f"b{k}_area": b.area,
                f"b{k}_cx": b.cx,
                f"b{k}_cy": b.cy,
            }
        )
    facts = (
        f"{len(found)} hot blob(s) above the normal 99% patch level {s.heat_threshold:.3f}, "
        f"covering {hot:.1%} "
        "of the image"
        + (
            ": "
            + "; ".join(
                f"#{k} at ({b.cx:.2f}, {b.cy:.2f}), {b.area:.1%}, peak {b.peak:.3f}"
                for k, b in enumerate(shown, 1)
            )
            if shown
            else ""
        )
        + "."
    )
    strongest = found[0].peak / max(s.heat_threshold, 1e-9) if found else 0.0
    nums["peak_over_threshold"] = strongest
    if not found:
        meaning = "no patch is hotter than normal patches usually are: no localized anomaly."
    elif strongest < 1.2 and hot < 0.01:
        meaning = "only a few patches barely exceed the normal level: marginal, likely normal variation."
    elif len(found) == 1 or largest >= 0.6 * hot:
        meaning = "the heat is concentrated in one blob: consistent with one localized defect."
    else:
        meaning = (
            "the heat is scattered over several small blobs: more like texture/lighting variation "
            "than one defect."
        )

    def draw_image() -> np.ndarray:
        return im.draw_boxes(
            im.overlay(ctx.view(256), (heat >= s.heat_threshold).astype(np.float32), 0.0, 1.0, 0.35),
            [b.box for b in shown],
            [f"#{k}" for k in range(1, len(shown) + 1)],
        )

    return Finding(
        say(
            facts,
            meaning,
            "blobs that sit on structures every normal reference also has (check with side_by_side_compare).",
        ),
        nums,
        im.lazy_png(draw_image),
    )


class ChangeArgs(ToolArgs):
    ref_index: int = Field(default=0, ge=0, description="The 'before' image (reference) to compare with.")


@register(
    ToolCard(
        name="change_heatmap_viz",
        family="structure_texture",
        summary="Change heatmap between the query and its 'before' reference: per-place feature change "
        "(tolerating small misregistration), changed share and the most changed box.",
        args_doc="ref_index: int = 0",
        needs_pair=True,
    ),
    ChangeArgs,
)
def change_heatmap_viz(ctx: ToolContext, a: ChangeArgs) -> Finding:
    ref = ctx.ref(a.ref_index)
    change = colocated_change(ctx.query_features().patches, ctx.reference_features()[a.ref_index].patches)
    changed = change > CHANGE_THRESHOLD
    peak = peak_blob(change)
    nums = {
        "changed_share": float(changed.mean()),
        "mean_change": float(change.mean()),
        "peak": peak.peak,
        "box_x0": peak.box.x0,
        "box_y0": peak.box.y0,
        "box_x1": peak.box.x1,
        "box_y1": peak.box.y1,
        "threshold": CHANGE_THRESHOLD,
    }
    b = peak.box
    facts = (
        f"Against reference {a.ref_index}: {nums['changed_share']:.1%} of places changed (feature distance > "
        f"{CHANGE_THRESHOLD}); mean change {nums['mean_change']:.3f}; most changed region "
        f"({b.x0:.2f}, {b.y0:.2f}, {b.x1:.2f}, {b.y1:.2f}), peak {peak.peak:.3f}."
    )
    if changed.mean() < 0.01:
        meaning = "nothing beyond isolated cells changed (registration noise or image borders)."
    elif changed.mean() > 0.5:
        meaning = (
            "most of the scene differs: a different view, season or lighting rather than one local change."
        )
    else:
        meaning = "a local change: something appeared, disappeared or was altered in the marked region."

    def draw_panel() -> np.ndarray:
        return im.panel(
            [
                im.thumb(ref, 256),
                im.draw_boxes(im.overlay(ctx.view(256), change, 0.0, max(0.5, peak.peak), 0.55), [b]),
            ],
            [f"ref {a.ref_index}", "query + change"],
        )

    return Finding(
        say(
            facts,
            meaning,
            "the two images not showing the same place (then all change is meaningless), "
            "or a change that is only shadow or season.",
        ),
        nums,
        im.lazy_png(draw_panel),
    )


class FFTArgs(ToolArgs):
    box: Box | None = Field(default=None, description="Region to analyse; the whole image if omitted.")
    ref_index: int | None = Field(
        default=None, ge=0, description="Reference to compare (same region); none if omitted."
    )


@register(
    ToolCard(
        name="fft_spectrum_viz",
        family="structure_texture",
        summary="Fourier spectrum of a region: how periodic the texture is (share of power in spectral "
        "peaks), its dominant period and direction, compared with a reference.",
        args_doc="box: BBox | None = None; ref_index: int | None = None",
        needs_references=False,
    ),
    FFTArgs,
)
def fft_spectrum_viz(ctx: ToolContext, a: FFTArgs) -> Finding:
    qc = im.crop(ctx.query, a.box)
    sq = spectrum(im.gray(qc))
    nums = {"periodicity": sq.periodicity, "period_px": sq.period_px, "angle_deg": sq.angle_deg}
    facts = (
        f"Query{' region' if a.box else ''}: periodicity {sq.periodicity:.2f}, dominant period "
        f"{sq.period_px:.1f} px at {sq.angle_deg:.0f}°."
    )
    tiles, labels = [sq.log_power], ["query spectrum"]
    if a.ref_index is not None:
        sr = spectrum(im.gray(im.crop(ctx.ref(a.ref_index), a.box)))
        nums.update(
            ref_periodicity=sr.periodicity,
            ref_period_px=sr.period_px,
            periodicity_ratio=sq.periodicity / max(sr.periodicity, 1e-6),
        )
        facts += f" Reference {a.ref_index}: periodicity {sr.periodicity:.2f}, period {sr.period_px:.1f} px."
        tiles.append(sr.log_power)
        labels.append(f"ref {a.ref_index} spectrum")
        if sr.periodicity > 0.15 and sq.periodicity < 0.6 * sr.periodicity:
            meaning = (
                "the reference's regular pattern is weaker in the query: something disrupts the texture."
            )
        elif max(sr.periodicity, sq.periodicity) <= 0.15:
            meaning = "neither image has a periodic texture, so the spectrum says little here."
        else:
            meaning = "the query keeps the reference's periodic structure."
    else:
        meaning = (
            "the region has a strong periodic texture."
            if sq.periodicity > 0.15
            else "the region has no strong periodic texture."
        )
    tiles = [(t - t.min()) / max(float(np.ptp(t)), 1e-9) for t in tiles]
    return Finding(
        say(
            facts,
            meaning,
            "a box that mixes texture with background (periodicity drops), or a defect "
            "too small to change the spectrum.",
        ),
        nums,
        im.lazy_png(lambda: im.panel(tiles, labels, h=128)),
    )

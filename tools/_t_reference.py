"""Reference-understanding tools: reference_retriever, reference_profile, image_diff, rotate_align."""

from __future__ import annotations

import logging

import numpy as np
from pydantic import Field

from tools import _imaging as im
from tools._args import Box, NoArgs, ToolArgs
from tools._context import ToolContext
from tools._patchmath import sim
from tools._pixdiff import best_rotation, compare, grey_pair, rotate
from tools._profile import LABELS, colour_name, profile
from tools._registry import Finding, register, say
from tools._types import ToolCard

log = logging.getLogger(__name__)


class RetrieverArgs(ToolArgs):
    k: int = Field(default=3, ge=1, le=10, description="How many nearest references to return.")


@register(
    ToolCard(
        name="reference_retriever",
        family="reference_understanding",
        summary="Ranks the references by global similarity to the query (backbone embedding, cosine) "
        "and compares that with how similar the references are to each other.",
        args_doc="k: int = 3",
    ),
    RetrieverArgs,
)
def reference_retriever(ctx: ToolContext, a: RetrieverArgs) -> Finding:
    ctx.require_references()
    q = ctx.query_features().embedding
    embs = np.stack([f.embedding for f in ctx.reference_features()])
    sims = sim(embs, q[None])[:, 0]
    order = np.argsort(-sims)[: a.k]
    nums = {f"rank{r + 1}_ref": float(i) for r, i in enumerate(order)}
    nums.update({f"rank{r + 1}_sim": float(sims[i]) for r, i in enumerate(order)})
    facts = "Nearest references: " + ", ".join(f"ref {i} (cos {sims[i]:.3f})" for i in order) + "."
    if len(embs) >= 2:
        mutual = sim(embs, embs)
        np.fill_diagonal(mutual, -np.inf)
        typical = float(np.median(mutual.max(axis=1)))
        nums.update(ref_typical_sim=typical, gap=typical - float(sims[order[0]]))
        facts += f" References' typical similarity to their nearest other reference: {typical:.3f}."
        if sims[order[0]] >= typical - 0.02:
            meaning = "globally the query looks like the references look like each other: no global anomaly."
        else:
            meaning = (
                f"the query is farther from every reference than references are from each other "
                f"(gap {typical - sims[order[0]]:.3f}): globally atypical (a different view or product, "
                "or a large/global anomaly)."
            )
    else:
        meaning = (
            "only one reference, so there is no yardstick for 'typical' similarity; use the ranking only."
        )

    def draw_image() -> np.ndarray:
        return im.panel(
            [ctx.query] + [ctx.references[i] for i in order],
            ["query"] + [f"ref {i} {sims[i]:.2f}" for i in order],
            h=128,
        )

    return Finding(
        say(
            facts,
            meaning,
            "a local defect too small to move a global embedding (use expert_heatmap), "
            "or references that are themselves diverse.",
        ),
        nums,
        im.lazy_png(draw_image),
    )


@register(
    ToolCard(
        name="reference_profile",
        family="reference_understanding",
        summary="Describes what the references have in common from measured colour, layout, texture "
        "and size statistics (or a language model, when one is attached) and where the query "
        "departs from it.",
        args_doc="(none)",
    ),
    NoArgs,
)
def reference_profile(ctx: ToolContext, a: NoArgs) -> Finding:
    ctx.require_references()
    nums, z = profile(ctx.references, ctx.query, ctx.reference_keys)
    n = len(ctx.references)
    colour = colour_name([nums["ref_mean_r_mean"], nums["ref_mean_g_mean"], nums["ref_mean_b_mean"]])
    periodic = "periodic" if nums["ref_periodicity_mean"] > 0.15 else "non-periodic"
    facts = (
        f"References (n={n}, ~{nums['ref_width_mean']:.0f}x{nums['ref_height_mean']:.0f} px): "
        f"mostly {colour}, "
        f"brightness {nums['ref_brightness_mean']:.2f}±{nums['ref_brightness_std']:.2f}, contrast "
        f"{nums['ref_contrast_mean']:.2f}, saturation {nums['ref_saturation_mean']:.2f}; {periodic} texture "
        f"(periodicity {nums['ref_periodicity_mean']:.2f}), "
        f"edge density {nums['ref_edge_density_mean']:.3f}; "
        f"content centred at ({nums['ref_centroid_x_mean']:.2f}, {nums['ref_centroid_y_mean']:.2f}), spread "
        f"{nums['ref_spread_mean']:.2f}."
    )
    if ctx.describe_references is not None:
        try:
            facts = f"Description: {ctx.describe_references(ctx.references).strip()} Measured: {facts}"
        except Exception as exc:  # a user-supplied LM hook; its failure must not cost the measured profile
            log.warning("reference_profile LM hook failed: %s", exc)
            facts += f" (LM description failed: {exc.__class__.__name__})"
    far = sorted(z, key=lambda k: -abs(z[k]))[:3]
    facts += " Query vs references (z): " + ", ".join(f"{LABELS.get(k, k)} {z[k]:+.1f}" for k in far) + "."
    if abs(z[far[0]]) > 3:
        meaning = (
            f"the query departs from what the references share in {LABELS.get(far[0], far[0])} "
            f"(z {z[far[0]]:+.1f}); a global difference, not necessarily a defect."
        )
    else:
        meaning = "the query's colour, layout, texture and size are within the references' own variation."
    return Finding(
        say(
            facts,
            meaning,
            "references that vary as much in that statistic (small n makes z unstable), "
            "or a defect too small to move whole-image statistics.",
        ),
        nums,
    )


class DiffArgs(ToolArgs):
    ref_index: int = Field(default=0, ge=0, description="Which reference.")
    threshold: float = Field(
        default=0.15, gt=0.0, lt=1.0, description="Grey-level change that counts (0..1)."
    )
    box: Box | None = Field(default=None, description="Restrict the measurement to this region.")


def _pair(ctx: ToolContext, ref_index: int) -> tuple[np.ndarray, np.ndarray]:
    """Grey query and grey, tone-matched reference at ≤ 256 px (memoised per episode)."""
    ref = ctx.ref(ref_index)
    return ctx.memoised(f"grey_pair:{ref_index}", lambda: grey_pair(ctx.query, ref))


def _aligned_diff(ctx: ToolContext, ref_index: int, threshold: float):
    """Translation-aligned pixel difference against one reference (memoised; image_diff and rotate_align
    share it)."""
    q, r = _pair(ctx, ref_index)
    return ctx.memoised(f"aligned_diff:{ref_index}:{threshold}", lambda: compare(q, r, threshold))


def _diff_finding(ctx: ToolContext, pd, ref_index: int, extra: dict[str, float], lead: str) -> Finding:
    nums = {
        "changed_fraction": pd.changed_fraction,
        "mean_abs_diff": pd.mean_abs,
        "shift_dy": pd.shift[0],
        "shift_dx": pd.shift[1],
        **extra,
    }
    facts = (
        f"{lead}{pd.changed_fraction:.1%} of aligned pixels changed (mean |diff| {pd.mean_abs:.3f}, shift "
        f"dx {pd.shift[1]:+.2f}, dy {pd.shift[0]:+.2f} of the image)."
    )
    if pd.largest is not None:
        b = pd.largest.box
        nums.update(
            largest_x0=b.x0, largest_y0=b.y0, largest_x1=b.x1, largest_y1=b.y1, largest_area=pd.largest.area
        )
        where = f"({b.x0:.2f}, {b.y0:.2f}, {b.x1:.2f}, {b.y1:.2f})"
        facts += f" Largest changed region {where}, {pd.largest.area:.1%}."
    if pd.changed_fraction < 0.01:
        meaning = f"after alignment the query matches reference {ref_index} almost everywhere."
    elif pd.largest is not None and pd.largest.area > 0.5 * pd.changed_fraction:
        meaning = "the change is concentrated in one region: a candidate local difference."
    else:
        meaning = "the change is spread out: more likely pose, lighting or natural variation than one defect."
    q, _ = _pair(ctx, ref_index)
    hi = max(float(np.quantile(pd.diff, 0.999)), 0.2)

    def draw_image() -> np.ndarray:
        return im.panel(
            [
                ctx.view(256),
                pd.aligned,
                im.overlay(im.to_rgb(q), pd.diff[::2, ::2], 0.0, hi, 0.7),
            ],
            ["query", f"ref {ref_index} aligned", "difference"],
        )

    return Finding(
        say(
            facts,
            meaning,
            "a reference with a different pose or view (pixel differences then mean "
            "nothing; try rotate_align or side_by_side_compare).",
        ),
        nums,
        im.lazy_png(draw_image),
    )


@register(
    ToolCard(
        name="image_diff",
        family="reference_understanding",
        summary="Pixel difference of the query against one reference after translation alignment: "
        "changed fraction and where the change is.",
        args_doc="ref_index: int = 0; threshold: float = 0.15; box: BBox | None = None",
    ),
    DiffArgs,
)
def image_diff(ctx: ToolContext, a: DiffArgs) -> Finding:
    pd = _aligned_diff(ctx, a.ref_index, a.threshold)
    if a.box is not None:
        d, v = im.crop(pd.diff, a.box), im.crop(pd.valid, a.box)
        inside = float(((d > a.threshold) & v).sum() / max(1, v.sum()))
        pd = pd._replace(changed_fraction=inside, mean_abs=float(d[v].mean()) if v.any() else 0.0)
    return _diff_finding(
        ctx,
        pd,
        a.ref_index,
        {"threshold": a.threshold},
        f"Against reference {a.ref_index}{' inside the box' if a.box else ''}: ",
    )


class RotateArgs(ToolArgs):
    ref_index: int = Field(default=0, ge=0, description="Which reference.")
    max_deg: float = Field(default=10.0, gt=0.0, le=45.0, description="Search ±max_deg degrees.")
    step: float = Field(default=1.0, ge=0.25, le=10.0, description="Angle step in degrees.")
    threshold: float = Field(default=0.15, gt=0.0, lt=1.0, description="Grey-level change that counts.")


@register(
    ToolCard(
        name="rotate_align",
        family="reference_understanding",
        summary="Finds the rotation (±max_deg) and shift that best align a reference to the query, "
        "then differences them.",
        args_doc="ref_index: int = 0; max_deg: float = 10; step: float = 1; threshold: float = 0.15",
    ),
    RotateArgs,
)
def rotate_align(ctx: ToolContext, a: RotateArgs) -> Finding:
    q, r = _pair(ctx, a.ref_index)
    angle, residual = best_rotation(q, r, a.max_deg, a.step)
    rot, valid = rotate(r, angle)
    pd = compare(q, rot, a.threshold, r_valid=valid)
    before = _aligned_diff(ctx, a.ref_index, a.threshold)
    extra = {
        "best_angle_deg": angle,
        "residual_unrotated": residual.get(0.0, float("nan")),
        "residual_best": residual[angle],
        "changed_fraction_unrotated": before.changed_fraction,
    }
    return _diff_finding(
        ctx,
        pd,
        a.ref_index,
        extra,
        f"Best rotation {angle:+.1f}° (residual {residual[angle]:.3f} vs "
        f"{residual.get(0.0, float('nan')):.3f} unrotated); after it, ",
    )

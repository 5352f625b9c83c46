"""A run's gallery: every item's evidence card, hottest fused score first, on one heat scale.

The pixels come from the domain the run scored (``load_domain`` with the run's data source and
seed); the heatmaps from the domain's expert probes fitted exactly as the run fitted them (same
normals cap and image size, so the content-keyed index cache is reused), scored on each query
with the references the agent was shown. The heat scale is set once for the domain from those
probes' normal-patch quantiles (:func:`eval._heat_scale.domain_scale`). No HTML here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from anomalyclaw.errors import AnomalyClawError
from anomalyclaw.record import Record
from eval._cards import EvidenceCard, card_from_record
from eval._heat_scale import HeatScale, domain_scale

DEFAULT_REFS = 4  # AgentConfig.n_refs_refutation's default, for runs that did not store it


@dataclass(frozen=True)
class Gallery:
    """One run's cards, sorted by fused score (highest first; unscored items last).

    Attributes:
        run: the run (``db.RunInfo``).
        scale: the domain's heat scale; None when no heatmap could be computed.
        n_records: records in the run (cards may be fewer when capped).
    """

    run: Any
    domain_name: str
    cards: tuple[EvidenceCard, ...]
    scale: HeatScale | None
    n_records: int
    notes: tuple[str, ...] = field(default=())


def sort_key(rec: Record) -> tuple[int, float, str]:
    """Fused score descending, unscored last, ties by item id (stable across renders)."""
    s = rec.anomaly_score
    return (1, 0.0, rec.item_id) if s is None else (0, -float(s), rec.item_id)


def _domain(run: Any) -> Any:
    from anomalyclaw.data import load_domain

    source = run.data_source if run.data_source in ("real", "proxy") else "auto"
    return load_domain(run.domain, data=source, seed=int(run.config.get("seed", 0)))


def _pixels(domain: Any, recs: list[Record], max_side: int, n_refs: int) -> dict[str, tuple]:
    """item id → (query, references) as the agent loaded them; items that fail to load are left out."""
    from anomalyclaw.images import load_rgb

    items = {i.item_id: i for i in domain.items}
    out = {}
    for r in recs:
        item = items.get(r.item_id)
        if item is None:
            continue
        try:
            out[r.item_id] = (load_rgb(item.query_path, max_side),
                              [load_rgb(p, max_side) for p in item.ref_paths[:n_refs]])
        except AnomalyClawError:  # a missing or broken file: that card goes without pictures
            continue
    return out


def _heatmaps(domain: Any, pixels: dict[str, tuple], cfg: dict[str, Any]) -> dict[str, Any]:
    """item id → the probes' ``ExpertScores`` for that query (what expert_heatmap showed the agent)."""
    import tools
    from anomalyclaw.agent import fit_experts

    held = int(cfg.get("held_out_normals") or 0)  # normals the run kept out of the fit for its threshold
    if held:
        kept = domain.normal_pool[: len(domain.normal_pool) - held]
        domain = domain.model_copy(update={"normal_pool": kept})
    experts = fit_experts(domain, max_side=int(cfg.get("max_side", 512)), max_normals=cfg.get("max_normals"))
    return {i: tools.ToolContext(query=q, references=tuple(refs), spec=domain.spec, experts=experts)
            .expert_scores() for i, (q, refs) in pixels.items()}


def build_gallery(store: Any, run_id: str, *, images: bool = True, heat: bool = True,
                  max_items: int | None = None) -> Gallery:
    """Gather a run's cards.

    Args:
        store: the run store (``db.Store``).
        run_id: the run.
        images: load the domain's pixels (False: cards with scores and trails only).
        heat: compute probe heatmaps (needs ``images``; fits or loads the domain's experts).
        max_items: keep the N highest-scoring items only (None: all).

    Raises:
        InputError: unknown run id.
    """
    run = store.get_run(run_id)
    recs = sorted(store.records(run_id), key=sort_key)
    n_records = len(recs)
    recs = recs[:max_items] if max_items else recs
    notes: list[str] = []
    if max_items and n_records > max_items:
        notes.append(f"showing the {max_items} highest-scoring of {n_records} items")
    pixels: dict[str, tuple] = {}
    scores: dict[str, Any] = {}
    name = run.domain
    if images:
        try:
            domain = _domain(run)
            name = domain.spec.name
            cfg = run.config or {}
            pixels = _pixels(domain, recs, int(cfg.get("max_side", 512)),
                             int(cfg.get("n_refs_refutation", DEFAULT_REFS)))
            if heat and pixels:
                scores = _heatmaps(domain, pixels, cfg)
        except AnomalyClawError as exc:  # no data here: the gallery goes without pictures
            notes.append(f"no images: {exc}")
    scale = domain_scale(run.domain, list(scores.values())) if scores else None
    cards = []
    for r in recs:
        q, refs = pixels.get(r.item_id, (None, []))
        s = scores.get(r.item_id)
        cards.append(card_from_record(r, query=q, references=refs, scale=scale,
                                      heat=None if s is None else np.asarray(s.heatmap, dtype=np.float32)))
    return Gallery(run=run, domain_name=name, cards=tuple(cards), scale=scale, n_records=n_records,
                   notes=tuple(notes))

"""Evidence cards: what one scored item shows a person, built from its record and its pixels.

A card holds the query, the references the agent was given, the expert-probe heatmap coloured
on the domain's scale (:mod:`eval._heat_scale`), the refutation trail (candidate → tool →
observation → verdict, turn by turn, as the record's ``history`` holds it), both branch scores,
the fused score and the decision. Decision and threshold come from the run's operating point
when the record has one (``decision`` / ``threshold`` fields); otherwise they stay None and the
page shows "—". No HTML here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from anomalyclaw.record import Record
from eval._heat_scale import HeatScale, overlay_heat

OBSERVATION_CHARS = 360
THUMB = 160


@dataclass(frozen=True)
class TrailStep:
    """One refutation turn as the card lists it.

    Attributes:
        turn: 1-based turn number.
        candidate: the candidate the turn's tool call was about ('' when none).
        tool: tool called ('' when the turn called none, e.g. the final answer).
        args: the tool arguments as short text, e.g. ``box=[0.357,0.143,0.536,0.321]`` ('' when none).
        observation: the tool's observation text, truncated to ``OBSERVATION_CHARS``.
        verdict: verdict given this turn (found_in_ref / not_found / inconclusive), '' when none.
        verdict_on: the candidate that verdict is about ('' when none).
        score: the refutation score after this turn.
        error: the turn's error, '' when fine.
    """

    turn: int
    candidate: str
    tool: str
    args: str
    observation: str
    verdict: str
    verdict_on: str
    score: float | None
    error: str


@dataclass(frozen=True, eq=False)
class EvidenceCard:
    """Everything one item's card shows. Images are small (H, W, 3) uint8 thumbnails.

    Attributes:
        decision: 'anomalous' / 'normal' from the run's operating point, None without one.
        heat: the heatmap coloured on the domain scale, blended over the query thumbnail.
        heat_map: the raw (G, G) heatmap in patch-distance units (None without one).
        scale: the domain scale ``heat`` was drawn on.
    """

    item_id: str
    label: int | None
    direct: float | None
    refutation: float | None
    fused: float | None
    decision: str | None
    threshold: float | None
    trail: tuple[TrailStep, ...]
    candidates: tuple[dict[str, Any], ...] = ()
    tools_used: tuple[str, ...] = ()
    error: str | None = None
    episode_end: str | None = None
    direct_rationale: str | None = None
    query: np.ndarray | None = None
    references: tuple[np.ndarray, ...] = ()
    heat: np.ndarray | None = None
    heat_map: np.ndarray | None = None
    scale: HeatScale | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def heat_peak(self) -> float | None:
        """Hottest heatmap cell, in patch-distance units (None without a heatmap)."""
        return None if self.heat_map is None else float(self.heat_map.max())


def _name(index: Any, candidates: Sequence[dict[str, Any]]) -> str:
    if index is None:
        return ""
    for c in candidates:
        if c.get("index") == index:
            return f"#{index} {c.get('name') or ''}".strip()
    return f"#{index}"


def _compact(args: dict[str, Any]) -> str:
    """Tool arguments as short text: floats to 3 decimals (boxes are in the normalised frame)."""
    def r(v: Any) -> Any:
        if isinstance(v, float):
            return round(v, 3)
        if isinstance(v, list | tuple):
            return [r(x) for x in v]
        return v

    return ", ".join(f"{k}={json.dumps(r(v), separators=(',', ':'))}" for k, v in args.items())


def trail_from_record(rec: Record) -> tuple[TrailStep, ...]:
    """The record's per-turn history as card rows (in turn order, nothing dropped but long text)."""
    cands = list(getattr(rec, "candidates", None) or [])
    steps = []
    for k, h in enumerate(rec.history or []):
        obs = str(h.get("observation") or "")
        steps.append(TrailStep(
            turn=int(h.get("turn") or k + 1),
            candidate=(f"#{h['candidate']} {h.get('candidate_name') or ''}".strip() if h.get("candidate")
                       is not None else ""),
            tool=str(h.get("tool") or ""),
            args=_compact(h["args"]) if h.get("args") else "",
            observation=obs if len(obs) <= OBSERVATION_CHARS else obs[: OBSERVATION_CHARS - 1] + "…",
            verdict=str(h.get("verdict") or ""),
            verdict_on=_name(h.get("verdict_candidate"), cands) if h.get("verdict") else "",
            score=None if h.get("score") is None else float(h["score"]),
            error=str(h.get("error") or ""),
        ))
    return tuple(steps)


def thumbnail(img: np.ndarray, side: int = THUMB) -> np.ndarray:
    """Downscale an (H, W, 3) uint8 image so its long side is at most ``side``."""
    im = Image.fromarray(img)
    im.thumbnail((side, side))
    return np.asarray(im)


def card_from_record(rec: Record, *, query: np.ndarray | None = None,
                     references: Sequence[np.ndarray] = (), heat: np.ndarray | None = None,
                     scale: HeatScale | None = None, side: int = THUMB) -> EvidenceCard:
    """Build one card.

    Args:
        rec: the item's record (labels allowed: cards are for people, after scoring).
        query: the query image (H, W, 3) uint8, or None when the pixels are not at hand.
        references: the references the agent was shown, in order.
        heat: the query's (G, G) probe heatmap; drawn only together with ``scale``.
        scale: the domain's heat scale (one per domain: never this map's own range).
        side: thumbnail long side in px.
    """
    q = thumbnail(query, side) if query is not None else None
    hot = overlay_heat(q, heat, scale) if q is not None and heat is not None and scale is not None else None
    notes = []
    if query is None:
        notes.append("no image: the item's pixels were not available")
    elif heat is None or scale is None:
        notes.append("no heatmap: the expert probes did not run")
    return EvidenceCard(
        item_id=rec.item_id, label=rec.label, direct=rec.direct_score, refutation=rec.refutation_score,
        fused=rec.anomaly_score, decision=getattr(rec, "decision", None),
        threshold=getattr(rec, "threshold", None), trail=trail_from_record(rec),
        candidates=tuple(getattr(rec, "candidates", None) or ()), tools_used=tuple(rec.tools_used or ()),
        error=rec.error or (f"direct: {rec.direct_error}" if rec.direct_error else None),
        episode_end=getattr(rec, "episode_end", None), direct_rationale=rec.direct_rationale,
        query=q, references=tuple(thumbnail(r, side // 2) for r in references), heat=hot,
        heat_map=None if heat is None else np.asarray(heat, dtype=np.float32), scale=scale,
        notes=tuple(notes),
    )

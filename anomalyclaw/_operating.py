"""The run's label-free operating point: hold out some normals, score them, read off a threshold.

Before a run scores its items, ``calib_normals`` images of the domain's normal pool are held out
of the expert fit; the same agent (backend, model, rulebook) scores them as queries, with
references drawn from the rest of the pool. Their fused scores set the threshold at the target
false-positive rate (:func:`eval.operating_point.threshold_at_fpr`). Items are then scored by the
very same agent, so a normal item and a held-out normal are scored alike. The threshold is stored
with the rulebook version and applied to each record after fusion; ``anomaly_score`` stays the
raw fused score. Labels are never read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from anomalyclaw.data import Domain, Item
from anomalyclaw.record import Record
from eval.operating_point import decide, threshold_at_fpr

METHOD = "held-out-normals"
MIN_FIT_NORMALS = 2


def files_fingerprint(paths: Sequence[Path]) -> str:
    """A hash of the files' paths, sizes and modification times: a stored threshold is reused
    only for the very same held-out normals."""
    h = hashlib.sha1()
    for p in paths:
        st = Path(p).stat()
        h.update(f"{p}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def hold_out(domain: Domain, n: int) -> tuple[Domain, tuple[Path, ...], str | None]:
    """The domain whose experts fit on all but ``n`` pool normals, the held-out ones, or why not.

    Returns:
        ``(domain_to_fit, held_out, reason)``: ``held_out`` is empty and ``reason`` says why when no
        threshold can be set (change pairs, too few normals).
    """
    pool = domain.normal_pool
    if domain.spec.paired:
        return domain, (), "change pairs: a held-out normal has no 'before' image of its own"
    if n < 2 or len(pool) < n + MIN_FIT_NORMALS:
        return domain, (), f"{len(pool)} pool normals; need {n} to hold out plus {MIN_FIT_NORMALS} to fit"
    keep, held = pool[: len(pool) - n], pool[len(pool) - n :]
    return domain.model_copy(update={"normal_pool": keep}), held, None


def normal_items(domain: Domain, held: Sequence[Path], n_refs: int, seed: int) -> list[Item]:
    """Held-out normals as queries, each with ``n_refs`` references from the fitted pool (seeded)."""
    rng = np.random.default_rng(seed)
    pool = domain.normal_pool
    k = min(n_refs, len(pool))
    return [
        Item(item_id=f"{domain.spec.code}_normal_{i:03d}", domain_code=domain.spec.code, split="calib",
             query_path=p, ref_paths=tuple(pool[j] for j in rng.choice(len(pool), k, replace=False)),
             data_source=domain.spec.data_source)
        for i, p in enumerate(held)
    ]


def calibrate(agent: Any, items: Sequence[Item], fpr: float, max_in_flight: int = 1) -> dict[str, Any]:
    """Score the held-out normals with ``agent``; the threshold and what set it.

    Raises:
        ValueError: fewer than two held-out normals got a score.
    """
    with ThreadPoolExecutor(max_workers=max_in_flight) as pool:
        recs = list(pool.map(agent.score, items))
    scores = [r.anomaly_score for r in recs if r.anomaly_score is not None]
    if len(scores) < 2:
        raise ValueError(f"only {len(scores)} of {len(items)} held-out normals got a score")
    return {"threshold": threshold_at_fpr(scores, fpr), "n_normals": len(scores),
            "normal_scores": [round(s, 6) for s in scores], "n_failed": len(items) - len(scores)}


def apply(record: Record, threshold: float | None, fpr: float | None) -> Record:
    """The record with its decision at ``threshold`` (unchanged when there is none)."""
    if threshold is None:
        return record
    return record.model_copy(update={"threshold": threshold, "fpr_target": fpr,
                                     "decision": decide(record.anomaly_score, threshold)})


def operating_point(agent: Any, domain: Domain, held: tuple[Path, ...], version: int,
                    args: Any, config: Any, store: Any, console: Any) -> float | None:
    """The stored threshold for these settings, else one calibrated now on the held-out normals."""
    from db import OperatingPoint

    code = domain.spec.code
    settings = {"calib_normals": len(held), "seed": args.seed, "data": args.data,
                "max_normals": config.max_normals, "n_refs": config.n_refs_refutation,
                "normals": files_fingerprint(held), "experts": str(getattr(agent.experts, "key", ""))}
    key = (code, version, config.backend, config.model_name, args.fpr)
    if store is not None and (op := store.operating_point(*key)) is not None \
            and op.evidence.get("settings") == settings:
        console.print(f"{code}: threshold {op.threshold:.4f} at FPR {args.fpr:g} "
                      f"(stored, {op.n_normals} normals)")
        return op.threshold
    items = normal_items(domain, held, config.n_refs_refutation, args.seed)
    try:
        found = calibrate(agent, items, args.fpr, config.max_in_flight)
    except ValueError as exc:
        console.print(f"[yellow]{code}: no decision threshold: {exc}[/]")
        return None
    if store is not None:
        store.set_operating_point(OperatingPoint(
            domain=code, version=version, backend=config.backend, model=config.model_name, fpr=args.fpr,
            threshold=found["threshold"], method=METHOD, n_normals=found["n_normals"],
            evidence={"settings": settings, **found}))
    console.print(f"{code}: threshold {found['threshold']:.4f} at FPR {args.fpr:g}, set from "
                  f"{found['n_normals']} held-out normals (no labels)")
    return found["threshold"]

"""Score many items concurrently, write records as they finish, resume where a run stopped.

Items are scored by a thread pool of ``max_in_flight`` workers (each item's calls run in
sequence on its worker, so at most ``max_in_flight`` requests are in flight). Labels are
joined from the domain's ground truth only when a record is written, for eval and summaries;
the agent never sees them. Work order is a seeded permutation, since item ids are sorted by
label inside a split and nothing downstream should see that order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

from anomalyclaw.agent._sinks import RecordSink
from anomalyclaw.data import GroundTruth, Item
from anomalyclaw.record import Record


def new_run_id() -> str:
    """A short unique run id."""
    return uuid.uuid4().hex[:12]


def pick_items(items: Sequence[Item], *, limit: int | None, seed: int) -> list[Item]:
    """A seeded random order of ``items``, cut to ``limit`` (label-blind, unlike id order)."""
    order = np.random.default_rng(seed).permutation(len(items))
    chosen = [items[i] for i in order]
    return chosen[:limit] if limit is not None else chosen


def with_label(record: Record, truth: Mapping[str, GroundTruth] | None) -> Record:
    """The record with its ground-truth label joined (unchanged when unknown)."""
    gt = (truth or {}).get(record.item_id)
    return record.model_copy(update={"label": gt.label}) if gt is not None else record


def _safe(score: Callable[[Item], Record], item: Item) -> Record:
    try:
        return score(item)
    except Exception as exc:  # noqa: BLE001 — a run never dies on one item; the reason is recorded
        return Record(
            item_id=item.item_id,
            domain_code=item.domain_code,
            split=item.split,
            data_source=item.data_source,
            error=f"item crashed: {type(exc).__name__}: {exc}"[:500],
        )


def run_items(
    score: Callable[[Item], Record],
    items: Sequence[Item],
    *,
    sink: RecordSink,
    run_id: str,
    truth: Mapping[str, GroundTruth] | None = None,
    max_in_flight: int = 4,
    on_record: Callable[[Record], None] | None = None,
) -> list[Record]:
    """Score the items not already done in ``sink``; returns the new records.

    Args:
        score: ``Agent.score`` (never raises for model or tool failures).
        items: items of one or more domains.
        sink: where records go; its ``done_ids`` decide what is skipped.
        run_id: stamped on every record.
        truth: item id → ground truth, joined at write time (None on unlabeled pools).
        max_in_flight: concurrent items.
        on_record: called after each record is written (progress bars).
    """
    done: dict[str, set[str]] = {}
    todo = []
    for item in items:
        if item.domain_code not in done:
            done[item.domain_code] = sink.done_ids(item.domain_code)
        if item.item_id not in done[item.domain_code]:
            todo.append(item)
    out: list[Record] = []
    with ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="score") as pool:
        futures = [pool.submit(_safe, score, item) for item in todo]
        for fut in as_completed(futures):
            record = with_label(fut.result().model_copy(update={"run_id": run_id}), truth)
            sink.write(record)
            out.append(record)
            if on_record is not None:
                on_record(record)
    return out

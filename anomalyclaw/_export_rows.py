"""The work behind ``python -m anomalyclaw.export``: one flat row per item of a stored run.

Rows carry both branch scores and the fused one (DESIGN.md §1 pitfall 7: report both
branches, not only the blend), plus the decision and threshold when the run has an
operating point (None otherwise). CSV flattens ``tools_used`` to ``a;b``; JSON lines keep it
a list, so a JSONL row is exactly :func:`export_rows`' dict.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from anomalyclaw.errors import InputError
from anomalyclaw.record import Record

COLUMNS = (
    "run_id", "domain", "item_id", "split", "label", "direct", "refutation", "fused", "decision",
    "threshold", "tools_used", "n_turns", "error", "backend", "model", "rulebook_version",
)
FORMATS = ("csv", "jsonl")
TOOL_SEP = ";"
_RECENT = 5


def _extra(rec: Record, name: str) -> Any:
    """A field another part of the code base may add (typed or as an extra): None when absent."""
    return getattr(rec, name, None)


def _errors(rec: Record) -> str | None:
    """The episode error and the Direct branch's, in one cell (None when both are fine)."""
    parts = [rec.error, f"direct: {rec.direct_error}" if rec.direct_error else None]
    return "; ".join(p for p in parts if p) or None


def record_row(rec: Record, run: Any) -> dict[str, Any]:
    """One export row from a record and its run (run fields fill what the record lacks)."""
    return {
        "run_id": run.run_id,
        "domain": rec.domain_code,
        "item_id": rec.item_id,
        "split": rec.split or run.split,
        "label": rec.label,
        "direct": rec.direct_score,
        "refutation": rec.refutation_score,
        "fused": rec.anomaly_score,
        "decision": _extra(rec, "decision"),
        "threshold": _extra(rec, "threshold"),
        "tools_used": list(rec.tools_used or []),
        "n_turns": rec.n_turns,
        "error": _errors(rec),
        "backend": rec.backend or run.backend,
        "model": rec.model or run.model,
        "rulebook_version": run.rulebook_version if rec.rulebook_version is None else rec.rulebook_version,
    }


def find_run(store: Any, run_id: str) -> Any:
    """The stored run, or an InputError that lists the newest run ids (the likely typo targets)."""
    known = store.runs()
    match = next((r for r in known if r.run_id == run_id), None)
    if match is not None:
        return store.get_run(run_id)
    recent = ", ".join(r.run_id for r in known[:_RECENT]) or "none: the store holds no runs yet"
    raise InputError(f"no run {run_id!r} in the store; recent runs: {recent}")


def export_rows(store: Any, run_id: str) -> list[dict[str, Any]]:
    """The run's rows, in the order its records were first written.

    Raises:
        InputError: unknown run id (the message lists recent ones).
    """
    run = find_run(store, run_id)
    return [record_row(r, run) for r in store.records(run_id)]


def to_csv(rows: list[dict[str, Any]]) -> str:
    """CSV with a header; None → empty cell, tools joined by ``;``."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        flat = {k: ("" if v is None else v) for k, v in row.items()}
        flat["tools_used"] = TOOL_SEP.join(row["tools_used"])
        writer.writerow(flat)
    return buf.getvalue()


def to_jsonl(rows: list[dict[str, Any]]) -> str:
    """One JSON object per line, keys in :data:`COLUMNS` order."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def render(rows: list[dict[str, Any]], fmt: str) -> str:
    """Rows in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    return to_csv(rows) if fmt == "csv" else to_jsonl(rows)

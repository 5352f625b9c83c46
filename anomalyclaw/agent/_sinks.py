"""Where finished Records go: a small protocol, and a JSON sink in the upstream file format.

The JSON sink appends each record to ``<out>/<domain>.records.jsonl`` as it finishes (so an
interrupted run loses nothing) and writes ``<out>/<domain>.json`` — a JSON list of per-item
dicts, the upstream result format plus our fields — on flush and close. The run store (``db``)
plugs in as another :class:`RecordSink`.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

from anomalyclaw.errors import RecordError
from anomalyclaw.record import Record


@runtime_checkable
class RecordSink(Protocol):
    """Receives finished records; knows which items are already done (for resume)."""

    def done_ids(self, domain: str) -> set[str]:
        """Item ids of ``domain`` that hold a finished record (skipped on resume)."""

    def write(self, record: Record) -> None:
        """Store one record (thread-safe)."""

    def close(self) -> None:
        """Flush everything."""


def is_finished(record: Record) -> bool:
    """A record counts as done when it has a fused score; error records are retried."""
    return record.anomaly_score is not None


class JsonSink:
    """Per-domain JSON files under ``out``; resumable.

    Args:
        out: output directory (created).
    """

    def __init__(self, out: Path | str) -> None:
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._records: dict[str, dict[str, Record]] = {}

    def _paths(self, domain: str) -> tuple[Path, Path]:
        return self.out / f"{domain}.json", self.out / f"{domain}.records.jsonl"

    def _load(self, domain: str) -> dict[str, Record]:
        if domain in self._records:
            return self._records[domain]
        listing, journal = self._paths(domain)
        recs: dict[str, Record] = {}
        if listing.is_file():
            try:
                data = json.loads(listing.read_text())
            except json.JSONDecodeError as exc:
                raise RecordError(
                    f"not JSON ({exc})",
                    path=str(listing),
                    hint="delete it to rebuild from the .records.jsonl journal",
                ) from exc
            for d in data:
                recs[d["item_id"]] = Record.from_upstream(d)
        lines = journal.read_text().splitlines() if journal.is_file() else []
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rec = Record.from_upstream(json.loads(line))
            except json.JSONDecodeError:
                if n == len(lines):  # cut short by an interrupted run: drop it from the journal
                    journal.write_text("".join(ln + "\n" for ln in lines[:-1]))
                    break
                raise RecordError(f"line {n} is not JSON", path=str(journal)) from None
            recs[rec.item_id] = rec  # later lines win
        self._records[domain] = recs
        return recs

    def records(self, domain: str) -> list[Record]:
        """Every stored record of ``domain`` (finished or not)."""
        with self._lock:
            return list(self._load(domain).values())

    def done_ids(self, domain: str) -> set[str]:
        """Item ids of ``domain`` with a finished record."""
        with self._lock:
            return {i for i, r in self._load(domain).items() if is_finished(r)}

    def write(self, record: Record) -> None:
        """Append to the journal and keep in memory."""
        with self._lock:
            self._load(record.domain_code)[record.item_id] = record
            _, journal = self._paths(record.domain_code)
            with journal.open("a") as f:
                f.write(json.dumps(record.to_upstream()) + "\n")
                f.flush()

    def flush(self) -> None:
        """Rewrite every domain's JSON list atomically."""
        with self._lock:
            for domain, recs in self._records.items():
                listing, _ = self._paths(domain)
                tmp = listing.with_suffix(".json.tmp")
                tmp.write_text(
                    json.dumps(
                        [r.to_upstream() for r in sorted(recs.values(), key=lambda r: r.item_id)], indent=1
                    )
                )
                os.replace(tmp, listing)

    def close(self) -> None:
        """Write the JSON lists."""
        self.flush()

"""Read back what an offline W&B run wrote, so tests can check what a command logged.

wandb 0.31 writes an offline run as ``offline-run-*/run-<id>.wandb``: a LevelDB-style log
(7-byte file header, 32 KiB blocks, each chunk with a 7-byte header: CRC, length, kind) of
protobuf ``Record`` messages, plus the logged tables under ``files/media``. The Python reader that
older wandb versions shipped (``wandb.sdk.internal.datastore``) moved into the Go core, so this
module parses the log itself with wandb's own protobuf classes.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["OfflineArtifact", "OfflineRun", "offline_runs", "read_offline_run"]

_BLOCK, _HEADER = 32768, 7
_FULL, _LAST = 1, 4


@dataclass(frozen=True)
class OfflineArtifact:
    """One artifact a run logged (not its files' bytes: only their paths)."""

    name: str
    """Artifact collection name, e.g. ``rulebook-D9``."""
    type: str
    """Artifact type, e.g. ``rulebook`` or ``run_table``."""
    aliases: tuple[str, ...]
    """Aliases given at logging time (``latest``, ``version-3`` ...)."""
    metadata: dict[str, Any]
    """The artifact's metadata."""
    files: tuple[str, ...]
    """Paths inside the artifact."""


@dataclass
class OfflineRun:
    """What one offline run holds."""

    run_dir: Path
    """The ``offline-run-*`` folder."""
    job_type: str = ""
    """The run's job type (``run``, ``evolve``, ``table1`` ...)."""
    config: dict[str, Any] = field(default_factory=dict)
    """The run config after every update."""
    summary: dict[str, Any] = field(default_factory=dict)
    """The run summary after every update (last value per key)."""
    history: list[dict[str, Any]] = field(default_factory=list)
    """One dict per ``run.log`` step."""
    artifacts: list[OfflineArtifact] = field(default_factory=list)
    """Artifacts in logging order."""

    def table(self, key: str) -> list[dict[str, Any]]:
        """The rows of the last table logged under ``key``, as column → value dicts."""
        refs = [h[key] for h in self.history if isinstance(h.get(key), dict)]
        if not refs:
            raise KeyError(f"no table {key!r} in {self.run_dir}")
        data = json.loads((self.run_dir / "files" / refs[-1]["path"]).read_text())
        return [dict(zip(data["columns"], row, strict=True)) for row in data["data"]]


def _records(path: Path) -> Iterator[Any]:
    from wandb.proto import wandb_internal_pb2 as pb

    data, pos, buf = path.read_bytes(), _HEADER, b""
    if data[:4] != b":W&B":
        raise ValueError(f"{path} is not a W&B run log")
    while pos + _HEADER <= len(data):
        left = _BLOCK - pos % _BLOCK
        if left < _HEADER:  # block trailer: padding
            pos += left
            continue
        _crc, n, kind = struct.unpack("<IHB", data[pos : pos + _HEADER])
        if n == 0 and kind == 0:
            break
        buf += data[pos + _HEADER : pos + _HEADER + n]
        pos += _HEADER + n
        if kind in (_FULL, _LAST):
            rec = pb.Record()
            rec.ParseFromString(buf)
            buf = b""
            yield rec


def _items(updates: Any, into: dict[str, Any] | None = None) -> dict[str, Any]:
    """Key/value updates into a dict; nested keys (a logged table's fields) become nested dicts."""
    out = {} if into is None else into
    for u in updates:
        path = [u.key] if u.key else list(u.nested_key)
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = json.loads(u.value_json)
    return out


def read_offline_run(run_dir: Path) -> OfflineRun:
    """Parse ``run_dir/run-*.wandb`` (an ``offline-run-*`` folder written by a finished run)."""
    run_dir = Path(run_dir)
    (log,) = run_dir.glob("run-*.wandb")
    out = OfflineRun(run_dir)
    for rec in _records(log):
        kind = rec.WhichOneof("record_type")
        if kind == "run":
            out.job_type = rec.run.job_type or out.job_type
            _items(rec.run.config.update, out.config)
        elif kind == "config":
            _items(rec.config.update, out.config)
        elif kind == "summary":
            _items(rec.summary.update, out.summary)
        elif kind == "history":
            out.history.append(_items(rec.history.item))
        elif kind == "artifact":
            a = rec.artifact
            out.artifacts.append(
                OfflineArtifact(
                    a.name,
                    a.type,
                    tuple(a.aliases),
                    json.loads(a.metadata) if a.metadata else {},
                    tuple(e.path for e in a.manifest.contents),
                )
            )
    return out


def offline_runs(wandb_dir: Path) -> list[OfflineRun]:
    """Every offline run under ``<wandb_dir>/wandb``, oldest first."""
    return [read_offline_run(d) for d in sorted((Path(wandb_dir) / "wandb").glob("offline-run-*"))]

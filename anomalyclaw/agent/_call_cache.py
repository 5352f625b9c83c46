"""An on-disk cache of successful model calls, consulted by :class:`ModelCaller` before each call.

A call is keyed by everything that decides its answer: the signature (name, instructions and
fields: the prompt), every input (images by a hash of their encoded bytes, text by value), the
backend and model, the call settings (temperature, max tokens, log-probabilities) and a context
tag (the rulebook version and a hash of its rules, whose machine-readable conditions the offline
policy applies without them being in the prompt). Only answers that parsed are stored; errors
never are, so a retry after a failure always reaches the model.

Entries are pickles written atomically (temporary file, then ``os.replace``) under
``$ANOMALYCLAW_HOME/cache/calls``. An unreadable entry counts as a miss and is removed. The
directory is the user's own; it is not meant to be shared with untrusted parties.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import dspy
from pydantic import TypeAdapter

FORMAT = 1


def _canonical(value: Any) -> Any:
    """A JSON-able stand-in for an input value; images become a hash of their bytes."""
    if isinstance(value, dspy.Image):
        return {"image_sha256": hashlib.sha256(str(value.url).encode()).hexdigest()}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "model_dump"):
        return _canonical(value.model_dump(mode="json"))
    return repr(value)


def signature_fingerprint(signature: type[dspy.Signature]) -> dict[str, Any]:
    """What of a signature shapes the prompt: its name, instructions and typed, described fields."""
    fields = {
        name: [str(f.annotation), str((f.json_schema_extra or {}).get("desc", ""))]
        for name, f in signature.fields.items()
    }
    return {"name": signature.__name__, "instructions": signature.instructions, "fields": fields}


def call_key(
    signature: type[dspy.Signature],
    inputs: dict[str, Any],
    *,
    backend: str,
    model: str,
    settings: dict[str, Any],
    tag: str = "",
) -> str:
    """The cache key of one call (hex SHA-256)."""
    payload = {
        "format": FORMAT,
        "signature": signature_fingerprint(signature),
        "inputs": _canonical(inputs),
        "backend": backend,
        "model": model,
        "settings": _canonical(settings),
        "tag": tag,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def revive(signature: type[dspy.Signature], outputs: dict[str, Any]) -> dspy.Prediction:
    """A Prediction from stored plain values, each validated back into its output field's type.

    Raises:
        pydantic.ValidationError: the stored values no longer fit the signature.
    """
    fields = signature.output_fields
    values = {
        name: TypeAdapter(fields[name].annotation).validate_python(value) if name in fields else value
        for name, value in outputs.items()
    }
    return dspy.Prediction(**values)


class CallCache:
    """Successful predictions on disk, one file per key; safe across threads and processes.

    Args:
        root: the cache directory (created on first write).
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pkl"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored entry (``outputs`` as plain values, ``notes``), or None on a miss or a bad file."""
        path = self._path(key)
        try:
            with path.open("rb") as fh:
                entry = pickle.load(fh)
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 — a damaged entry is a miss, never a crash
            path.unlink(missing_ok=True)
            return None
        if not isinstance(entry, dict) or entry.get("format") != FORMAT:
            return None
        return {"outputs": entry["outputs"], "notes": entry["notes"]}

    def put(self, key: str, prediction: dspy.Prediction, notes: dict[str, list[Any]]) -> None:
        """Store one successful prediction (atomically; a failed write leaves no partial file)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # the output values (typed values, log-probabilities), not the Prediction: it refers to its
        # signature class, which DSPy builds at run time and pickle cannot name
        entry = {"format": FORMAT, "outputs": prediction.toDict(), "notes": notes}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pkl")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(entry, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

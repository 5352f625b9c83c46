"""Read per-item records from result directories (upstream ``<run>/<domain>.json`` layout).

A records directory holds ``*.json`` files, each a JSON list of per-item dicts in the
upstream format (:class:`anomalyclaw.record.Record`); ours add fields and read the
same way. Structural problems (unreadable file, not a list, an entry that is not a
dict or lacks ``item_id``/``domain_code``, a label other than 0/1, a non-finite score,
an item twice) raise :class:`~anomalyclaw.errors.RecordError` naming the file and item.
Missing labels or scores are not errors: :func:`split_scoreable` drops those rows and
counts why, as the paper's filter does.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from anomalyclaw.errors import RecordError
from anomalyclaw.record import Record

__all__ = ["load_records_dir", "load_records_file", "split_scoreable"]

_SCORE_FIELDS = ("anomaly_score", "direct_score", "refutation_score")
_JSON_TYPES = {"dict": "object", "list": "array", "str": "string", "int": "number", "float": "number",
               "bool": "boolean", "NoneType": "null"}


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value).__name__, type(value).__name__)


def load_records_file(path: Path | str) -> list[Record]:
    """Read one JSON file holding a list of per-item records.

    Raises:
        RecordError: the file cannot be read or parsed, is not a list, or holds a malformed record.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RecordError(f"cannot read file ({exc.strerror or exc})", path=str(path)) from None
    except UnicodeDecodeError:
        raise RecordError("not UTF-8 text", path=str(path)) from None
    except json.JSONDecodeError as exc:
        raise RecordError(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                          path=str(path)) from None
    if not isinstance(data, list):
        raise RecordError(f"expected a JSON list of records, got a JSON {_json_type(data)}",
                          path=str(path), hint="one file per domain, each a list of per-item dicts")
    return [_parse_one(entry, path, i) for i, entry in enumerate(data)]


def _parse_one(entry: object, path: Path, index: int) -> Record:
    where = f"item #{index}"
    if not isinstance(entry, dict):
        raise RecordError(f"record is a JSON {_json_type(entry)}, expected an object",
                          path=str(path), item_id=where)
    if isinstance(entry.get("item_id"), str):
        where = entry["item_id"]
    try:
        record = Record.from_upstream(entry)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "record"
        raise RecordError(f"{loc}: {first['msg']}", path=str(path), item_id=where) from None
    if record.label not in (None, 0, 1):
        raise RecordError(f"label_gt must be 0, 1 or null, got {record.label}", path=str(path), item_id=where)
    for name in _SCORE_FIELDS:
        value = getattr(record, name)
        if value is not None and not math.isfinite(value):
            raise RecordError(f"{name} is not finite ({value})", path=str(path), item_id=where)
    return record


def load_records_dir(path: Path | str) -> list[Record]:
    """Read every ``*.json`` file of a records directory, in file-name order.

    Raises:
        RecordError: the directory is missing or holds no ``*.json`` file or no record, a
            file is malformed (see :func:`load_records_file`), or an item id appears twice.
    """
    path = Path(path)
    if not path.is_dir():
        what = "is not a directory" if path.exists() else "does not exist"
        raise RecordError(f"records directory {what}", path=str(path),
                          hint="pass a folder of <domain>.json record files")
    files = sorted(p for p in path.glob("*.json") if p.is_file())
    if not files:
        raise RecordError("no *.json record files in this directory", path=str(path))
    records: list[Record] = []
    seen: dict[str, Path] = {}
    for file in files:
        for record in load_records_file(file):
            if record.item_id in seen:
                raise RecordError(f"item appears twice (also in {seen[record.item_id].name})",
                                  path=str(file), item_id=record.item_id)
            seen[record.item_id] = file
            records.append(record)
    if not records:
        raise RecordError("the record files hold no records", path=str(path))
    return records


def split_scoreable(records: Iterable[Record]) -> tuple[list[Record], Counter[str]]:
    """Apply the paper's filter (:meth:`Record.is_scoreable`).

    Returns:
        The kept records and a count of dropped rows per reason.
    """
    kept: list[Record] = []
    dropped: Counter[str] = Counter()
    for record in records:
        ok, reason = record.is_scoreable()
        if ok:
            kept.append(record)
        else:
            dropped[reason or "unknown"] += 1
    return kept, dropped

"""On-disk expert index: a single ``.npz`` (no pickle) keyed by a hash of the normal images.

Why a content key: the index is built once per domain and reused; if a normal image, the
backbone or the probe config changes, the key changes and a fresh index is built instead
of silently reusing a stale one.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tools._errors import ExpertIndexError
from tools._lru import image_key
from tools.backbone import BACKBONE_ID

SCHEMA_VERSION = 1


def index_key(normals: Sequence[np.ndarray], config: dict) -> str:
    """Order-free hash of the normal images' pixels, the backbone id, the config and the schema."""
    h = hashlib.blake2b(digest_size=12)
    for k in sorted(image_key(img) for img in normals):
        h.update(k.encode())
    h.update(
        json.dumps(
            {"backbone": BACKBONE_ID, "config": config, "schema": SCHEMA_VERSION}, sort_keys=True
        ).encode()
    )
    return h.hexdigest()


def write_index(path: Path, state: dict[str, np.ndarray], meta: dict) -> Path:
    """Write arrays and metadata to ``path`` via a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    full_meta = {**meta, "schema_version": SCHEMA_VERSION, "backbone_id": BACKBONE_ID}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, __meta__=np.array(json.dumps(full_meta)), **state)
    os.replace(tmp, path)
    return path


def read_index(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    """Read ``(state, meta)``; check the schema and backbone.

    Raises:
        ExpertIndexError: missing, unreadable, or built with another backbone or schema.
    """
    if not path.is_file():
        raise ExpertIndexError(
            f"{path}: no expert index here", hint="build it with DomainExperts.fit(...).save()"
        )
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["__meta__"]))
            state = {k: z[k] for k in z.files if k != "__meta__"}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise ExpertIndexError(
            f"{path}: unreadable expert index ({exc.__class__.__name__}: {exc})",
            hint="delete it; it is rebuilt from the normal images",
        ) from exc
    if meta.get("schema_version") != SCHEMA_VERSION or meta.get("backbone_id") != BACKBONE_ID:
        raise ExpertIndexError(
            f"{path}: index built with schema {meta.get('schema_version')} / "
            f"backbone {meta.get('backbone_id')}, "
            f"this code uses {SCHEMA_VERSION} / {BACKBONE_ID}",
            hint="delete it; it is rebuilt from the normal images",
        )
    return state, meta

"""Crash-safe cache folders: built in a temporary sibling, then renamed into place.

A reader trusts a cache folder exactly when it exists under its final name, because the
rename is atomic: a process killed mid-way leaves only a ``.tmp-*`` folder, which is ignored
and swept away later. A file lock stops two processes from building the same folder twice.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

STALE_TMP_S = 3600.0


def _sweep_stale(final: Path) -> None:
    """Remove temporary folders of ``final`` left by killed processes (older than an hour)."""
    now = time.time()
    for tmp in final.parent.glob(f".{final.name}.tmp-*"):
        try:
            if now - tmp.stat().st_mtime > STALE_TMP_S:
                shutil.rmtree(tmp, ignore_errors=True)
        except FileNotFoundError:
            continue  # another process swept it first


def build_atomically(final: Path, build: Callable[[Path], None], *, marker: str) -> bool:
    """Make sure ``final`` exists and is complete, building it with ``build(tmp_dir)`` if not.

    Args:
        final: the folder to create.
        build: fills the empty folder it is given.
        marker: a file name ``build`` writes last; ``final`` counts as complete only with it.

    Returns:
        True if this call built the folder, False if it was already there.
    """
    if (final / marker).is_file():
        return False
    final.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(final.parent / f".{final.name}.lock")):
        if (final / marker).is_file():
            return False
        _sweep_stale(final)
        if final.exists():  # no marker: an incomplete folder from an older layout; rebuild
            shutil.rmtree(final)
        tmp = final.parent / f".{final.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            build(tmp)
            if not (tmp / marker).is_file():
                raise RuntimeError(f"cache builder did not write {marker} in {tmp}")
            os.rename(tmp, final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return True

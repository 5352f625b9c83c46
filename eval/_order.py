"""Natural ordering of domain codes, shared by metrics, bootstrap and tables.

The bootstrap draws one resample per domain in this order, so the order is part of
the result: ``D1, D2, ..., D10`` (numeric), not ``D1, D10, D11, D2`` (lexical).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CHUNKS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that compares digit runs as numbers: ``'D2' < 'D10'``.

    Each chunk is tagged (0 for numbers, 1 for text) so that mixed names such as a
    user domain ``'bottles'`` next to ``'D3'`` still compare without a TypeError.
    """
    parts: list[tuple[int, int | str]] = []
    for chunk in _CHUNKS.split(name):
        if not chunk:
            continue
        parts.append((0, int(chunk)) if chunk.isdigit() else (1, chunk))
    return tuple(parts)


def natural_sorted(names: Iterable[str]) -> list[str]:
    """The distinct names in natural order (see :func:`natural_key`)."""
    return sorted(set(names), key=natural_key)

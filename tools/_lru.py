"""A thread-safe LRU cache bounded by bytes, keyed by a hash of the image's own pixels.

Why: the agent calls several tools on the same query and references within one episode;
each needs the same backbone features. Keying by the pixels (never by an item id or a
path) means a cache hit can only ever return features of the very same image.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np

V = TypeVar("V")


def image_key(image: np.ndarray) -> str:
    """Content hash of an image: shape, dtype and bytes (blake2b, 128 bit)."""
    arr = np.ascontiguousarray(image)
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{arr.shape}|{arr.dtype}".encode())
    h.update(arr.data)
    return h.hexdigest()


class ByteLRU(Generic[V]):
    """Least-recently-used mapping whose total size (as measured by ``sizeof``) stays bounded.

    Args:
        max_bytes: budget; the oldest entries are evicted beyond it. An entry larger than
            the whole budget is not stored.
        sizeof: size of a value in bytes.
    """

    def __init__(self, max_bytes: int, sizeof: Callable[[V], int]) -> None:
        self.max_bytes = int(max_bytes)
        self._sizeof = sizeof
        self._data: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> V | None:
        """The value for ``key`` (marking it recently used), or None."""
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: str, value: V) -> None:
        """Store ``value``, evicting least-recently-used entries to stay within budget."""
        size = int(self._sizeof(value))
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._data[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._data:
                _, (_, s) = self._data.popitem(last=False)
                self._bytes -= s

    def clear(self) -> None:
        """Drop every entry (counters are kept)."""
        with self._lock:
            self._data.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        """Bytes currently held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._data


def _approx_nbytes(value: object) -> int:
    """Bytes of the numpy arrays inside a value (tuples, lists, dicts, NamedTuples), plus a small overhead."""
    if isinstance(value, np.ndarray):
        return value.nbytes + 64
    if isinstance(value, dict):
        return 64 + sum(_approx_nbytes(v) for v in value.values())
    if isinstance(value, (tuple, list)):
        return 64 + sum(_approx_nbytes(v) for v in value)
    return 64


DERIVED: ByteLRU[object] = ByteLRU(64 * 2**20, _approx_nbytes)
"""Process-wide cache of values derived from images (statistics, spectra, reference yardsticks).

Why: a domain's references recur across many queries; what is computed from their pixels
alone is computed once. Keys always start with the content hash of the images involved.
"""


def derived(key: str, compute: Callable[[], V]) -> V:
    """``compute()`` once per ``key`` (bounded by bytes; recomputed after eviction)."""
    hit = DERIVED.get(key)
    if hit is None:
        hit = compute()
        DERIVED.put(key, hit)
    return hit  # type: ignore[return-value]

"""Attempt accounting shared by every engine: what happened on the wire, per call and in total.

An engine may also leave *notes* for the call in progress (the policy engine names the rules
that fired), read back by the same window.

DSPy owns retries (an engine makes one attempt per ``complete``), so an engine counts its
attempts and their outcomes; the agent's single call site (``anomalyclaw.agent._calls``)
opens a window before a model call and reads the counts after it. Counts live per thread,
because DSPy runs a call (and its retries) on the calling thread.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

OUTCOMES = (
    "ok",
    "rate_limited",
    "server_error",
    "timeout",
    "transport_error",
    "context_overflow",
    "bad_request",
    "auth_error",
)


class AttemptCounter:
    """Thread-safe counts of engine attempts by outcome, in total and per open window."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total: Counter[str] = Counter()
        self._local = threading.local()

    def record(self, outcome: str) -> None:
        """Count one attempt's outcome (one of :data:`OUTCOMES`)."""
        with self._lock:
            self._total[outcome] += 1
        window = getattr(self._local, "window", None)
        if window is not None:
            window[outcome] += 1

    def note(self, key: str, values: list[Any]) -> None:
        """Attach values to the open window under ``key`` (ignored when no window is open)."""
        notes = getattr(self._local, "notes", None)
        if notes is not None:
            notes.setdefault(key, []).extend(values)

    def open_window(self) -> None:
        """Start counting this thread's attempts (and notes) for one model call."""
        self._local.window = Counter()
        self._local.notes = {}

    def close_window(self) -> tuple[dict[str, int], dict[str, list[Any]]]:
        """Stop counting; this thread's attempt outcomes and notes since :meth:`open_window`."""
        window = getattr(self._local, "window", None) or Counter()
        notes = getattr(self._local, "notes", None) or {}
        self._local.window = None
        self._local.notes = None
        return dict(window), notes

    def totals(self) -> dict[str, int]:
        """Outcomes of every attempt so far."""
        with self._lock:
            return dict(self._total)

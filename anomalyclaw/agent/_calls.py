"""The single door every model call goes through.

Both branches call :class:`ModelCaller` and nothing else, so that what happens around a
call — settings, token use, wire attempts, error classification and the on-disk call cache —
is written once. A failed call never raises: it returns a :class:`CallResult` whose
``error_kind`` says what went wrong.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import dspy
from dspy.utils.exceptions import (
    AdapterParseError,
    ContextWindowExceededError,
    DSPyError,
    LMRateLimitError,
    LMServerError,
    LMTimeoutError,
    LMTransportError,
)
from pydantic import ValidationError

from anomalyclaw.agent._call_cache import CallCache, call_key, revive
from anomalyclaw.backends import Backend

ERROR_KINDS = ("parse", "context_overflow", "rate_limited", "timeout", "server_error", "transport", "lm")


def classify(exc: BaseException) -> str:
    """One of :data:`ERROR_KINDS` for an exception raised by a DSPy call."""
    for kind, types in (
        ("parse", AdapterParseError),
        ("context_overflow", ContextWindowExceededError),
        ("rate_limited", LMRateLimitError),
        ("timeout", LMTimeoutError),
        ("server_error", LMServerError),
        ("transport", LMTransportError),
    ):
        if isinstance(exc, types):
            return kind
    return "lm"


@dataclass
class CallResult:
    """What one signature call produced, or why it did not."""

    outputs: dspy.Prediction | None
    error: str | None = None
    error_kind: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    notes: dict[str, list[Any]] = field(default_factory=dict)
    seconds: float = 0.0
    cached: bool = False

    @property
    def ok(self) -> bool:
        """True when the model answered and the answer parsed."""
        return self.outputs is not None

    def get(self, name: str, default: Any = None) -> Any:
        """An output field, or ``default`` when the call failed or the field is missing."""
        if self.outputs is None:
            return default
        return getattr(self.outputs, name, default)


class CallStats:
    """Thread-safe per-agent totals: calls, failures by kind, tokens, wire attempts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def add(self, result: CallResult, signature: str) -> None:
        """Fold one call's result into the totals."""
        with self._lock:
            self.counts["calls"] += 1
            self.counts[f"calls.{signature}"] += 1
            if result.cached:
                self.counts["cache_hits"] += 1
            self.counts["ok" if result.ok else f"error.{result.error_kind}"] += 1
            for k, v in result.usage.items():
                self.counts[f"tokens.{k}"] += v
            for k, v in result.attempts.items():
                self.counts[f"attempts.{k}"] += v

    def snapshot(self) -> dict[str, int]:
        """A copy of the totals."""
        with self._lock:
            return dict(self.counts)


def _usage(pred: dspy.Prediction) -> dict[str, int]:
    total: Counter[str] = Counter()
    for per_model in (pred.get_lm_usage() or {}).values():
        for k in ("prompt_tokens", "completion_tokens"):
            total[k] += int(per_model.get(k) or 0)
    return dict(total)


class ModelCaller:
    """Runs signatures on one backend's LM with fixed settings; never raises for model failures.

    Args:
        backend: the LM and its engine (for wire-attempt counts).
        temperature: sampling temperature of every call.
        max_tokens: most tokens per reply.
        top_logprobs: alternatives per token when a call asks for log-probabilities.
        cache: where successful answers are kept and looked up (None: every call reaches the model).
        cache_tag: what else decides an answer for this caller (e.g. the rulebook version and rules).
    """

    def __init__(
        self,
        backend: Backend,
        *,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        top_logprobs: int = 5,
        cache: CallCache | None = None,
        cache_tag: str = "",
    ) -> None:
        self.backend = backend
        self.settings: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens}
        self.top_logprobs = top_logprobs
        self.adapter = dspy.ChatAdapter()
        self.stats = CallStats()
        self.cache, self.cache_tag = cache, cache_tag

    def __call__(self, predictor: dspy.Predict, *, logprobs: bool = False, **inputs: Any) -> CallResult:
        """Run ``predictor`` on ``inputs``; the prediction, or the classified failure."""
        config = dict(self.settings)
        if logprobs and self.backend.logprobs:
            config.update(logprobs=True, top_logprobs=self.top_logprobs)
        key = None
        if self.cache is not None:
            key = call_key(predictor.signature, inputs, backend=self.backend.name, model=self.backend.model,
                           settings=config, tag=self.cache_tag)
            if (hit := self.cache.get(key)) is not None:
                try:
                    pred = revive(predictor.signature, hit["outputs"])
                except ValidationError:  # stored by a different signature version: a miss
                    pred = None
                if pred is not None:
                    result = CallResult(pred, notes=hit["notes"], cached=True)
                    self.stats.add(result, predictor.signature.__name__)
                    return result
        counter = self.backend.counter
        counter.open_window()
        t0 = time.perf_counter()
        try:
            with dspy.context(
                lm=self.backend.lm, adapter=self.adapter, track_usage=True, disable_history=True
            ):
                pred = predictor(**inputs, config=config)
            result = CallResult(pred, usage=_usage(pred))
        except DSPyError as exc:
            result = CallResult(
                None,
                error=f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}",
                error_kind=classify(exc),
            )
        result.attempts, result.notes = counter.close_window()
        result.seconds = time.perf_counter() - t0
        if key is not None and result.ok:
            self.cache.put(key, result.outputs, result.notes)
        self.stats.add(result, predictor.signature.__name__)
        return result

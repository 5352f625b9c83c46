"""The ``openai-compatible`` backend: a DSPy engine that speaks chat-completions over HTTP.

Why a custom engine rather than DSPy's built-in routing: the agent needs, per call, the
count of attempts by outcome (429, 5xx, timeouts; issue 11's failure accounting), a hard bound
on requests in flight, token log-probabilities for Logprob-Direct, and one place where a
request's bytes can later be hashed for a call cache. DSPy still owns retries and backoff:
the engine makes one attempt per ``complete`` and raises DSPy's retryable error types
(``dspy.lm15.RateLimitError`` with the server's ``Retry-After``, ``ServerError``,
``TimeoutError``, ``TransportError``).

Model names keep LiteLLM's provider prefixes: ``hosted_vllm/<name>`` (vLLM; a key is optional
and ``max_tokens`` is sent) and ``openai/<name>`` (OpenAI; a key is required and
``max_completion_tokens`` is sent). The key comes from ``ANOMALYCLAW_API_KEY`` or
``OPENAI_API_KEY``, never from a command line.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import httpx
from dspy.clients.engines.base import validate_request
from dspy.lm15 import (
    AuthError,
    ContextLengthError,
    InvalidRequestError,
    RateLimitError,
    Request,
    Response,
    ServerError,
    TransportError,
    response_to_events,
)
from dspy.lm15 import TimeoutError as LMTimeout

from anomalyclaw.backends._counting import AttemptCounter
from anomalyclaw.backends._wire import from_openai_json, to_openai_messages
from anomalyclaw.errors import InputError

KEY_ENV = ("ANOMALYCLAW_API_KEY", "OPENAI_API_KEY")
PROVIDERS = ("hosted_vllm", "openai")
OPENAI_BASE = "https://api.openai.com/v1"
_OVERFLOW_WORDS = ("context length", "context_length", "maximum context", "too many tokens", "too long")


def api_key_from_env() -> str | None:
    """The API key from the environment (``ANOMALYCLAW_API_KEY`` first), or None."""
    for name in KEY_ENV:
        if os.environ.get(name):
            return os.environ[name]
    return None


def split_model(model: str) -> tuple[str, str]:
    """``'hosted_vllm/Qwen/Qwen2.5-VL-7B'`` → ``('hosted_vllm', 'Qwen/Qwen2.5-VL-7B')``.

    Raises:
        InputError: the prefix is not one this backend speaks.
    """
    provider, _, name = model.partition("/")
    if provider not in PROVIDERS or not name:
        raise InputError(
            f"model {model!r} must start with hosted_vllm/ or openai/",
            hint="e.g. hosted_vllm/Qwen2.5-VL-7B-Instruct with --api-base http://HOST:8000/v1",
        )
    return provider, name


def _retry_after(resp: httpx.Response) -> float | None:
    try:
        return float(resp.headers["retry-after"])
    except (KeyError, ValueError):
        return None


class OpenAICompatEngine:
    """A thread-safe DSPy engine for an OpenAI-compatible chat-completions endpoint.

    Args:
        model: ``hosted_vllm/<name>`` or ``openai/<name>``.
        api_base: base URL ending before ``/chat/completions`` (e.g. ``http://host:8000/v1``).
        timeout_s: per-request timeout in seconds.
        max_in_flight: most requests on the wire at once (a semaphore, whatever the caller's threads).
        api_key: overrides the environment's key.
        extra_body: JSON merged into every request (e.g. vLLM ``chat_template_kwargs``).
    """

    def __init__(
        self,
        model: str,
        api_base: str | None,
        *,
        timeout_s: float = 120.0,
        max_in_flight: int = 8,
        api_key: str | None = None,
        extra_body: dict[str, Any] | None = None,
    ) -> None:
        self.provider, self.name = split_model(model)
        if api_base is None and self.provider == "hosted_vllm":
            raise InputError("hosted_vllm needs --api-base", hint="e.g. --api-base http://127.0.0.1:8000/v1")
        self.url = (api_base or OPENAI_BASE).rstrip("/") + "/chat/completions"
        key = api_key or api_key_from_env()
        if self.provider == "openai" and not key:
            raise InputError(
                "openai/ models need an API key", hint="export ANOMALYCLAW_API_KEY=... or OPENAI_API_KEY=..."
            )
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.extra_body = dict(extra_body or {})
        self.counter = AttemptCounter()
        self._gate = threading.BoundedSemaphore(max_in_flight)
        self._client = httpx.Client(
            timeout=timeout_s,
            headers=headers,
            limits=httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight),
        )

    # -- the engine contract ----------------------------------------------------------
    def complete(self, request: Request) -> Response:
        """One attempt: POST the request, map the reply or raise a typed, retryable-or-not error."""
        validate_request(request)
        body = self.payload(request)
        with self._gate:
            try:
                resp = self._client.post(self.url, json=body)
            except httpx.TimeoutException as exc:
                self.counter.record("timeout")
                raise LMTimeout(
                    f"{self.url}: timed out ({exc.__class__.__name__})", provider=self.provider
                ) from exc
            except httpx.TransportError as exc:
                self.counter.record("transport_error")
                raise TransportError(f"{self.url}: {exc.__class__.__name__}: {exc}") from exc
        return self._read(resp)

    def stream(self, request: Request):
        """Not streamed on the wire: one complete response as events."""
        return response_to_events(self.complete(request))

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    # -- helpers ------------------------------------------------------------------------
    def payload(self, request: Request) -> dict[str, Any]:
        """The chat-completions JSON body for one request."""
        cfg = request.config
        body: dict[str, Any] = {"model": self.name, "messages": to_openai_messages(request)}
        if cfg.temperature is not None:
            body["temperature"] = cfg.temperature
        if cfg.max_tokens is not None:
            body["max_completion_tokens" if self.provider == "openai" else "max_tokens"] = cfg.max_tokens
        if cfg.seed is not None:
            body["seed"] = cfg.seed
        if cfg.stop:
            body["stop"] = list(cfg.stop)
        if cfg.logprobs is not None:
            body["logprobs"] = True
            if cfg.logprobs > 0:
                body["top_logprobs"] = cfg.logprobs
        body.update(self.extra_body)
        return body

    def _read(self, resp: httpx.Response) -> Response:
        status = resp.status_code
        kw = {"provider": self.provider, "status": status}
        if status == 429:
            self.counter.record("rate_limited")
            raise RateLimitError(f"{self.url}: rate limited", retry_after=_retry_after(resp), **kw)
        if status >= 500:
            self.counter.record("server_error")
            raise ServerError(
                f"{self.url}: server error: {resp.text[:200]}", retry_after=_retry_after(resp), **kw
            )
        if status in (401, 403):
            self.counter.record("auth_error")
            raise AuthError(f"{self.url}: not authorised", env_keys=KEY_ENV, **kw)
        if status >= 400:
            text = resp.text[:300]
            if any(w in text.lower() for w in _OVERFLOW_WORDS):
                self.counter.record("context_overflow")
                raise ContextLengthError(f"{self.url}: context overflow: {text}", **kw)
            self.counter.record("bad_request")
            raise InvalidRequestError(f"{self.url}: HTTP {status}: {text}", **kw)
        try:
            out = from_openai_json(resp.json(), self.name)
        except (json.JSONDecodeError, ValueError, TypeError, AttributeError) as exc:
            # An unreadable 200 is a broken server or proxy, not a model answer: retryable.
            self.counter.record("server_error")
            raise ServerError(f"{self.url}: unreadable response body ({exc})", **kw) from exc
        self.counter.record("ok")
        return out

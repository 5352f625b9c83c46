"""The checks behind ``python -m anomalyclaw.preflight``: one small function per question.

Each check talks to the server the way a run will and returns a :class:`CheckResult` that says
what happened and, when it failed, the exact fix. Checks never raise for server behaviour.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
from PIL import Image

PROVIDERS = ("hosted_vllm/", "openai/")
THINK_MARKS = ("<think>", "</think>")
FIX_REQUEST = "raise --timeout, or check the server's logs"
FIX_VISION = ("serve a vision-language model (e.g. Qwen2.5-VL); with vLLM allow images per prompt: "
              "--limit-mm-per-prompt '{\"image\": 8}'")
FIX_LOGPROBS = ("run with --no-logprobs (Direct then maps label and confidence), or start vLLM with "
                "--max-logprobs 5 or more")
FIX_THINKING = ("start vLLM with --reasoning-parser <name> (e.g. qwen3, deepseek_r1) so thinking goes to "
                "reasoning_content, or serve with thinking off: "
                "--default-chat-template-kwargs '{\"enable_thinking\": false}'")
FIX_STRUCTURED = ("use an instruction-tuned model that follows the [[ ## field ## ]] format; check the "
                  "thinking-mode and image checks above; raise --max-tokens if the answer was cut")


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def server_model(model: str) -> str:
    """The id the server knows: the name without a LiteLLM provider prefix."""
    for prefix in PROVIDERS:
        if model.startswith(prefix):
            return model[len(prefix):]
    return model


def dspy_model(model: str) -> str:
    """The name for ``dspy.LM``: a provider prefix added when missing (vLLM's by default)."""
    return model if model.startswith(PROVIDERS) else f"hosted_vllm/{model}"


def _png_data_url() -> str:
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _headers(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


def check_models(client: httpx.Client, base: str, model: str, key: str | None) -> CheckResult:
    """Is the server up, and does it serve ``model``?"""
    name = "model listed"
    try:
        r = client.get(f"{base}/models", headers=_headers(key))
    except httpx.HTTPError as exc:
        return CheckResult(name, False, f"cannot reach {base}: {type(exc).__name__}: {exc}",
                           "start the server, or fix --base-url (it must end in /v1, e.g. http://127.0.0.1:8000/v1)")
    if r.status_code in (401, 403):
        return CheckResult(name, False, f"HTTP {r.status_code} from /models",
                           "set the key in ANOMALYCLAW_API_KEY (or OPENAI_API_KEY)")
    if r.status_code != 200:
        return CheckResult(name, False, f"HTTP {r.status_code} from /models (the server lists no models)",
                           "check that --base-url points at an OpenAI-compatible /v1 endpoint")
    ids = [m.get("id") for m in (r.json().get("data") or []) if isinstance(m, dict)]
    wanted = server_model(model)
    if wanted not in ids:
        served = ", ".join(map(str, ids))
        return CheckResult(name, False, f"{wanted!r} is not among the served models: {served}",
                           f"use --model hosted_vllm/{ids[0]}" if ids else "serve a model first")
    return CheckResult(name, True, f"{wanted!r} is served ({len(ids)} model(s) listed)")


def _chat(client: httpx.Client, base: str, model: str, key: str | None, *, image: bool,
          logprobs: bool = False) -> httpx.Response:
    content: list[dict[str, Any]] = [{"type": "text", "text": "Describe this image in one word."}]
    if image:
        content.append({"type": "image_url", "image_url": {"url": _png_data_url()}})
    body: dict[str, Any] = {"model": server_model(model), "messages": [{"role": "user", "content": content}],
                            "max_tokens": 64, "temperature": 0}
    if logprobs:
        body.update(logprobs=True, top_logprobs=5)
    return client.post(f"{base}/chat/completions", json=body, headers=_headers(key))


def check_vision(client: httpx.Client, base: str, model: str, key: str | None) -> CheckResult:
    """Does the model accept an image?"""
    name = "image input"
    try:
        r = _chat(client, base, model, key, image=True)
    except httpx.HTTPError as exc:
        return CheckResult(name, False, f"request failed: {type(exc).__name__}: {exc}",
                           "raise --timeout, or check the server's logs")
    if r.status_code != 200:
        is_json = r.headers.get("content-type", "").startswith("application/json")
        msg = (r.json().get("error") or {}).get("message", "") if is_json else r.text[:200]
        return CheckResult(name, False, f"HTTP {r.status_code}: {msg}", FIX_VISION)
    return CheckResult(name, True, "an image was accepted and answered")


def check_logprobs(client: httpx.Client, base: str, model: str, key: str | None) -> CheckResult:
    """Does the server return token log-probabilities (Logprob-Direct)?"""
    name = "logprobs"
    try:
        r = _chat(client, base, model, key, image=False, logprobs=True)
        lp = (r.json().get("choices") or [{}])[0].get("logprobs") if r.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        return CheckResult(name, False, f"request failed: {exc}", FIX_REQUEST)
    if not lp or not lp.get("content"):
        return CheckResult(name, False, "no token log-probabilities in the reply",
                           FIX_LOGPROBS)
    return CheckResult(name, True, f"{len(lp['content'])} tokens with log-probabilities")


def check_thinking(client: httpx.Client, base: str, model: str, key: str | None) -> CheckResult:
    """Does a reasoning model put its thinking into the answer text (which breaks parsing)?"""
    name = "thinking mode off"
    try:
        r = _chat(client, base, model, key, image=False)
        msg = (r.json().get("choices") or [{}])[0].get("message") or {} if r.status_code == 200 else {}
    except (httpx.HTTPError, ValueError) as exc:
        return CheckResult(name, False, f"request failed: {exc}", FIX_REQUEST)
    text = str(msg.get("content") or "")
    if any(mark in text for mark in THINK_MARKS):
        return CheckResult(name, False, "the reply text carries a <think> block",
                           FIX_THINKING)
    if msg.get("reasoning_content"):
        return CheckResult(name, True, "thinking is separated into reasoning_content (costs tokens and time)")
    return CheckResult(name, True, "no thinking in the reply text")


def check_structured(base: str, model: str, timeout_s: float) -> CheckResult:
    """Does the agent's Direct signature parse, through the very backend a run uses?"""
    import dspy

    from anomalyclaw.agent import AgentConfig, ModelCaller
    from anomalyclaw.agent._pixels import to_model_image
    from anomalyclaw.agent._signatures import DirectInspection
    from anomalyclaw.backends import make_backend

    name = "structured output"
    config = AgentConfig(backend="openai-compatible", model=dspy_model(model), api_base=base, retries=0,
                         timeout_s=timeout_s, logprobs=False)
    backend = make_backend(config)
    try:
        img = to_model_image(np.random.default_rng(1).integers(0, 255, (64, 64, 3), dtype=np.uint8))
        call = ModelCaller(backend, max_tokens=512)(
            dspy.Predict(DirectInspection), domain="Random noise images.", rulebook="(no rules)",
            references=[img], query=img)
    finally:
        backend.close()
    if not call.ok:
        return CheckResult(name, False, f"the Direct answer did not parse ({call.error_kind}): {call.error}",
                           FIX_STRUCTURED)
    return CheckResult(name, True, f"Direct parsed: label={call.get('image_label')!r}, "
                                   f"confidence={call.get('confidence')!r}")

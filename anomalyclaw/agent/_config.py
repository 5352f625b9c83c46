"""The agent's settings: one typed object that the CLI options mirror.

Defaults are the reference system's (DESIGN.md §1): K = 3 candidates, 4 refutation turns,
α = 0.5, images downscaled to a 512 px long side, 2 references for Direct and 4 for
Refutation, temperature 0.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from anomalyclaw.errors import InputError


def default_call_cache_dir() -> Path | None:
    """Where the CLIs keep model answers: ``$ANOMALYCLAW_CALL_CACHE`` if set (``off`` disables the
    cache), else ``$ANOMALYCLAW_HOME/cache/calls`` (default ``~/.anomalyclaw/cache/calls``)."""
    chosen = os.environ.get("ANOMALYCLAW_CALL_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no") else Path(chosen).expanduser()
    from anomalyclaw.data._paths import home_dir

    return home_dir() / "cache" / "calls"


Backend = Literal["policy", "openai-compatible", "hf"]
BACKENDS: tuple[Backend, ...] = ("policy", "openai-compatible", "hf")


class AgentConfig(BaseModel):
    """How one agent run talks to its model and how its episode is shaped."""

    model_config = ConfigDict(frozen=True)

    backend: Backend = Field(default="policy", description="policy (offline) | openai-compatible | hf.")
    model: str | None = Field(
        default=None,
        description="openai-compatible: 'hosted_vllm/<name>' (vLLM) or 'openai/<name>'; "
        "hf: a local model directory; policy: ignored (reported as 'policy').",
    )
    api_base: str | None = Field(default=None, description="Base URL of an OpenAI-compatible server.")
    k_candidates: int = Field(default=3, ge=0, le=8, description="Most candidates proposed on turn 1.")
    max_turns: int = Field(default=4, ge=1, le=12, description="Refutation turns, turn 1 included.")
    alpha: float = Field(default=0.5, ge=0.0, le=1.0, description="Weight of Direct in the fused score.")
    max_side: int = Field(default=512, ge=32, description="Long side of images sent to the model (px).")
    n_refs_direct: int = Field(default=2, ge=1, description="References shown to the Direct branch.")
    n_refs_refutation: int = Field(default=4, ge=1, description="References shown to the Refutation branch.")
    temperature: float = Field(default=0.0, ge=0.0, description="Sampling temperature.")
    max_tokens: int = Field(default=1024, ge=16, description="Most tokens per model reply.")
    max_in_flight: int = Field(default=4, ge=1, le=256, description="Items scored concurrently.")
    timeout_s: float = Field(default=120.0, gt=0, description="Per-request timeout (s).")
    retries: int = Field(default=3, ge=0, description="Retries on 429, 5xx and timeouts, with backoff.")
    logprobs: bool = Field(default=True, description="Ask for token log-probabilities (Logprob-Direct).")
    seed: int = Field(default=0, description="Seed for anything stochastic (reference choice).")
    max_normals: int | None = Field(
        default=None, ge=2, description="Fit the expert probes on at most this many pool normals (None: all)."
    )
    call_cache: Path | None = Field(
        default=None,
        description="Directory of the on-disk model-call cache (None: no cache; the CLIs default to "
        "$ANOMALYCLAW_HOME/cache/calls unless --no-cache).",
    )

    @model_validator(mode="after")
    def _check_backend(self) -> AgentConfig:
        if self.backend == "openai-compatible":
            if not self.model:
                raise InputError(
                    "--backend openai-compatible needs --model",
                    hint="e.g. --model hosted_vllm/Qwen2.5-VL-7B-Instruct",
                )
            if "/" not in self.model:
                raise InputError(
                    f"model {self.model!r} has no provider prefix",
                    hint="use hosted_vllm/<name> for vLLM or openai/<name> for OpenAI",
                )
        if self.backend == "hf" and not self.model:
            raise InputError("--backend hf needs --model DIR", hint="a local transformers VLM directory")
        return self

    @property
    def model_name(self) -> str:
        """The model as records report it (``'policy'`` for the offline backend)."""
        return "policy" if self.backend == "policy" else str(self.model)

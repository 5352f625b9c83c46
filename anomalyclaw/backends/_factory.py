"""Build a backend (a ``dspy.LM`` over one of our engines) from the agent's config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dspy

from anomalyclaw.backends._counting import AttemptCounter

if TYPE_CHECKING:  # the agent imports backends, not the other way round
    from anomalyclaw.agent import AgentConfig
    from anomalyclaw.data import DomainSpec
    from anomalyclaw.rulebook import Rulebook


@dataclass(frozen=True)
class Backend:
    """A ready LM and what the agent needs to know about it.

    Attributes:
        name: 'policy' | 'openai-compatible' | 'hf' (stored on every Record).
        model: the model as records report it.
        lm: the ``dspy.LM`` every call goes through.
        engine: the engine object behind ``lm``.
        counter: the engine's wire-attempt counter.
        logprobs: whether asking for token log-probabilities makes sense.
    """

    name: str
    model: str
    lm: dspy.LM
    engine: Any
    counter: AttemptCounter
    logprobs: bool

    def close(self) -> None:
        """Release the engine's connections."""
        close = getattr(self.engine, "close", None)
        if close is not None:
            close()


def make_backend(
    config: AgentConfig,
    *,
    spec: DomainSpec | None = None,
    rulebook: Rulebook | None = None,
    experts: Any = None,
) -> Backend:
    """The backend ``config.backend`` names.

    Args:
        config: the agent's settings (backend, model, api_base, timeouts, retries, in-flight bound).
        spec: the domain (the policy backend reads its modality).
        rulebook: the domain's rulebook (the policy backend applies its machine-readable conditions).
        experts: fitted ``tools.DomainExperts`` of the domain (the policy backend's measurements).

    Raises:
        InputError: a model name, URL, key or directory is missing or wrong.
    """
    if config.backend == "openai-compatible":
        from anomalyclaw.backends._openai import OpenAICompatEngine

        engine = OpenAICompatEngine(
            str(config.model), config.api_base, timeout_s=config.timeout_s, max_in_flight=config.max_in_flight
        )
        lm = dspy.LM(str(config.model), engine=engine, cache=False, num_retries=config.retries)
        return Backend("openai-compatible", str(config.model), lm, engine, engine.counter, config.logprobs)
    if config.backend == "hf":
        from anomalyclaw.backends._hf import HFEngine

        engine = HFEngine(str(config.model), max_new_tokens=config.max_tokens)
        lm = dspy.LM(f"hf/{engine.name}", engine=engine, cache=False, num_retries=0)
        return Backend("hf", str(config.model), lm, engine, engine.counter, config.logprobs)
    from anomalyclaw.backends._policy import PolicyEngine

    engine = PolicyEngine(spec=spec, rulebook=rulebook, experts=experts, k_candidates=config.k_candidates)
    lm = dspy.LM("policy/offline", engine=engine, cache=False, num_retries=0)
    return Backend("policy", "policy", lm, engine, engine.counter, False)

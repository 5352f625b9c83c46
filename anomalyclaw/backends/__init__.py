"""Model backends, all as DSPy engines behind ``dspy.LM``: openai-compatible, hf, policy.

``make_backend(config, ...)`` turns an :class:`~anomalyclaw.agent.AgentConfig` into a
:class:`Backend` (the LM, its engine's attempt counter and what the backend supports).
"""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price-list download offline

from anomalyclaw.backends._counting import OUTCOMES, AttemptCounter  # noqa: E402
from anomalyclaw.backends._factory import Backend, make_backend  # noqa: E402

__all__ = ["OUTCOMES", "AttemptCounter", "Backend", "make_backend"]

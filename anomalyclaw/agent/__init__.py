"""The DSPy agent: Direct and Refutation branches, fusion, and the Record each item yields.

Every model call is a signature class (``anomalyclaw.agent._signatures``) and goes through one
door (:class:`ModelCaller`); score mapping and fusion are plain Python. The offline ``policy``
backend applies the rulebook's machine-readable conditions over :data:`POLICY_FEATURES`.
Records go to a :class:`RecordSink` (JSON files now; the run store plugs in the same way).
"""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before DSPy touches LiteLLM

from anomalyclaw.agent._agent import Agent, as_rulebook  # noqa: E402
from anomalyclaw.agent._calls import CallResult, ModelCaller  # noqa: E402
from anomalyclaw.agent._conditions import POLICY_FEATURES  # noqa: E402
from anomalyclaw.agent._config import BACKENDS, AgentConfig  # noqa: E402
from anomalyclaw.agent._experts import fit_experts  # noqa: E402
from anomalyclaw.agent._runner import pick_items, run_items  # noqa: E402
from anomalyclaw.agent._signatures import SIGNATURES  # noqa: E402
from anomalyclaw.agent._sinks import JsonSink, RecordSink  # noqa: E402

__all__ = [
    "BACKENDS",
    "POLICY_FEATURES",
    "SIGNATURES",
    "Agent",
    "AgentConfig",
    "CallResult",
    "JsonSink",
    "ModelCaller",
    "RecordSink",
    "as_rulebook",
    "fit_experts",
    "pick_items",
    "run_items",
]

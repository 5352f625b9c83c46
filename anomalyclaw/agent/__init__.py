"""The DSPy agent: Direct and Refutation branches, fusion, and the Record each item yields.

Every model call is a signature class (``anomalyclaw.agent._signatures``) and goes through one
door (:class:`ModelCaller`); score mapping and fusion are plain Python. The offline ``policy``
backend applies the rulebook's machine-readable conditions over :data:`POLICY_FEATURES`.
Records go to a :class:`RecordSink` (JSON files, the run store).

Names are imported on first use, so a CLI can validate its options before DSPy, torch and the
tool catalog load.
"""

import importlib
import os
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before DSPy touches LiteLLM

_WHERE = {
    "Agent": "_agent",
    "as_rulebook": "_agent",
    "CallCache": "_call_cache",
    "CallResult": "_calls",
    "ModelCaller": "_calls",
    "POLICY_FEATURES": "_conditions",
    "BACKENDS": "_config",
    "AgentConfig": "_config",
    "default_call_cache_dir": "_config",
    "fit_experts": "_experts",
    "pick_items": "_runner",
    "run_items": "_runner",
    "SIGNATURES": "_signatures",
    "JsonSink": "_sinks",
    "RecordSink": "_sinks",
    "StoreSink": "_store_sink",
    "TeeSink": "_store_sink",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'anomalyclaw.agent' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"anomalyclaw.agent.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__

"""Rulebooks: typed rules, deltas and versions (storage lives in ``db``)."""

from anomalyclaw.rulebook._types import (
    DeltaOp,
    PolicyCondition,
    Provenance,
    Rule,
    RuleDelta,
    Rulebook,
    RuleKind,
    RuleStatus,
)

__all__ = ["DeltaOp", "PolicyCondition", "Provenance", "Rule", "RuleDelta", "Rulebook", "RuleKind",
           "RuleStatus"]

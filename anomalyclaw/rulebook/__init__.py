"""Rulebooks: typed rules, deltas and versions, the rulebook file format and the seed files.

Storage lives in ``db``; the CLI is ``python -m anomalyclaw.rulebook``.
"""

from anomalyclaw.rulebook._diff import diff_rulebooks
from anomalyclaw.rulebook._markdown import RulebookDoc, parse_rulebook, render_rulebook
from anomalyclaw.rulebook._seeds import ENV_SEED_DIR, load_seed, seed_domains, seed_path
from anomalyclaw.rulebook._types import (
    DeltaOp,
    PolicyCondition,
    Provenance,
    Rule,
    Rulebook,
    RuleDelta,
    RuleKind,
    RuleStatus,
)
from anomalyclaw.rulebook._version import RulebookVersion, VersionStatus

__all__ = ["ENV_SEED_DIR", "DeltaOp", "PolicyCondition", "Provenance", "Rule", "RuleDelta", "Rulebook",
           "RulebookDoc", "RuleKind", "RuleStatus", "RulebookVersion", "VersionStatus", "diff_rulebooks",
           "load_seed", "parse_rulebook", "render_rulebook", "seed_domains", "seed_path"]

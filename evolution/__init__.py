"""Label-free evolution of per-domain rulebooks: signals, reflector, curator, acceptance, the loop.

Records reach evolution without labels; rules change by deltas; a candidate rulebook is accepted
only when the label-free proxy (AUROC of the unlabeled pool against held-out normal references)
improves beyond its paired bootstrap noise. ``python -m anomalyclaw.evolve`` is the CLI.
"""

from evolution._agent_scorer import AgentScorer
from evolution._errors import EvolutionError, ReflectorError
from evolution._scoring import Scored, Scorer, held_out_normals, pool_items
from evolution.acceptance import AcceptanceConfig, AcceptanceResult, decide
from evolution.curator import Curator
from evolution.loop import EvolveConfig, Evolver, RoundSummary, evolve_domain
from evolution.reflector import (
           LMReflector,
           Proposal,
           ReflectContext,
           Reflector,
           TemplateReflector,
           make_reflector,
)
from evolution.signals import Signals, collect

__all__ = [
    "AcceptanceConfig", "AcceptanceResult", "AgentScorer", "Curator", "EvolutionError", "EvolveConfig",
    "Evolver", "LMReflector", "Proposal", "ReflectContext", "Reflector", "ReflectorError", "RoundSummary",
    "Scored", "Scorer", "Signals", "TemplateReflector", "collect", "decide", "evolve_domain",
    "held_out_normals", "make_reflector", "pool_items",
]

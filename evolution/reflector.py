"""Reflectors turn label-free signals into rule-delta proposals.

Two implementations behind one :class:`Reflector` protocol: :class:`LMReflector`, a DSPy module
for language-model backends, and :class:`TemplateReflector`, which writes rules with
machine-readable :class:`~anomalyclaw.rulebook.PolicyCondition`\\ s for the offline policy
backend. :func:`make_reflector` picks one by backend name.
"""

from __future__ import annotations

import dspy

from evolution._lm_reflector import DeltaDraft, LMReflector, ProposeRuleDeltas, render_with_ids
from evolution._proposal import Proposal, ProposalStatus, ReflectContext, Reflector, id_allocator
from evolution._templates import TemplateConfig, TemplateReflector

__all__ = ["DeltaDraft", "LMReflector", "Proposal", "ProposalStatus", "ProposeRuleDeltas", "ReflectContext",
           "Reflector", "TemplateConfig", "TemplateReflector", "id_allocator", "make_reflector",
           "render_with_ids"]


def make_reflector(backend: str, lm: dspy.LM | None = None) -> Reflector:
    """The template reflector for ``policy``; the DSPy reflector (on ``lm``) for model backends."""
    if backend == "policy":
        return TemplateReflector()
    return LMReflector(lm)

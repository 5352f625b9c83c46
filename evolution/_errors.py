"""Errors evolution raises on purpose."""

from __future__ import annotations

from anomalyclaw.errors import AnomalyClawError


class EvolutionError(AnomalyClawError):
    """Root of evolution's errors: a round that cannot run, a store that refuses a version."""


class ReflectorError(EvolutionError):
    """The reflector's language model could not be reached (not a malformed answer: that is a
    rejected proposal)."""

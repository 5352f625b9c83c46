"""Errors of the tools package: one root, typed subclasses with the fix in the message."""

from __future__ import annotations

from anomalyclaw.errors import AnomalyClawError, InputError


class ToolsError(AnomalyClawError):
    """Root of every error the tools package raises on purpose."""


class BadToolInput(ToolsError, InputError):
    """Unusable tool arguments or images (a box out of bounds, a missing reference, a bad shape).

    ``run_tool`` turns it into ``Observation(ok=False)``: a tool never kills an episode.
    """


class ExpertIndexError(ToolsError, InputError):
    """A stored expert index is unreadable or was built with another backbone / schema."""

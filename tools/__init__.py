"""The 13-tool catalog: frozen backbone, expert probes, reference index, tool cards.

Importing the package registers every tool (catalog order: visual inspection, reference
understanding, frozen experts, structure/texture); ``TOOL_NAMES`` is read from the registry.
"""

from tools import _t_expert, _t_reference, _t_structure, _t_visual  # noqa: F401  (importing registers the tools)
from tools._args import Box
from tools._context import ToolContext
from tools._dspy import as_dspy_tools
from tools._errors import BadToolInput, ExpertIndexError, ToolsError
from tools._experts import DomainExperts, ExpertConfig
from tools._registry import (
    applicable_cards,
    args_model,
    card_applies,
    get_card,
    render_cards,
    run_tool,
    tool_name_literal,
    tool_names,
)
from tools._scores import PROBES, ExpertScores, ProbeScore
from tools._types import FRAME, BBox, Observation, ToolCard, ToolFamily

TOOL_NAMES: tuple[str, ...] = tool_names()

__all__ = [
    "FRAME",
    "PROBES",
    "TOOL_NAMES",
    "BBox",
    "BadToolInput",
    "Box",
    "DomainExperts",
    "ExpertConfig",
    "ExpertIndexError",
    "ExpertScores",
    "Observation",
    "ProbeScore",
    "ToolCard",
    "ToolContext",
    "ToolFamily",
    "ToolsError",
    "applicable_cards",
    "args_model",
    "as_dspy_tools",
    "card_applies",
    "get_card",
    "render_cards",
    "run_tool",
    "tool_name_literal",
    "tool_names",
]

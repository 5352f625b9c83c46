"""The 13-tool catalog: frozen backbone, expert probes, reference index, tool cards."""

from tools._types import FRAME, BBox, Observation, ToolCard, ToolFamily

__all__ = ["FRAME", "BBox", "Observation", "ToolCard", "ToolFamily"]

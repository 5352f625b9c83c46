"""Typed contracts of the tool catalog: boxes, cards, calls and observations.

Coordinate frame (one for every tool): boxes are ``(x0, y0, x1, y1)`` in
**normalised query-image coordinates**, each in [0, 1], origin top-left, x to the right.
Every card states it; every tool validates it and answers a bad box with an
observation that says what was wrong (a tool never raises into the episode).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FRAME = ("Boxes are (x0, y0, x1, y1) in normalised query-image coordinates in [0, 1], "
         "origin top-left.")
ToolFamily = Literal["visual_inspection", "reference_understanding", "frozen_expert", "structure_texture"]


class BBox(BaseModel):
    """A box in the normalised query frame (see module docstring)."""

    model_config = ConfigDict(frozen=True)

    x0: float = Field(ge=0.0, le=1.0)
    y0: float = Field(ge=0.0, le=1.0)
    x1: float = Field(ge=0.0, le=1.0)
    y1: float = Field(ge=0.0, le=1.0)


class Observation(BaseModel):
    """What a tool returns: text the model reads, numbers, an optional image."""

    tool: str = Field(description="Registered tool name.")
    ok: bool = Field(default=True, description="False when arguments or inputs were unusable.")
    text: str = Field(description="Short text for the model; ends with an interpretation and "
                                  "what would disconfirm it.")
    numbers: dict[str, float] = Field(default_factory=dict, description="Measured values, by name.")
    image_png: bytes | None = Field(default=None, description="PNG the VLM sees, if any.")
    error: str | None = Field(default=None, description="What went wrong, when ok is False.")


class ToolCard(BaseModel):
    """A tool's declaration: what it does, its arguments, where it applies."""

    model_config = ConfigDict(frozen=True)

    name: str
    family: ToolFamily
    summary: str = Field(description="One sentence: what it shows.")
    args_doc: str = Field(description="Arguments in one line, e.g. 'box: BBox; ref_index: int = 0'.")
    modalities: tuple[str, ...] = Field(default=("*",), description="'*' = any modality.")
    needs_references: bool = True
    needs_pair: bool = Field(default=False, description="Needs a before/after pair (change tools).")
    frame: str = FRAME

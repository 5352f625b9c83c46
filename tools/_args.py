"""Typed tool arguments: one pydantic model per tool, with boxes checked in the query frame."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from tools._types import BBox

_KEYS = ("x0", "y0", "x1", "y1")


def _coerce_box(value: Any) -> Any:
    """Accept [x0, y0, x1, y1] or {'x0':..,...}; reject boxes outside [0, 1] or inverted, saying which."""
    if isinstance(value, BBox):
        vals = [value.x0, value.y0, value.x1, value.y1]
    elif isinstance(value, (list, tuple)):
        if len(value) != 4:
            raise ValueError(f"a box needs 4 numbers (x0, y0, x1, y1), got {len(value)}")
        vals = list(value)
    elif isinstance(value, dict):
        missing = [k for k in _KEYS if k not in value]
        if missing:
            raise ValueError(f"box is missing {', '.join(missing)}")
        vals = [value[k] for k in _KEYS]
    else:
        raise ValueError(f"a box is [x0, y0, x1, y1] or a dict with those keys, got {type(value).__name__}")
    try:
        x0, y0, x1, y1 = (float(v) for v in vals)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"box coordinates must be numbers, got {vals}") from exc
    if min(x0, y0, x1, y1) < 0.0 or max(x0, y0, x1, y1) > 1.0:
        raise ValueError(
            f"box {[x0, y0, x1, y1]} is outside [0, 1]: boxes are normalised query-image "
            "coordinates (divide pixels by the image width/height)"
        )
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"box {[x0, y0, x1, y1]} is empty or inverted: need x0 < x1 and y0 < y1")
    return {"x0": x0, "y0": y0, "x1": x1, "y1": y1}


Box = Annotated[BBox, BeforeValidator(_coerce_box)]
"""A BBox argument: normalised query frame, non-empty, x0 < x1, y0 < y1."""


class ToolArgs(BaseModel):
    """Base of every tool's arguments: unknown arguments are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoArgs(ToolArgs):
    """For tools that take no arguments."""


def describe_validation(exc: ValidationError) -> str:
    """One line per problem: 'field: message' joined by '; '."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "arguments"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)

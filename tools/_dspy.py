"""Hand the registered tools to DSPy: one ``dspy.Tool`` per card, bound to one episode's context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tools._context import ToolContext
from tools._registry import args_model, get_card, run_tool, tool_names


def as_dspy_tools(ctx: ToolContext, names: Sequence[str] | None = None) -> list[Any]:
    """``dspy.Tool`` objects for ``names`` (all registered tools by default), bound to ``ctx``.

    Each returns the observation text (DSPy tools return text); the full Observation,
    image included, is what ``run_tool`` returns for callers that show images.
    """
    import dspy  # imported here: the catalog itself does not need DSPy

    tools = []
    for name in names or tool_names():
        card, model = get_card(name), args_model(name)
        schema = model.model_json_schema()

        def call(_name: str = name, **kwargs: Any) -> str:
            return run_tool(_name, ctx, kwargs).text

        tools.append(
            dspy.Tool(
                call,
                name=name,
                desc=f"{card.summary} {card.frame}",
                args=schema.get("properties", {}),
                arg_desc={k: v.get("description", "") for k, v in schema.get("properties", {}).items()},
            )
        )
    return tools

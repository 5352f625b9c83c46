"""The one registry of tool names: cards, argument models, implementations, and ``run_tool``.

Tools register with ``@register(card, ArgsModel)``; prompts (``render_cards``), the
tool-choice Literal, DSPy tools and tests all read this registry, so a name can never
differ between a prompt and the code (DESIGN.md §1, pitfall 5).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from pydantic import ValidationError

from anomalyclaw.data import DomainSpec
from tools._args import ToolArgs, describe_validation
from tools._context import ToolContext
from tools._errors import BadToolInput, ToolsError
from tools._types import FRAME, Observation, ToolCard

log = logging.getLogger(__name__)


class Finding(NamedTuple):
    """What a tool implementation returns; the registry wraps it into an Observation."""

    text: str
    numbers: dict[str, float]
    image: bytes | Callable[[], bytes] | None = None
    """PNG bytes, or a function that draws them (called only when the caller wants images)."""


ToolFn = Callable[[ToolContext, Any], Finding]


@dataclass(frozen=True)
class _Entry:
    card: ToolCard
    args: type[ToolArgs]
    fn: ToolFn


_REGISTRY: dict[str, _Entry] = {}


def register(card: ToolCard, args: type[ToolArgs]) -> Callable[[ToolFn], ToolFn]:
    """Decorator: add a tool under ``card.name`` (names are unique)."""

    def deco(fn: ToolFn) -> ToolFn:
        if card.name in _REGISTRY:
            raise ToolsError(f"tool {card.name!r} registered twice")
        _REGISTRY[card.name] = _Entry(card, args, fn)
        return fn

    return deco


def say(facts: str, meaning: str, disconfirm: str) -> str:
    """Observation text: the measurements, then an interpretation, then what would disconfirm it."""
    return (
        f"{facts.strip()} Interpretation: {meaning.strip()} What would disconfirm this: {disconfirm.strip()}"
    )


FAMILY_ORDER = ("visual_inspection", "reference_understanding", "frozen_expert", "structure_texture")


def _ordered() -> list[_Entry]:
    """Entries in catalog order: by family (FAMILY_ORDER), then by registration within a family."""
    return sorted(_REGISTRY.values(), key=lambda e: FAMILY_ORDER.index(e.card.family))


def tool_names() -> tuple[str, ...]:
    """Registered names in catalog order."""
    return tuple(e.card.name for e in _ordered())


def tool_name_literal() -> Any:
    """``Literal[...]`` of the registered names, for typed tool choice (e.g. a DSPy signature field)."""
    return Literal[tool_names()]  # type: ignore[valid-type]


def get_card(name: str) -> ToolCard:
    """The card of a registered tool.

    Raises:
        BadToolInput: unknown name (the message lists the known ones).
    """
    if name not in _REGISTRY:
        raise BadToolInput(f"unknown tool {name!r}; known tools: {', '.join(tool_names())}")
    return _REGISTRY[name].card


def args_model(name: str) -> type[ToolArgs]:
    """The pydantic argument model of a registered tool."""
    get_card(name)
    return _REGISTRY[name].args


def card_applies(card: ToolCard, spec: DomainSpec, n_refs: int) -> bool:
    """Whether a card applies: modality matches ('*' or case-insensitive substring), references, pairing."""
    mod = spec.modality.lower()
    if "*" not in card.modalities and not any(m.lower() in mod for m in card.modalities):
        return False
    if card.needs_references and n_refs < 1:
        return False
    return not (card.needs_pair and not spec.paired)


def applicable_cards(spec: DomainSpec, n_refs: int) -> list[ToolCard]:
    """Cards of the tools that make sense for this domain and reference count, in catalog order."""
    return [e.card for e in _ordered() if card_applies(e.card, spec, n_refs)]


def render_cards(cards: list[ToolCard]) -> str:
    """Prompt text: the coordinate frame once per distinct frame, then one line per tool."""
    frames = sorted({c.frame for c in cards}) or [FRAME]
    lines = [f"Coordinate frame: {f}" for f in frames]
    for c in cards:
        needs = [
            w
            for w, on in (
                ("needs references", c.needs_references),
                ("needs a before/after pair", c.needs_pair),
            )
            if on
        ]
        tail = f" [{'; '.join(needs)}]" if needs else ""
        lines.append(f"- {c.name}({c.args_doc}): {c.summary}{tail}")
    return "\n".join(lines)


def _failure(name: str, message: str) -> Observation:
    return Observation(
        tool=name,
        ok=False,
        error=message,
        text=say(
            f"{name} could not run: {message}.",
            "this call gives no evidence either way.",
            "nothing; fix the arguments or inputs and call again.",
        ),
    )


def run_tool(
    name: str, ctx: ToolContext, args: dict[str, Any] | None = None, *, render: bool = True
) -> Observation:
    """Run a registered tool. Never raises: bad names, arguments or inputs give ``ok=False``.

    Args:
        name: a registered tool name.
        ctx: the episode's inputs.
        args: the tool's arguments (validated against its model).
        render: draw the PNG the VLM sees; False skips drawing (text and numbers are the same),
            which is what a backend that reads no images (the offline policy) wants.
    """
    entry = _REGISTRY.get(name)
    if entry is None:
        return _failure(name, f"unknown tool {name!r}; known tools: {', '.join(tool_names())}")
    if args is not None and not isinstance(args, dict):
        return _failure(name, f"arguments must be a JSON object, got {type(args).__name__}")
    try:
        parsed = entry.args.model_validate(args or {})
    except ValidationError as exc:
        return _failure(name, f"bad arguments: {describe_validation(exc)} (expected: {entry.card.args_doc})")
    try:
        ctx.validate()
        found = entry.fn(ctx, parsed)
        image = None if not render else found.image() if callable(found.image) else found.image
    except BadToolInput as exc:
        return _failure(name, str(exc))
    except Exception as exc:  # a tool must never kill an episode: record the failure in the observation
        log.exception("tool %s failed", name)
        return _failure(name, f"internal error {exc.__class__.__name__}: {exc}")
    return Observation(tool=name, ok=True, text=found.text, numbers=found.numbers, image_png=image)

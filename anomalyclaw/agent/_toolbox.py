"""The episode's view of the tool catalog: applicable names, their cards, and a bound runner.

Names and cards come from the ``tools`` registry only (one source of names). A tool that is
not applicable here, or a bad argument, becomes an observation that says so — never an
exception into the episode.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

import tools
from anomalyclaw.data import DomainSpec


class Catalog:
    """The tools that apply to one domain (built once per agent).

    Args:
        spec: the domain (modality, pairing).
        n_refs: references the refutation episode shows (some tools need two or more).
        experts: the domain's fitted ``tools.DomainExperts`` (expert tools use them).
    """

    def __init__(self, spec: DomainSpec, n_refs: int, experts: Any = None) -> None:
        cards = tools.applicable_cards(spec, n_refs)
        self.spec, self.experts = spec, experts
        self.cards = {c.name: c for c in cards}
        self.names: tuple[str, ...] = tuple(c.name for c in cards)
        self.cards_text: str = tools.render_cards(cards)

    def bind(self, query: np.ndarray, references: Sequence[np.ndarray]) -> BoundToolbox:
        """A toolbox for one query and its references (pixels only)."""
        ctx = tools.ToolContext(
            query=query, references=tuple(references), spec=self.spec, experts=self.experts
        )
        return BoundToolbox(self, ctx)


class BoundToolbox:
    """Runs tools on one item's pixels and times them."""

    def __init__(self, catalog: Catalog, ctx: Any) -> None:
        self.catalog, self.ctx = catalog, ctx
        self.names, self.cards_text = catalog.names, catalog.cards_text
        self.seconds = 0.0

    def run(self, name: str, args: dict[str, Any], candidate_box: list[float] | None) -> tools.Observation:
        """Run ``name``; an unavailable tool or bad arguments come back as a failed observation.

        When the tool takes a box and none was given, the candidate's box is used: the request
        is about that candidate.
        """
        card = self.catalog.cards.get(name)
        if card is None:
            choices = ", ".join(self.names)
            return tools.Observation(
                tool=str(name),
                ok=False,
                error=f"tool {name!r} is not available here",
                text=f"Choose one of: {choices}.",
            )
        if "box" in card.args_doc and "box" not in args and candidate_box is not None:
            args = {**args, "box": candidate_box}
        t0 = time.perf_counter()
        try:
            return tools.run_tool(name, self.ctx, args)
        finally:
            self.seconds += time.perf_counter() - t0

"""Every model call the agent makes, as a DSPy signature (the only prompt text in the agent).

Images reach the model as pixels with neutral handles: the query is "query", the normal
references are "ref 1", "ref 2", … in the order given. No file name, folder, item id or
manifest field is ever an input (issue 11: the model is path-blind).

The ``tool`` output is declared ``str`` here and narrowed per domain to a ``Literal`` of the
applicable tool names read from the tool registry (:func:`with_tool_choice`), so prompts and
the registry cannot disagree about names.
"""

from __future__ import annotations

from typing import Any, Literal

import dspy
from pydantic import BaseModel, Field

AnomalyType = Literal[
    "crack_or_break",
    "scratch_or_abrasion",
    "contamination_or_foreign_object",
    "missing_part",
    "extra_or_misplaced_part",
    "deformation",
    "color_or_texture_change",
    "lesion_or_growth",
    "structural_change",
    "none",
]
Verdict = Literal["found_in_ref", "not_found", "inconclusive"]
Action = Literal["use_tool", "finish"]
NO_TOOL = "none"

_DOMAIN = "What this domain is and what counts as normal in it."
_RULES = "Numbered rules for this domain, learned from earlier items; apply those that fit."
_REFS = "Normal reference images of this domain, called ref 1, ref 2, … in this order."
_QUERY = "The image to inspect, called query."
_TOOLS = "The tools you may call, with their arguments and coordinate frame."
_RULES_APPLIED = "Numbers of the domain rules that influenced this answer; [] when none did."


class CandidateProposal(BaseModel):
    """One feature of the query that might be an anomaly."""

    name: str = Field(description="Short name, e.g. 'dark spot', 'missing screw'.")
    location_hint: str = Field(default="", description="Where it is, in words.")
    box: list[float] | None = Field(
        default=None, description="[x0, y0, x1, y1] normalised to [0, 1] in the query, origin top-left."
    )
    looks_defect_like: bool = Field(default=True, description="Whether it looks like a defect at first.")


class DirectInspection(dspy.Signature):
    """Inspect the query image for visual anomalies by comparing it with normal reference images.

    Differences that the references themselves show (position, lighting, allowed variation) are
    normal. Decide whether the query is normal or anomalous, name the kind of anomaly, give the
    evidence you see and how confident you are, and box the anomaly when there is one.
    """

    domain: str = dspy.InputField(desc=_DOMAIN)
    rulebook: str = dspy.InputField(desc=_RULES)
    references: list[dspy.Image] = dspy.InputField(desc=_REFS)
    query: dspy.Image = dspy.InputField(desc=_QUERY)
    image_label: Literal["normal", "anomalous"] = dspy.OutputField(desc="Your decision about the query.")
    anomaly_type: AnomalyType = dspy.OutputField(desc="Kind of anomaly; 'none' when normal.")
    evidence: str = dspy.OutputField(desc="What you see that supports the decision, and where.")
    confidence: float = dspy.OutputField(desc="How sure you are of image_label, from 0 to 1.")
    bbox: list[float] | None = dspy.OutputField(
        desc="Box of the anomaly, [x0, y0, x1, y1] normalised to [0, 1], origin top-left; null if normal."
    )
    rules_applied: list[int] = dspy.OutputField(desc=_RULES_APPLIED)


class ProposeCandidates(dspy.Signature):
    """Start a refutation episode: list what in the query might be anomalous, then plan to refute it.

    List at most max_candidates features of the query that could be anomalies and give an initial
    anomaly score. A candidate is refuted when the same feature also appears in a normal
    reference. Choose the candidate to test first and one tool to test it with. When nothing
    looks suspicious, list no candidates, give a low score and finish.
    """

    domain: str = dspy.InputField(desc=_DOMAIN)
    rulebook: str = dspy.InputField(desc=_RULES)
    tools: str = dspy.InputField(desc=_TOOLS)
    max_candidates: int = dspy.InputField(desc="Most candidates you may list.")
    references: list[dspy.Image] = dspy.InputField(desc=_REFS)
    query: dspy.Image = dspy.InputField(desc=_QUERY)
    initial_score: float = dspy.OutputField(desc="Anomaly score in [0, 1] before any tool; 1 = anomalous.")
    candidates: list[CandidateProposal] = dspy.OutputField(desc="Candidate anomalies, most suspicious first.")
    refute_first: int = dspy.OutputField(desc="Number (1-based) of the candidate to test first; 0 if none.")
    action: Action = dspy.OutputField(desc="use_tool to test the candidate, finish to stop now.")
    tool: str = dspy.OutputField(desc="The tool to call; 'none' when finishing.")
    tool_args: dict[str, Any] = dspy.OutputField(desc="Arguments of the tool call as a JSON object.")
    rules_applied: list[int] = dspy.OutputField(desc=_RULES_APPLIED)


class RefuteStep(dspy.Signature):
    """Continue a refutation episode: judge the candidate you just tested, then act.

    Read the tool's observation about the current candidate. Its verdict is found_in_ref when
    the same feature is also present in a normal reference (refuted), not_found when no
    reference shows it (it survives), inconclusive otherwise. Update the anomaly score within
    its band: every candidate refuted 0.05-0.20, one candidate survives 0.80-0.95, mixed
    0.40-0.60. Then test another candidate with one tool, or finish. When turns_left is 0 you
    must finish.
    """

    domain: str = dspy.InputField(desc=_DOMAIN)
    rulebook: str = dspy.InputField(desc=_RULES)
    tools: str = dspy.InputField(desc=_TOOLS)
    references: list[dspy.Image] = dspy.InputField(desc=_REFS)
    query: dspy.Image = dspy.InputField(desc=_QUERY)
    candidates: str = dspy.InputField(desc="Numbered candidates with their verdicts so far.")
    current_candidate: int = dspy.InputField(desc="Number of the candidate the tool was called on.")
    last_action: str = dspy.InputField(desc="The tool call you made on the previous turn.")
    observation: str = dspy.InputField(desc="What the tool reported (text and measured numbers).")
    observation_image: dspy.Image | None = dspy.InputField(desc="The tool's image, when it made one.")
    turns_left: int = dspy.InputField(desc="Tool calls you may still make; 0 means finish now.")
    verdict: Verdict = dspy.OutputField(desc="Verdict on the current candidate.")
    reason: str = dspy.OutputField(desc="Why, in one sentence.")
    score: float = dspy.OutputField(desc="Updated anomaly score in [0, 1], within its band.")
    action: Action = dspy.OutputField(desc="use_tool to test a candidate, finish to stop.")
    next_candidate: int = dspy.OutputField(desc="Number of the candidate to test next; 0 when finishing.")
    tool: str = dspy.OutputField(desc="The tool to call next; 'none' when finishing.")
    tool_args: dict[str, Any] = dspy.OutputField(desc="Arguments of the next tool call as a JSON object.")
    rules_applied: list[int] = dspy.OutputField(desc=_RULES_APPLIED)


SIGNATURES: tuple[type[dspy.Signature], ...] = (DirectInspection, ProposeCandidates, RefuteStep)


def with_tool_choice(signature: type[dspy.Signature], tool_names: tuple[str, ...]) -> type[dspy.Signature]:
    """The signature with ``tool`` narrowed to the given registry names plus ``'none'``.

    Args:
        signature: a signature with a ``tool`` output field.
        tool_names: names from ``tools.applicable_cards`` (the registry is the only source).
    """
    choice = Literal[tuple(tool_names) + (NO_TOOL,)]  # type: ignore[valid-type]
    narrowed = signature.with_updated_fields("tool", type_=choice)
    narrowed.__name__ = narrowed.__qualname__ = signature.__name__  # keep the name for call accounting
    return narrowed

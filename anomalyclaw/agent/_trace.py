"""Typed results of the two branches and the per-turn refutation trace.

Evolution learns from the trace (which candidates get refuted, by which tool, how often), so
every turn is kept as a :class:`Turn` and stored into ``Record.history`` as a dict.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from anomalyclaw.agent._signatures import Verdict

DirectPath = Literal["verbal", "logprob", "fallback"]


class Candidate(BaseModel):
    """One candidate anomaly of an episode and what became of it."""

    index: int = Field(description="1-based number the model uses.")
    name: str
    location_hint: str = ""
    box: list[float] | None = Field(default=None, description="Normalised query box, if given.")
    looks_defect_like: bool = True
    verdict: Verdict | None = Field(default=None, description="None while untested.")
    reason: str | None = None
    forced_by_rule: str | None = Field(default=None, description="Rule id that set the verdict, if any.")


class Turn(BaseModel):
    """One model call of the refutation episode and the tool call it asked for."""

    turn: int = Field(description="1-based turn number.")
    candidate: int | None = Field(default=None, description="Candidate the tool was aimed at.")
    candidate_name: str | None = None
    tool: str | None = Field(default=None, description="Registry name of the requested tool.")
    args: dict = Field(default_factory=dict, description="Tool arguments as the model gave them.")
    executed: bool = Field(default=False, description="False on the last turn or for invalid requests.")
    observation: str | None = Field(default=None, description="Observation text, truncated.")
    observation_ok: bool | None = None
    numbers: dict[str, float] = Field(default_factory=dict, description="The tool's measured numbers.")
    verdict: Verdict | None = Field(default=None, description="Verdict given this turn (previous candidate).")
    verdict_candidate: int | None = Field(default=None, description="Candidate that verdict is about.")
    score: float | None = Field(default=None, description="Score after this turn (banded).")
    rules_applied: list[int] = Field(default_factory=list)
    reason: str | None = Field(default=None, description="The model's reason for the verdict.")
    error: str | None = None
    seconds: float = 0.0


class BranchResult(BaseModel):
    """What a branch produced; ``score`` None means the branch failed (see ``error``)."""

    score: float | None = None
    error: str | None = None
    rationale: str | None = None
    usage: dict[str, int] = Field(default_factory=dict)
    attempts: dict[str, int] = Field(default_factory=dict)
    seconds: float = 0.0
    rules_applied: list[int] = Field(default_factory=list)
    calls: int = Field(default=0, description="Model calls this branch made (cache hits included).")
    failures: dict[str, int] = Field(
        default_factory=dict, description="Failed calls by kind (parse, timeout, context_overflow, ...).")
    notes: dict[str, list] = Field(
        default_factory=dict, description="What the engine noted (policy: rules fired, item features)."
    )


class DirectResult(BranchResult):
    """The Direct branch: one call, label → score (or Logprob-Direct)."""

    path: DirectPath = "fallback"
    label: str | None = None
    anomaly_type: str | None = None
    confidence: float | None = None
    bbox: list[float] | None = None
    verbal_score: float | None = Field(
        default=None, description="Score from label+confidence, kept beside the logprob score."
    )


class EpisodeResult(BranchResult):
    """The Refutation branch: candidates, turns, final banded score."""

    initial_score: float | None = None
    candidates: list[Candidate] = Field(default_factory=list)
    turns: list[Turn] = Field(default_factory=list)
    finished: Literal["no_candidates", "model", "forced", "error", "all_tested"] | None = None
    rules_fired: list[str] = Field(default_factory=list, description="Rule ids whose condition fired.")
    rules_changed_verdict: list[str] = Field(default_factory=list)

    @property
    def tools_used(self) -> list[str]:
        """Executed tool names, in call order."""
        return [t.tool for t in self.turns if t.executed and t.tool]

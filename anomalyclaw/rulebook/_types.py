"""Rulebook records: rules with stable ids, deltas, and versions built from deltas.

A rulebook version is its parent plus a delta (add / edit / retire rule ids); whole
rewrites are not a thing. The rule text is what a language model reads; the optional
:class:`PolicyCondition` is the machine-readable form the offline policy backend applies,
so evolution changes behaviour offline too.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RuleKind = Literal["seed", "normal_variation", "anomaly_cue", "tool_strategy", "branch_trust", "invariant"]
RuleStatus = Literal["active", "retired"]
DeltaOp = Literal["add", "edit", "retire"]


class PolicyCondition(BaseModel):
    """``if <feature> <op> <threshold>: <action>(amount)``, applied by the policy backend.

    ``feature`` names a number the policy measures (the agent package lists them in
    ``anomalyclaw.agent.POLICY_FEATURES``); a rule whose feature the policy does not know is
    inert and counted as such, never an error.
    """

    model_config = ConfigDict(frozen=True)

    target: Literal["candidate", "item"] = Field(description="Evaluate per candidate or per item.")
    feature: str = Field(description="Measured number, e.g. 'candidate.z' or 'item.branch_gap'.")
    op: Literal["<", "<=", ">", ">="]
    threshold: float
    action: Literal["refute", "keep", "shift_score", "set_alpha"]
    amount: float = Field(default=0.0, description="Score shift or α for shift_score / set_alpha.")


class Provenance(BaseModel):
    """Where a rule came from. Item ids stay in the store; they never reach the model."""

    round: int = Field(default=0, description="Evolution round; 0 = seed.")
    signals: list[str] = Field(default_factory=list, description="Names of the label-free signals used.")
    items: list[str] = Field(default_factory=list, description="Item ids whose behaviour motivated it.")
    backend: str | None = None
    model: str | None = None


class Rule(BaseModel):
    """One rule of a domain's rulebook."""

    rule_id: str = Field(description="Stable id, e.g. 'D9-r0007'; edits keep it.")
    text: str = Field(description="What the language model reads.")
    kind: RuleKind
    scope: str = Field(description="Domain code or name.")
    condition: PolicyCondition | None = None
    provenance: Provenance = Field(default_factory=Provenance)
    times_applied: int = 0
    verdict_changes: int = 0
    status: RuleStatus = "active"


class RuleDelta(BaseModel):
    """One change to a rulebook, with the reason it was proposed."""

    op: DeltaOp
    rule_id: str
    rule: Rule | None = Field(default=None, description="New content for add / edit; None for retire.")
    rationale: str = ""


class Rulebook(BaseModel):
    """A whole rulebook version as the agent consumes it."""

    domain: str
    version: int = 0
    parent: int | None = None
    rules: list[Rule] = Field(default_factory=list)

    @property
    def active(self) -> list[Rule]:
        """Active rules in stable order."""
        return [r for r in self.rules if r.status == "active"]

    def apply(self, deltas: list[RuleDelta], *, version: int) -> Rulebook:
        """A new version: this one with ``deltas`` applied in order.

        Raises:
            ValueError: adding an existing id, or editing / retiring a missing one.
        """
        rules = {r.rule_id: r for r in self.rules}
        order = [r.rule_id for r in self.rules]
        for d in deltas:
            if d.op == "add":
                if d.rule_id in rules or d.rule is None:
                    raise ValueError(f"cannot add {d.rule_id}: exists or no content")
                rules[d.rule_id] = d.rule
                order.append(d.rule_id)
            elif d.op == "edit":
                if d.rule_id not in rules or d.rule is None:
                    raise ValueError(f"cannot edit {d.rule_id}: missing or no content")
                rules[d.rule_id] = d.rule.model_copy(update={"rule_id": d.rule_id})
            else:
                if d.rule_id not in rules:
                    raise ValueError(f"cannot retire {d.rule_id}: missing")
                rules[d.rule_id] = rules[d.rule_id].model_copy(update={"status": "retired"})
        return Rulebook(domain=self.domain, version=version, parent=self.version,
                        rules=[rules[i] for i in order])

    def render(self) -> str:
        """The text block both agent branches read (active rules only, numbered)."""
        if not self.active:
            return "(no domain rules yet)"
        return "\n".join(f"{i}. {r.text}" for i, r in enumerate(self.active, 1))

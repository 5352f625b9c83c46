"""DSPy reflector for language-model backends: signals in, typed delta drafts out.

The model reads the domain description, the current rulebook (rule ids and texts), a compact
signal summary (numbers and candidate names, never item ids or paths) and what was already
rejected; it answers a list of drafts. Each draft is validated here; an unusable draft, or an
answer that cannot be parsed at all, becomes a rejected :class:`Proposal` with its reason.
"""

from __future__ import annotations

import typing
from contextlib import nullcontext

import dspy
from dspy.utils.exceptions import AdapterParseError
from pydantic import BaseModel, Field

from anomalyclaw.rulebook import Rule, Rulebook, RuleDelta, RuleKind
from evolution._errors import ReflectorError
from evolution._proposal import Proposal, ReflectContext

_KINDS = set(typing.get_args(RuleKind)) - {"seed"}
MAX_TEXT = 400


class DeltaDraft(BaseModel):
    """One change the model proposes (loose types: validated after parsing)."""

    op: str = Field(description="'add', 'edit' or 'retire'.")
    rule_id: str | None = Field(default=None, description="Existing rule id (edit / retire); empty for add.")
    text: str | None = Field(default=None, description="The rule as one or two plain sentences (add / edit).")
    kind: str | None = Field(default=None, description="normal_variation | anomaly_cue | tool_strategy | "
                                                       "branch_trust | invariant")
    rationale: str = Field(default="", description="Which signal motivates it, in one sentence.")


class ProposeRuleDeltas(dspy.Signature):
    """You maintain the rulebook an anomaly inspector reads for one image domain.

    From label-free signals of the last round (score distributions, candidate anomalies that
    tools refuted again and again, branch disagreement, tool usefulness, rule usage), propose
    at most three small changes: add a rule, edit a rule's text, or retire a rule that never
    helps. Rules must be specific to this domain, short, and say what is normal variation or
    what is a real anomaly cue. Never rewrite the whole rulebook; never repeat a rejected change.
    """

    domain: str = dspy.InputField(desc="What this domain's images show and what counts as anomalous.")
    rulebook: str = dspy.InputField(desc="Current rules, one per line: [rule_id] (kind) text.")
    signals: str = dspy.InputField(desc="Label-free measurements of the last round.")
    rejected: str = dspy.InputField(desc="Changes already tried and rejected; do not repeat them.")
    proposals: list[DeltaDraft] = dspy.OutputField(desc="At most three changes.")


def render_with_ids(rulebook: Rulebook) -> str:
    """Active rules as ``[id] (kind) text`` lines, so edits can name a rule."""
    return "\n".join(f"[{r.rule_id}] ({r.kind}) {r.text}" for r in rulebook.active) or "(no rules yet)"


class LMReflector(dspy.Module):
    """A DSPy module behind the :class:`~evolution.reflector.Reflector` protocol.

    Args:
        lm: the model to ask; None uses the one configured with ``dspy.configure``.
        max_proposals: drafts beyond this many are rejected (small steps, not rewrites).
    """

    name = "lm"

    def __init__(self, lm: dspy.LM | None = None, max_proposals: int = 3) -> None:
        super().__init__()
        self.lm = lm
        self.max_proposals = max_proposals
        self.predict = dspy.Predict(ProposeRuleDeltas)

    def forward(self, domain: str, rulebook: str, signals: str, rejected: str) -> dspy.Prediction:
        """One call of :class:`ProposeRuleDeltas`."""
        return self.predict(domain=domain, rulebook=rulebook, signals=signals, rejected=rejected)

    def _validate(self, d: DeltaDraft, ctx: ReflectContext, new_id, seen: set[str]) -> RuleDelta | str:
        op = d.op.strip().lower()
        active = {r.rule_id: r for r in ctx.rulebook.active}
        if op not in ("add", "edit", "retire"):
            return f"unknown op {d.op!r}"
        if op in ("edit", "retire") and d.rule_id not in active:
            return f"{op} names {d.rule_id!r}, which is not an active rule"
        if d.rule_id in seen:
            return f"{d.rule_id} is already changed in this answer"
        if op == "retire":
            return RuleDelta(op="retire", rule_id=d.rule_id, rationale=d.rationale)
        text = (d.text or "").strip()
        if not text or len(text) > MAX_TEXT:
            return f"rule text is empty or longer than {MAX_TEXT} characters"
        kind = (d.kind or (active[d.rule_id].kind if op == "edit" else "")).strip().lower()
        if kind not in _KINDS and not (op == "edit" and kind == "seed"):
            return f"unknown rule kind {d.kind!r}"
        rid = d.rule_id if op == "edit" else new_id()
        prov = ctx.provenance(["lm_reflection"], ctx.signals.disagreement.items)
        rule = Rule(rule_id=rid, text=text, kind=kind, scope=ctx.rulebook.domain, provenance=prov)
        return RuleDelta(op=op, rule_id=rid, rule=rule, rationale=d.rationale)

    def propose(self, ctx: ReflectContext) -> list[Proposal]:
        """Ask the model; parse and validate each draft. Never raises on a malformed answer.

        Raises:
            ReflectorError: the model could not be called at all (transport, configuration).
        """
        rejected = "\n".join(f"{d.op} {d.rule_id}: {d.rule.text if d.rule else ''}" for d in ctx.rejected)
        prov = ctx.provenance(["lm_reflection"])
        try:
            with dspy.context(lm=self.lm) if self.lm is not None else nullcontext():
                pred = self(domain=ctx.description, rulebook=render_with_ids(ctx.rulebook),
                            signals=ctx.signals.summary(), rejected=rejected or "(none)")
        except AdapterParseError as e:
            return [Proposal(status="rejected", source="lm", provenance=prov, raw=e.lm_response,
                             reason="unparseable reflector answer: no valid list of proposals")]
        except (OSError, RuntimeError) as e:  # transport / backend failures: the round cannot go on
            raise ReflectorError(f"reflector model call failed: {e}",
                                 hint="check --backend/--model and the server") from e
        new_id = ctx.id_allocator()
        out: list[Proposal] = []
        seen: set[str] = set()
        drafts = list(pred.proposals or [])
        for i, d in enumerate(drafts):
            if i >= self.max_proposals:
                out.append(Proposal(status="rejected", source="lm", provenance=prov, raw=d.model_dump_json(),
                                    reason=f"more than {self.max_proposals} proposals in one round"))
                continue
            res = self._validate(d, ctx, new_id, seen)
            if isinstance(res, str):
                out.append(Proposal(status="rejected", source="lm", provenance=prov, raw=d.model_dump_json(),
                                    reason=res))
            else:
                seen.add(res.rule_id)
                out.append(Proposal(delta=res, source="lm",
                                    provenance=res.rule.provenance if res.rule else prov))
        return out

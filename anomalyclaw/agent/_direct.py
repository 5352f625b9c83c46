"""The Direct branch: one call with references and query → label, evidence, confidence → score."""

from __future__ import annotations

import dspy

from anomalyclaw.agent._calls import ModelCaller
from anomalyclaw.agent._scoring import FALLBACK_SCORE, direct_score, label_logprob_score
from anomalyclaw.agent._signatures import DirectInspection
from anomalyclaw.agent._trace import DirectResult


class DirectBranch(dspy.Module):
    """Ask once; map (label, confidence) to a score, or use the label's token probabilities.

    When the backend returned log-probabilities and the label token is found in them, the score
    is P(anomalous) at that token (``path='logprob'``); else the reference's verbal mapping
    (``path='verbal'``); an unusable answer scores 0.5 (``path='fallback'``, with the error).
    When the model could not be reached at all (after DSPy's retries) the branch failed:
    ``score`` is None and fusion uses the other branch alone.
    """

    def __init__(self, caller: ModelCaller) -> None:
        super().__init__()
        self.caller = caller
        self.inspect = dspy.Predict(DirectInspection)

    def forward(
        self, *, domain: str, rulebook: str, references: list[dspy.Image], query: dspy.Image
    ) -> DirectResult:
        """Score one query against its references."""
        call = self.caller(
            self.inspect, logprobs=True, domain=domain, rulebook=rulebook, references=references, query=query
        )
        failures = {call.error_kind: 1} if call.error_kind else {}
        common = dict(usage=call.usage, attempts=call.attempts, seconds=call.seconds, notes=call.notes,
                      calls=1, failures=failures)
        if not call.ok:
            score = FALLBACK_SCORE if call.error_kind == "parse" else None
            return DirectResult(score=score, path="fallback", error=call.error, **common)
        label, conf = call.get("image_label"), call.get("confidence")
        verbal = direct_score(label, conf)
        lp = label_logprob_score(call.get("logprobs"), "image_label")
        if lp is not None:
            score, path, error = lp, "logprob", None
        elif verbal is not None:
            score, path, error = verbal, "verbal", None
        else:
            score, path = FALLBACK_SCORE, "fallback"
            error = f"unusable answer: label={label!r} confidence={conf!r}"
        return DirectResult(
            score=score,
            path=path,
            error=error,
            label=label,
            anomaly_type=call.get("anomaly_type"),
            confidence=conf,
            bbox=call.get("bbox"),
            verbal_score=verbal,
            rationale=call.get("evidence"),
            rules_applied=list(call.get("rules_applied") or []),
            **common,
        )

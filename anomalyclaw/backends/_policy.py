"""The ``policy`` backend: a deterministic engine with no language model (the offline default).

It reads each request the way a model would — the output fields name the signature, the
input fields carry the images, candidates and tool observations — and answers from the
domain's expert probes measured on the decoded pixels (:mod:`._policy_analysis`). It applies
the rulebook's machine-readable candidate conditions to its verdicts and notes which rules
fired and which changed a verdict. Every record it produces says ``backend=policy``: it is a
baseline and a test harness, not a claim about vision-language models.
"""

from __future__ import annotations

import io
import math
import re
from typing import Any

import numpy as np
from dspy.clients.engines.base import validate_request
from dspy.lm15 import Request, Response, response_to_events
from PIL import Image

from anomalyclaw.agent._conditions import apply_candidate_rules
from anomalyclaw.backends._counting import AttemptCounter
from anomalyclaw.backends._decode import Decoded, Prompt, decode, default_value, render_reply
from anomalyclaw.backends._policy_analysis import Z_AT_THRESHOLD, Analysis, Region, shared_analyzer
from anomalyclaw.backends._wire import text_response
from anomalyclaw.errors import InputError
from anomalyclaw.images import to_rgb_array

MODEL = "policy"
Z_DECIDE = 2.0  # consensus z at which the policy calls an image anomalous (p = 0.5)
Z_SLOPE = 1.2  # how fast p rises with z
Z_KEEP = 3.5  # candidate heat z above which no reference explains it (not_found)
Z_REFUTE = Z_AT_THRESHOLD  # candidate heat z below which a reference explains it (found_in_ref)
PREFERRED_TOOLS = (
    "side_by_side_compare",
    "region_zoom",
    "expert_heatmap",
    "segment_anomaly",
    "image_diff",
    "change_heatmap_viz",
    "anomaly_vfm_score",
)
_VERDICT_LINE = re.compile(r"^(\d+)\..*verdict: (\w+)\s*$", re.MULTILINE)


def _rgb(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as img:
        return to_rgb_array(img)


def probability(z: float) -> float:
    """The policy's anomaly probability for a consensus z-score (logistic around ``Z_DECIDE``)."""
    return 1.0 / (1.0 + math.exp(-Z_SLOPE * (z - Z_DECIDE)))


def measured_verdict(region: Region) -> str:
    """found_in_ref / not_found / inconclusive from the region's heat z alone."""
    if region.z >= Z_KEEP:
        return "not_found"
    if region.z < Z_REFUTE:
        return "found_in_ref"
    return "inconclusive"


def _tool_options(decoded: Decoded) -> list[str]:
    return [t for t in re.findall(r"'([^']*)'", decoded.outputs.get("tool", "")) if t != "none"]


class PolicyEngine:
    """Answers the agent's signatures from expert probes; thread-safe (the analyzer memo is locked).

    Args:
        spec: the domain (paired domains score against the query's own references).
        rulebook: the domain's rulebook; candidate conditions are applied to verdicts.
        experts: fitted ``tools.DomainExperts`` of the domain.
        k_candidates: most candidates proposed.
    """

    def __init__(self, *, spec: Any, rulebook: Any, experts: Any, k_candidates: int = 3) -> None:
        if experts is None:
            raise InputError(
                "the policy backend needs the domain's fitted expert probes",
                hint="build it through Agent(...) or pass experts=tools.DomainExperts.fit(normals)",
            )
        self.rules = list(rulebook.active) if rulebook is not None else []
        self.numbers = {r.rule_id: i for i, r in enumerate(self.rules, 1)}
        self.analyze = shared_analyzer(
            experts, k_candidates, use_references=bool(getattr(spec, "paired", False))
        )
        self.k = k_candidates
        self.counter = AttemptCounter()

    # -- engine contract -----------------------------------------------------------------
    def complete(self, request: Request) -> Response:
        """Decode the request, answer its signature, encode the reply the adapter expects."""
        validate_request(request)
        decoded = decode(Prompt.from_request(request))
        values = {name: default_value(t) for name, t in decoded.outputs.items()}
        kind = decoded.kind()
        if "image_label" in kind:
            values.update(self._direct(decoded))
        elif "candidates" in kind:
            values.update(self._propose(decoded))
        elif "verdict" in kind:
            values.update(self._step(decoded))
        self.counter.record("ok")
        return text_response(render_reply(values, decoded), MODEL)

    def stream(self, request: Request):
        """One complete response as events."""
        return response_to_events(self.complete(request))

    def close(self) -> None:
        """Nothing to release."""

    # -- answers -------------------------------------------------------------------------
    def _analysis(self, decoded: Decoded) -> Analysis:
        query = decoded.images("query")
        if not query:
            raise InputError("policy backend: the request carries no query image")
        analysis = self.analyze(_rgb(query[0]), [_rgb(b) for b in decoded.images("references")])
        self.counter.note("item_features", [analysis.item_features()])
        return analysis

    def _direct(self, decoded: Decoded) -> dict[str, Any]:
        a = self._analysis(decoded)
        p = probability(a.consensus_z)
        top = a.regions[0] if a.regions else None
        anomalous = p >= 0.5
        return {
            "image_label": "anomalous" if anomalous else "normal",
            "anomaly_type": "color_or_texture_change" if anomalous else "none",
            "evidence": f"probe consensus z {a.consensus_z:+.2f}"
            + (f"; hottest region {top.where()} (z {top.z:.1f})" if top else ""),
            "confidence": p if anomalous else 1.0 - p,
            "bbox": list(top.box) if anomalous and top else None,
        }

    def _candidates(self, a: Analysis) -> list[Region]:
        if probability(a.consensus_z) >= 0.5:
            return list(a.regions)
        return [r for r in a.regions if r.z >= Z_AT_THRESHOLD]

    def _request(self, decoded: Decoded, region: Region | None) -> dict[str, Any]:
        options = _tool_options(decoded)
        tool = next((t for t in PREFERRED_TOOLS if t in options), options[0] if options else None)
        if region is None or tool is None:
            return {"action": "finish", "tool": "none", "tool_args": {}}
        return {"action": "use_tool", "tool": tool, "tool_args": {"box": list(region.box)}}

    def _propose(self, decoded: Decoded) -> dict[str, Any]:
        a = self._analysis(decoded)
        cands = self._candidates(a)
        out = {
            "initial_score": probability(a.consensus_z),
            "candidates": [
                {
                    "name": f"unusual patch texture (heat z {r.z:.1f})",
                    "location_hint": r.where(),
                    "box": list(r.box),
                    "looks_defect_like": r.z >= Z_KEEP,
                }
                for r in cands
            ],
            "refute_first": 1 if cands else 0,
        }
        out.update(self._request(decoded, cands[0] if cands else None))
        return out

    def _step(self, decoded: Decoded) -> dict[str, Any]:
        a = self._analysis(decoded)
        cands = self._candidates(a)
        verdicts = {int(i): v for i, v in _VERDICT_LINE.findall(decoded.text("candidates"))}
        try:
            current = int(decoded.text("current_candidate") or 0)
        except ValueError:
            current = 0
        feats = a.item_features()
        verdict, fired, changed = "inconclusive", [], []
        if 1 <= current <= len(cands):
            region = cands[current - 1]
            verdict, fired, changed = apply_candidate_rules(
                self.rules, {**feats, **region.features()}, measured_verdict(region)
            )
        verdicts[current] = verdict
        self.counter.note("rules_fired", fired)
        self.counter.note("rules_changed_verdict", changed)
        tested = [v for v in verdicts.values() if v != "untested"]
        p = probability(a.consensus_z)
        if "not_found" in tested:
            score = 0.80 + 0.15 * p
        elif tested and len(tested) == len(verdicts) and all(v == "found_in_ref" for v in tested):
            score = 0.05 + 0.15 * p
        else:
            score = 0.40 + 0.20 * p
        untested = [i for i in sorted(verdicts) if verdicts[i] == "untested" and 1 <= i <= len(cands)]
        last = decoded.text("turns_left") in ("0", "")
        nxt = untested[0] if untested and not last else 0
        out = {
            "verdict": verdict,
            "score": score,
            "next_candidate": nxt,
            "reason": f"candidate {current}: heat z {cands[current - 1].z:.1f}"
            if 1 <= current <= len(cands)
            else "no such candidate",
            "rules_applied": [self.numbers[r] for r in fired],
        }
        out.update(self._request(decoded, cands[nxt - 1] if nxt else None))
        return out

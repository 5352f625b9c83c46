"""The Refutation branch: propose candidates, try to refute each with a tool, commit a banded score.

Turn 1 proposes at most K candidates, an initial score and the first tool call. Each later
turn executes the pending tool call, shows the observation (text, measured numbers and the
tool's image), and asks for a verdict on that candidate, an updated score and the next call.
On the last turn a requested tool is not executed: the answer is final. The score is kept in
the band the verdicts imply (plain Python, :mod:`anomalyclaw.agent._scoring`).
"""

from __future__ import annotations

import json
import time
from typing import Any, Protocol

import dspy

from anomalyclaw.agent._calls import CallResult, ModelCaller
from anomalyclaw.agent._pixels import png_to_model_image
from anomalyclaw.agent._scoring import band_of, clip01, into_band
from anomalyclaw.agent._signatures import NO_TOOL, ProposeCandidates, RefuteStep, with_tool_choice
from anomalyclaw.agent._trace import Candidate, EpisodeResult, Turn

OBS_CHARS = 1500
TRACE_CHARS = 300


class Toolbox(Protocol):
    """What the episode needs from the tool catalog (pixels stay inside it)."""

    names: tuple[str, ...]
    cards_text: str

    def run(self, name: str, args: dict[str, Any], candidate_box: list[float] | None) -> Any:
        """Run a tool; returns a ``tools.Observation`` (never raises for bad requests)."""


def observation_text(obs: Any) -> str:
    """What the model reads of an observation: text, then measured numbers, truncated."""
    text = obs.text if obs.ok else f"tool error: {obs.error}. {obs.text}"
    if obs.numbers:
        text += "\nmeasured: " + ", ".join(f"{k}={v:.4g}" for k, v in obs.numbers.items())
    return text[:OBS_CHARS]


def candidates_text(cands: list[Candidate]) -> str:
    """The numbered candidate list with verdicts so far, as the model reads it."""
    lines = []
    for c in cands:
        box = f" — box [{', '.join(f'{v:.2f}' for v in c.box)}]" if c.box else ""
        hint = f" — {c.location_hint}" if c.location_hint else ""
        lines.append(f"{c.index}. {c.name}{hint}{box} — verdict: {c.verdict or 'untested'}")
    return "\n".join(lines) or "(none)"


def _candidates(raw: Any, k: int) -> list[Candidate]:
    out = []
    for i, c in enumerate(list(raw or [])[:k], 1):
        box = c.box if c.box and len(c.box) == 4 else None
        out.append(
            Candidate(
                index=i,
                name=c.name,
                location_hint=c.location_hint,
                box=box,
                looks_defect_like=c.looks_defect_like,
            )
        )
    return out


def _pick(cands: list[Candidate], wanted: Any) -> Candidate | None:
    try:
        idx = int(wanted)
    except (TypeError, ValueError):
        idx = 0
    by_index = {c.index: c for c in cands}
    if idx in by_index:
        return by_index[idx]
    return next((c for c in cands if c.verdict is None), cands[0] if cands else None)


class RefutationBranch(dspy.Module):
    """A multi-turn episode over one domain's applicable tools.

    Args:
        caller: the single model-call door.
        tool_names: applicable tool names from the registry (narrow the ``tool`` output).
        k_candidates: most candidates on turn 1.
        max_turns: model calls per episode, turn 1 included.
    """

    def __init__(
        self, caller: ModelCaller, tool_names: tuple[str, ...], *, k_candidates: int = 3, max_turns: int = 4
    ) -> None:
        super().__init__()
        self.caller = caller
        self.k, self.max_turns = k_candidates, max_turns
        self.propose = dspy.Predict(with_tool_choice(ProposeCandidates, tool_names))
        self.step = dspy.Predict(with_tool_choice(RefuteStep, tool_names))

    def forward(
        self, *, domain: str, rulebook: str, references: list[dspy.Image], query: dspy.Image, toolbox: Toolbox
    ) -> EpisodeResult:
        """Run one episode for one query."""
        t0 = time.perf_counter()
        ep = EpisodeResult()
        common = dict(
            domain=domain, rulebook=rulebook, tools=toolbox.cards_text, references=references, query=query
        )
        call = self.caller(self.propose, max_candidates=self.k, **common)
        self._account(ep, call)
        if not call.ok:
            ep.error, ep.finished = call.error, "error"
            ep.seconds = time.perf_counter() - t0
            return ep
        ep.initial_score = clip01(call.get("initial_score", 0.5))
        ep.candidates = _candidates(call.get("candidates"), self.k)
        score = ep.initial_score
        if not ep.candidates:
            ep.turns.append(Turn(turn=1, score=score, rules_applied=self._rules(call), seconds=call.seconds))
            return self._finish(ep, score, "no_candidates", t0)
        target = _pick(ep.candidates, call.get("refute_first"))
        request = self._request(call, target)
        ep.turns.append(
            Turn(
                turn=1,
                candidate=target.index if target else None,
                candidate_name=target.name if target else None,
                tool=request[0],
                args=request[1],
                score=score,
                rules_applied=self._rules(call),
                seconds=call.seconds,
            )
        )
        if request[0] is None:  # finished on turn 1 with untested candidates
            return self._finish(
                ep, into_band(score, band_of([c.verdict for c in ep.candidates])), "model", t0
            )
        for turn_no in range(2, self.max_turns + 1):
            prev = ep.turns[-1]
            obs = toolbox.run(prev.tool, prev.args, target.box if target else None)
            prev.executed, prev.observation_ok = True, bool(obs.ok)
            prev.observation = observation_text(obs)[:TRACE_CHARS]
            prev.numbers = dict(obs.numbers)
            image = png_to_model_image(obs.image_png) if obs.image_png else None
            turns_left = self.max_turns - turn_no
            call = self.caller(
                self.step,
                candidates=candidates_text(ep.candidates),
                current_candidate=target.index,
                observation=observation_text(obs),
                last_action=f"called {prev.tool} with {json.dumps(prev.args)} on candidate "
                f"{target.index} ({target.name})",
                observation_image=image,
                turns_left=turns_left,
                **common,
            )
            self._account(ep, call)
            turn = Turn(
                turn=turn_no,
                verdict_candidate=target.index,
                seconds=call.seconds,
                rules_applied=self._rules(call),
            )
            ep.turns.append(turn)
            if not call.ok:  # keep what the episode knew so far
                turn.error = call.error
                return self._finish(ep, self._banded(ep, score), "error", t0)
            verdict = call.get("verdict")
            target.verdict, target.reason = verdict, call.get("reason")
            turn.verdict = verdict
            score = self._banded(ep, call.get("score"))
            turn.score = score
            nxt = _pick(ep.candidates, call.get("next_candidate"))
            name, args = self._request(call, nxt)
            ep.rationale = turn.reason = call.get("reason")
            if name is None:
                how = "all_tested" if all(c.verdict for c in ep.candidates) else "model"
                return self._finish(ep, score, how, t0)
            turn.candidate, turn.candidate_name, turn.tool, turn.args = nxt.index, nxt.name, name, args
            if turns_left == 0:  # the last turn: a tool request is recorded, not executed
                return self._finish(ep, score, "forced", t0)
            target = nxt
        return self._finish(ep, score, "forced", t0)

    # -- helpers ------------------------------------------------------------------------
    @staticmethod
    def _request(call: CallResult, target: Candidate | None) -> tuple[str | None, dict[str, Any]]:
        name = call.get("tool")
        if call.get("action") != "use_tool" or not name or name == NO_TOOL or target is None:
            return None, {}
        args = call.get("tool_args") or {}
        return name, dict(args) if isinstance(args, dict) else {}

    @staticmethod
    def _rules(call: CallResult) -> list[int]:
        return [int(r) for r in (call.get("rules_applied") or []) if isinstance(r, int | float)]

    @staticmethod
    def _banded(ep: EpisodeResult, score: Any) -> float:
        band = band_of([c.verdict for c in ep.candidates])
        value = None if score is None else clip01(float(score))
        return into_band(value, band) if band else (value if value is not None else 0.5)

    @staticmethod
    def _account(ep: EpisodeResult, call: CallResult) -> None:
        ep.calls += 1
        if call.error_kind:
            ep.failures[call.error_kind] = ep.failures.get(call.error_kind, 0) + 1
        for k, v in call.usage.items():
            ep.usage[k] = ep.usage.get(k, 0) + v
        for k, v in call.attempts.items():
            ep.attempts[k] = ep.attempts.get(k, 0) + v
        for k, v in call.notes.items():
            ep.notes.setdefault(k, []).extend(v)

    def _finish(self, ep: EpisodeResult, score: float, how: str, t0: float) -> EpisodeResult:
        ep.score, ep.finished = score, how
        ep.rules_applied = sorted({r for t in ep.turns for r in t.rules_applied})
        ep.seconds = time.perf_counter() - t0
        return ep

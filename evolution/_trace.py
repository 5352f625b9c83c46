"""Read the agent's per-turn trace (``Record.history``) into typed, label-free turns.

The agent writes one dict per refutation turn. Evolution reads only what it needs and is
tolerant of missing keys, so a trace from an older agent or an LM that skipped a field
still yields signals instead of an error. Keys read (aliases in brackets):

- ``candidates`` (in a history entry or the record's extras): candidate dicts (``name``, optional
  ``index``, ``verdict`` — the final one —, ``features``) or plain names;
- ``candidate_name`` / ``candidate`` [``target``]: the candidate this turn is about (a name, a
  dict with ``name``, or the candidate's 1-based ``index``);
- ``verdict_candidate``: the candidate this turn's verdict is about, when it is another one;
- ``tool`` [``tool_name``], ``executed`` (False = not run), ``observation_ok`` [``ok``];
- ``numbers`` [``observation_numbers``, ``observation.numbers``]: the tool observation's numbers;
- ``verdict``: ``found_in_ref`` / ``refuted`` → refuted, ``not_found`` / ``kept`` → kept, else inconclusive;
- ``score``: the refutation score after this turn;
- ``features``: numbers the policy measured for this candidate (``candidate.*``) or item (``item.*``).

Per record, ``rules_fired`` / ``rules_changed_verdict`` (extra fields) name the rule ids the
policy applied and those that changed a verdict; ``expert_features`` (or ``features``) hold the
``item.*`` numbers the policy measured.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from anomalyclaw.record import Record

Verdict = Literal["refuted", "kept", "inconclusive"]
_REFUTED = {"found_in_ref", "refuted", "refute", "normal"}
_KEPT = {"not_found", "kept", "keep", "survives", "survived", "anomalous"}


@dataclass(frozen=True)
class Turn:
    """One tool turn of a refutation episode, as evolution sees it."""

    index: int
    candidate: str | None
    tool: str | None
    ok: bool
    numbers: dict[str, float]
    verdict: Verdict | None
    score: float | None
    features: dict[str, float]
    verdict_on: str | None = None


@dataclass(frozen=True)
class Trace:
    """A label-free digest of one record: scores, candidates, turns and rule usage."""

    item_id: str
    direct: float | None
    refutation: float | None
    fused: float | None
    initial: float | None
    error: bool
    candidates: dict[str, dict[str, float]]
    turns: tuple[Turn, ...]
    rules_fired: tuple[str, ...] = ()
    rules_changed: tuple[str, ...] = ()
    item_features: dict[str, float] = field(default_factory=dict)
    final: dict[str, Verdict] = field(default_factory=dict)

    def final_verdicts(self) -> dict[str, Verdict]:
        """Final verdict per candidate name: the candidate list's own when given, else the last
        verdict a turn gave about it (candidates never examined are absent)."""
        out: dict[str, Verdict] = {}
        for t in self.turns:
            if t.verdict_on and t.verdict:
                out[t.verdict_on] = t.verdict
        out.update(self.final)
        return out


def norm_name(name: Any) -> str:
    """A candidate's grouping key: lower case, words only, at most 6 words."""
    words = re.sub(r"[^a-z0-9]+", " ", str(name).lower()).split()
    return " ".join(words[:6])


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def _numbers(d: Any) -> dict[str, float]:
    if not isinstance(d, dict):
        return {}
    return {str(k): f for k, v in d.items() if (f := _num(v)) is not None}


def _cand_name(v: Any) -> str | None:
    if isinstance(v, dict):
        v = v.get("name")
    return norm_name(v) or None if isinstance(v, str) else None


def _verdict(v: Any) -> Verdict | None:
    if not isinstance(v, str):
        return None
    v = v.strip().lower()
    if v in _REFUTED:
        return "refuted"
    if v in _KEPT:
        return "kept"
    return "inconclusive"


def _turn(i: int, h: dict[str, Any], names: dict[int, str]) -> Turn:
    def who(v: Any) -> str | None:
        if isinstance(v, int) and not isinstance(v, bool):
            return names.get(v)
        return _cand_name(v)

    obs = h.get("observation")
    nums = h.get("numbers", h.get("observation_numbers"))
    if nums is None and isinstance(obs, dict):
        nums = obs.get("numbers")
    tool = h.get("tool", h.get("tool_name"))
    executed = h.get("executed", True) is not False
    cand = _cand_name(h.get("candidate_name")) or who(h.get("candidate", h.get("target")))
    ok = h.get("observation_ok", h.get("ok", not h.get("tool_error")))
    return Turn(
        index=int(h["turn"]) if isinstance(h.get("turn"), int) else i,
        candidate=cand,
        tool=tool if isinstance(tool, str) and tool and executed else None,
        ok=ok is not False,
        numbers=_numbers(nums),
        verdict=_verdict(h.get("verdict")),
        score=_num(h.get("score")),
        features=_numbers(h.get("features")),
        verdict_on=who(h["verdict_candidate"]) if "verdict_candidate" in h else cand,
    )


def _str_list(v: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in v) if isinstance(v, (list, tuple)) else ()


def _score_features(record: Record) -> dict[str, float]:
    """The item features every record implies: its branch scores and their gap (the agent's
    ``item.direct_score``, ``item.refutation_score``, ``item.branch_gap``)."""
    d, r = _num(record.direct_score), _num(record.refutation_score)
    out = {}
    if d is not None:
        out["item.direct_score"] = d
    if r is not None:
        out["item.refutation_score"] = r
    if d is not None and r is not None:
        out["item.branch_gap"] = abs(d - r)
    return out


def _candidate_list(record: Record) -> list[Any]:
    """Candidate dicts from the record's extras or from any history entry that lists them."""
    extra = record.model_extra or {}
    found = list(extra.get("candidates") or [])
    for h in record.history or []:
        if isinstance(h, dict) and isinstance(h.get("candidates"), list):
            found += h["candidates"]
    return found


def read_trace(record: Record) -> Trace:
    """Digest one (label-free) record; unknown or missing trace keys are skipped."""
    candidates: dict[str, dict[str, float]] = {}
    names: dict[int, str] = {}
    final: dict[str, Verdict] = {}
    for c in _candidate_list(record):
        name = _cand_name(c)
        if not name:
            continue
        candidates.setdefault(name, {}).update(_numbers(c.get("features")) if isinstance(c, dict) else {})
        if isinstance(c, dict):
            if isinstance(c.get("index"), int):
                names[c["index"]] = name
            if (v := _verdict(c.get("verdict"))) is not None:
                final[name] = v
    turns: list[Turn] = []
    item_features: dict[str, float] = {}
    for i, h in enumerate(record.history or []):
        if not isinstance(h, dict):
            continue
        item_features.update({k: v for k, v in _numbers(h.get("features")).items() if k.startswith("item.")})
        if h.get("tool") or h.get("tool_name") or h.get("verdict") is not None:
            t = _turn(i, h, names)
            turns.append(t)
            if t.candidate:
                cand_feats = {k: v for k, v in t.features.items() if not k.startswith("item.")}
                candidates.setdefault(t.candidate, {}).update(cand_feats)
    extra = record.model_extra or {}
    for key in ("expert_features", "features"):
        item_features.update({k: v for k, v in _numbers(extra.get(key)).items() if k.startswith("item.")})
    item_features.update({k: v for k, v in _score_features(record).items() if k not in item_features})
    return Trace(
        item_id=record.item_id,
        direct=_num(record.direct_score),
        refutation=_num(record.refutation_score),
        fused=_num(record.anomaly_score),
        initial=_num(record.refutation_initial_score),
        error=record.error is not None,
        candidates=candidates,
        turns=tuple(turns),
        rules_fired=_str_list(extra.get("rules_fired")),
        rules_changed=_str_list(extra.get("rules_changed_verdict")),
        item_features=item_features,
        final=final,
    )

"""Trace reading: both the name-keyed trace and the agent's index-keyed one."""

from __future__ import annotations

from anomalyclaw.record import Record
from evolution._trace import norm_name, read_trace


def test_index_keyed_trace_attributes_verdicts_to_the_right_candidate():
    rec = Record(item_id="D3_0001", domain_code="D3", v9_score=0.5, history=[
        {"turn": 1, "candidate": 1, "candidate_name": "Missing Screw", "tool": "side_by_side",
         "executed": True, "observation_ok": True, "score": 0.5},
        {"turn": 2, "candidate": 2, "tool": "zoom", "executed": True, "observation_ok": False,
         "verdict": "found_in_ref", "verdict_candidate": 1, "score": 0.5},
        {"turn": 3, "candidate": None, "tool": "fft", "executed": False, "verdict": "not_found",
         "verdict_candidate": 2, "score": 0.9},
    ], candidates=[{"index": 1, "name": "missing screw", "verdict": "found_in_ref"},
                   {"index": 2, "name": "Bent pin", "verdict": None}])
    t = read_trace(rec)
    assert set(t.candidates) == {"missing screw", "bent pin"}
    assert t.final_verdicts() == {"missing screw": "refuted", "bent pin": "kept"}
    assert [x.tool for x in t.turns] == ["side_by_side", "zoom", None]  # fft was never executed
    assert [x.ok for x in t.turns[:2]] == [True, False]


def test_missing_or_odd_trace_keys_are_skipped_not_fatal():
    rec = Record(item_id="x", domain_code="D1", rules_fired="D1-r0001", history=[
        {"note": "text"}, {"verdict": 3, "score": "high"},
        {"tool": "", "numbers": {"a": "b", "z": float("nan")}}])
    t = read_trace(rec)
    assert len(t.turns) == 1 and t.turns[0].verdict is None and t.turns[0].score is None
    assert t.rules_fired == ()
    assert norm_name("  A  very-long name, with seven words here ") == "a very long name with seven"

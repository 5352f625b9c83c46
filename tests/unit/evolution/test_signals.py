"""Signals: label-free by construction, and measuring what the trace shows."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from evo_synth import World, score

import evolution
from anomalyclaw.record import Record
from anomalyclaw.rulebook import Rulebook
from evolution._stats import describe, otsu
from evolution.signals import collect


@pytest.fixture(scope="module")
def world() -> World:
    return World.make(60, seed=1)


def test_labels_do_not_change_signals(world):
    base = collect(score(world, Rulebook(domain="D9"), label=False))
    labelled = collect(score(world, Rulebook(domain="D9"), label=True))
    world.labels = np.random.default_rng(5).permutation(world.labels)
    permuted = collect(score(world, Rulebook(domain="D9"), label=True))
    assert base == labelled == permuted


def test_records_are_stripped_not_mutated(world):
    recs = score(world, Rulebook(domain="D9"), label=True)
    collect(recs)
    assert all(r.label is not None for r in recs)


def test_recurring_false_alarms_are_grouped_by_name():
    rec = lambda i, name, verdict: Record(item_id=f"D1_{i}", domain_code="D1", history=[  # noqa: E731
        {"turn": 1, "candidates": [{"name": name}]},
        {"turn": 2, "candidate": {"name": name}, "tool": "side_by_side", "verdict": verdict, "score": 0.1}])
    recs = [rec(i, "Bright  Glare!", "found_in_ref") for i in range(5)] + [rec(9, "scratch", "not_found")]
    s = collect(recs)
    top = s.candidates[0]
    assert (top.name, top.n_items, top.refuted, top.kept) == ("bright glare", 5, 5, 0)
    assert top.items == [f"D1_{i}" for i in range(5)]
    assert s.candidates[1].kept == 1 and s.candidates[1].refute_rate == 0.0


def test_disagreement_counts_opposite_sides():
    recs = [Record(item_id=f"x{i}", domain_code="D1", direct_score=d, v9_score=r)
            for i, (d, r) in enumerate([(0.9, 0.1), (0.8, 0.2), (0.3, 0.35), (0.6, 0.7)])]
    g = collect(recs).disagreement
    assert g.n == 4 and g.opposite_share == pytest.approx(0.5)
    assert g.mean_gap == pytest.approx(((0.1 - 0.9) + (0.2 - 0.8) + 0.05 + 0.1) / 4)
    assert g.items[:2] == ["x0", "x1"]


def test_tool_usefulness_and_rule_usage(world):
    s = collect(score(world, Rulebook(domain="D9")))
    tools = {t.tool: t for t in s.tools}
    assert set(tools) == {"expert_score", "side_by_side"}
    for t in tools.values():
        assert 0 < t.decisive <= t.calls and 0.0 < t.usefulness <= 1.0
    assert s.rule_usage == {}
    assert s.experts.probes == ["gauss_z", "knn_z", "pca_z"] and s.experts.mean_spearman > 0.8


def test_feature_split_separates_a_two_mode_pool(world):
    s = collect(score(world, Rulebook(domain="D9")))
    z = s.features["candidate.z"]
    assert z.n == sum(len(c) for c in world.cands)
    assert 1.2 < z.split < 2.8  # between the false-alarm and the defect modes
    assert s.refuted_features["candidate.z"].q(0.9) < s.kept_features["candidate.z"].q(0.1)


def test_summary_has_no_item_ids(world):
    text = collect(score(world, Rulebook(domain="D9"))).summary()
    assert "D9_" not in text and "/" not in text.replace("q10", "")
    assert "Candidate 'bright glare'" in text or "Candidate 'edge shadow'" in text


def test_otsu_and_describe_on_known_samples():
    assert otsu(np.array([0.0, 0.1, 0.2, 5.0, 5.1, 5.2])) == pytest.approx(2.6)
    assert otsu(np.array([1.0, 1.0, 2.0])) is None
    d = describe([0.1, 0.1, 0.1, 0.9])
    assert d.tie_share == 0.75 and d.n == 4 and describe([]).n == 0


def test_evolution_never_names_ground_truth():
    """Static guard: no module of evolution imports GroundTruth or reads ``.truth``."""
    root = Path(evolution.__file__).parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            assert not (isinstance(node, ast.Attribute) and node.attr == "truth"), path
            assert not (isinstance(node, ast.Name) and node.id == "GroundTruth"), path
            if isinstance(node, ast.ImportFrom):
                assert "GroundTruth" not in [a.name for a in node.names], path

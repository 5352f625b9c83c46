"""AgentScorer: the real agent (policy backend) on a tiny gravel domain, probes fitted per fold."""

from __future__ import annotations

import re

import numpy as np
import pytest
from evo_domain import build

from anomalyclaw.agent import AgentConfig
from anomalyclaw.rulebook import PolicyCondition, Rule, Rulebook
from evolution._agent_scorer import AgentScorer, MemoExperts
from evolution._errors import EvolutionError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scorer(gravel, experts_dir):
    return AgentScorer(gravel, AgentConfig(max_side=96), folds=2, experts_cache=experts_dir)


def test_every_query_is_scored_by_probes_that_never_saw_it(scorer):
    assert len(scorer.pool) == 4 and len(scorer.normals) == 6
    for n in scorer.normals:
        f = scorer.normal_fold[n.item_id]
        assert n.query_path not in scorer.fold_domains[f].normal_pool
        assert set(n.ref_paths) <= set(scorer.fold_domains[f].normal_pool)
    assert {f for f in scorer.pool_fold.values()} == {0, 1}


def test_records_are_label_free_and_a_second_rulebook_reuses_the_probes(scorer):
    calls = []
    for f in (0, 1):
        real = scorer.experts(f)._experts
        orig = real.score
        real.score = lambda *a, _o=orig, **k: calls.append(1) or _o(*a, **k)
    first = scorer.score(Rulebook(domain="G1"))
    n_first = len(calls)
    rule = Rule(rule_id="G1-r0001", text="refute everything", kind="normal_variation", scope="G1",
                condition=PolicyCondition(target="candidate", feature="candidate.z", op="<", threshold=99,
                                          action="refute"))
    second = scorer.score(Rulebook(domain="G1", rules=[rule]))
    assert n_first > 0 and len(calls) == n_first  # no probe pass for the second rulebook
    assert all(r.label is None for r in first.pool + first.normals)
    assert all("item.consensus_z" in (r.model_extra.get("expert_features") or r.model_extra["features"])
               for r in first.pool + first.normals)
    assert {r.item_id for r in second.pool} == {i.item_id for i in scorer.pool}
    fired = [r for r in second.pool + second.normals if "G1-r0001" in r.model_extra.get("rules_fired", [])]
    assert fired and any(a.refutation_score != b.refutation_score
                         for a, b in zip(first.pool, second.pool, strict=True))
    assert isinstance(scorer.experts(0), MemoExperts)


def test_candidate_z_read_from_the_heatmap_matches_what_the_policy_measured(scorer):
    """The policy names candidates 'unusual patch texture (heat z 2.6)'; the z we read on the box
    must agree (the box can only add cells, so ours is never lower)."""
    diffs = []
    for rec in scorer.score(Rulebook(domain="G1")).pool:
        for c in rec.model_extra.get("candidates", []):
            m = re.search(r"heat z (-?[0-9.]+)", c["name"])
            if m:
                diffs.append(c["features"]["candidate.z"] - float(m.group(1)))
    assert diffs and min(diffs) >= -0.051 and float(np.median(np.abs(diffs))) <= 0.05


def test_paired_domains_and_tiny_pools_are_refused(tmp_path):
    dom = build(tmp_path, n_pool=4, per_split=1)
    with pytest.raises(EvolutionError, match="folds need"):
        AgentScorer(dom, AgentConfig(), folds=3)
    paired = dom.model_copy(update={"spec": dom.spec.model_copy(update={"paired": True})})
    with pytest.raises(EvolutionError, match="no held-out normal pairs"):
        AgentScorer(paired, AgentConfig())

"""The loop on a synthetic domain and a real SQLite store: rounds, lineage, labels, locks, dry runs."""

from __future__ import annotations

import dspy
import numpy as np
import pytest
from evo_fakes import FakeEngine
from evo_store import SynthScorer, evolver, history, store_at

from db import DomainLockedError, Store
from evolution.reflector import LMReflector


def test_rounds_store_whole_versions_with_evidence(tmp_path):
    st = store_at(tmp_path)
    sums = evolver(st, SynthScorer()).run()
    assert [s.round for s in sums] == [1, 2, 3]
    first = sums[0]
    assert first.status == "accepted" and "add D9-r0002" in first.deltas  # the false-alarm rule helps here
    assert first.acceptance.delta > 0 and first.acceptance.ci_low > 0
    versions = st.list_versions("D9")
    assert versions[1].status == "accepted" and versions[1].evidence["acceptance"]["accepted"]
    rounds = st.rounds("D9")
    assert [r.round for r in rounds] == [1, 2, 3]
    assert rounds[0].candidate_version == 1 and rounds[0].proxy_after > rounds[0].proxy_before
    cur = st.current_rulebook("D9")
    fa = [r for r in cur.active if r.condition and r.condition.action == "refute"]
    assert fa and fa[0].times_applied > 0  # counters added from the accepted version's own pool


def test_a_rejected_candidate_is_stored_and_not_proposed_again(tmp_path):
    st = store_at(tmp_path)
    sums = evolver(st, SynthScorer(), rounds=4).run()
    rejected = [s for s in sums if s.status == "rejected"]
    assert rejected, [s.status for s in sums]
    stored = {v.version: v.status for v in st.list_versions("D9")}
    assert all(stored[s.candidate_version] == "rejected" for s in rejected)
    conds = [tuple(d.rule.condition.model_dump().values()) for v in stored if v
             for d in st.deltas("D9", v) if d.rule and d.rule.condition]
    assert len(conds) == len(set(conds))  # no condition tried twice


def test_permuting_labels_leaves_the_rulebook_history_identical(tmp_path):
    rng = np.random.default_rng(0)
    base = SynthScorer()
    a, b = store_at(tmp_path, "a.db"), store_at(tmp_path, "b.db")
    evolver(a, SynthScorer(labels=base.pool.labels)).run()
    evolver(b, SynthScorer(labels=rng.permutation(base.pool.labels))).run()
    ha, hb = history(a), history(b)
    assert len(ha) > 4 and ha == hb


def test_dry_run_writes_nothing(tmp_path):
    st = store_at(tmp_path)
    before = history(st)
    sums = evolver(st, SynthScorer(), rounds=2, dry_run=True).run()
    assert len(sums) == 2 and sums[0].status == "accepted"
    assert history(st) == before


def test_second_evolver_on_a_locked_domain_refuses(tmp_path):
    st = store_at(tmp_path)
    scorer = SynthScorer()
    with st.domain_lock("D9"):
        with pytest.raises(DomainLockedError, match="D9"):
            evolver(Store(f"sqlite:///{tmp_path / 'evo.db'}"), scorer).run()
    assert scorer.calls == 0 and st.rounds("D9") == []


def test_malformed_reflector_answer_is_a_recorded_no_proposal_round(tmp_path):
    st = store_at(tmp_path)
    lm = dspy.LM("fake/reflector", engine=FakeEngine("not a list at all", "nor this"), cache=False)
    sums = evolver(st, SynthScorer(), rounds=1, reflector=LMReflector(lm)).run()
    assert sums[0].status == "no_proposal"
    r = st.rounds("D9")[0]
    assert r.status == "no_proposal" and r.candidate_version is None
    assert "unparseable" in r.evidence["proposals"][0]["reason"]
    assert [v.version for v in st.list_versions("D9")] == [0]


def test_scores_are_reused_when_the_rulebook_did_not_change(tmp_path):
    st = store_at(tmp_path)
    scorer = SynthScorer()
    sums = evolver(st, scorer, rounds=3).run()
    scored = 1 + sum(s.candidate_version is not None for s in sums)  # current once, then candidates
    assert scorer.calls == scored

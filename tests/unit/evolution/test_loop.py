"""The loop on a synthetic domain and a real SQLite store: rounds, lineage, labels, locks, dry runs."""

from __future__ import annotations

import dspy
import numpy as np
import pytest
from evo_synth import World, score
from test_curator import BagOfWords
from test_reflector import FakeEngine

from anomalyclaw.rulebook import Rule, Rulebook, render_rulebook
from db import DomainLockedError, Store
from evolution._scoring import Scored
from evolution.acceptance import AcceptanceConfig
from evolution.curator import Curator
from evolution.loop import EvolveConfig, Evolver
from evolution.reflector import LMReflector, TemplateReflector

SEED = Rulebook(domain="D9", rules=[Rule(rule_id="D9-r0001", text="Skull edges are bright.",
                                         kind="normal_variation", scope="D9")])


class SynthScorer:
    """Scores a synthetic pool and held-out normals; ``labels`` (if given) are attached to records,
    as if the agent leaked them: evolution must not care."""

    def __init__(self, seed: int = 0, labels: np.ndarray | None = None) -> None:
        # larger than a real pool (60) so that acceptance has the power to see the rule's gain
        self.pool = World.make(200, seed=seed, direct_noise=1.0)
        self.normals = World.make(200, seed=seed + 100, anomalous_share=0.0, prefix="n", direct_noise=1.0)
        self.labels = labels
        self.calls = 0

    def score(self, rulebook: Rulebook) -> Scored:
        self.calls += 1
        pool = score(self.pool, rulebook, label=self.labels is not None)
        if self.labels is not None:
            pool = [r.model_copy(update={"label": int(y)}) for r, y in zip(pool, self.labels, strict=True)]
        return Scored(pool=tuple(pool), normals=tuple(score(self.normals, rulebook)))


def store_at(tmp_path, name="evo.db") -> Store:
    """A fresh SQLite store whose D9 seed is :data:`SEED` (imported from a seed file as version 0)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    (seeds / "D9.md").write_text(render_rulebook(SEED, name="synthetic"))
    st = Store(f"sqlite:///{tmp_path / name}")
    st.ensure_seed("D9", seed_dir=seeds)
    return st


def evolver(store, scorer, *, rounds=3, reflector=None, dry_run=False) -> Evolver:
    return Evolver("D9", "Synthetic brain MRI.", scorer=scorer, store=store,
                   reflector=reflector or TemplateReflector(), curator=Curator(BagOfWords()),
                   features=frozenset({"candidate.z", "item.branch_gap"}),
                   config=EvolveConfig(rounds=rounds, dry_run=dry_run,
                                       acceptance=AcceptanceConfig(n_boot=300)))


def history(store: Store) -> list:
    """Everything evolution stored for D9, minus wall-clock fields."""
    out = []
    for v in store.list_versions("D9"):
        rb = store.get_rulebook("D9", v.version)
        out.append((v.version, v.parent, v.status, v.evidence, [r.model_dump() for r in rb.rules],
                    [d.model_dump() for d in store.deltas("D9", v.version)]))
    out += [r.model_dump(exclude={"created_at"}) for r in store.rounds("D9")]
    return out


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

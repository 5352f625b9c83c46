"""Rulebook versions in the store: seed import, commit, reconstruction, rollback, rounds (SQLite + PG)."""

from __future__ import annotations

import pytest

from anomalyclaw.errors import InputError
from anomalyclaw.rulebook import PolicyCondition, Provenance, Rule, RuleDelta, load_seed
from db import EvolutionRound, Store, StoreError


def _new_rule(store: Store, domain: str, text: str, **kw) -> Rule:
    rid = store.next_rule_id(domain)
    return Rule(rule_id=rid, text=text, kind=kw.pop("kind", "anomaly_cue"), scope=domain, **kw)


def _add(store: Store, domain: str, text: str, **kw) -> RuleDelta:
    r = _new_rule(store, domain, text, **kw)
    return RuleDelta(op="add", rule_id=r.rule_id, rule=r, rationale=f"because {text}")


def test_seed_is_imported_once_as_version_zero(store):
    seed = load_seed("D9").rulebook
    rb = store.ensure_seed("D9")
    assert (rb.version, rb.parent) == (0, None)
    assert rb.rules == seed.rules
    store.ensure_seed("D9")
    store.current_rulebook("D9")
    versions = store.list_versions("D9")
    assert [(v.version, v.status, v.n_rules, v.n_active) for v in versions] == [
        (0, "seed", len(seed.rules), len(seed.rules))]
    assert store.domain_name("D9") == load_seed("D9").name
    assert store.domains() == ["D9"]


def test_unknown_domain_without_seed_is_an_input_error_unless_empty_allowed(store):
    with pytest.raises(InputError, match="no seed rulebook for domain 'widgets'"):
        store.ensure_seed("widgets")
    assert store.list_versions("widgets") == []
    rb = store.ensure_seed("widgets", allow_empty=True)
    assert (rb.version, rb.rules) == (0, [])


def test_current_is_latest_accepted_and_rejected_versions_are_kept(store):
    store.ensure_seed("D1")
    cond = PolicyCondition(target="item", feature="item.branch_gap", op=">", threshold=0.4,
                           action="shift_score", amount=0.1)
    prov = Provenance(round=1, signals=["branch_disagreement"], items=["D1_0003"], backend="policy")
    v1 = store.commit_version("D1", 0, [_add(store, "D1", "gap rule", condition=cond, provenance=prov)],
                              accepted=True, evidence={"proxy_before": 0.61, "proxy_after": 0.66},
                              backend="policy", model="policy-v1")
    v2 = store.commit_version("D1", v1, [_add(store, "D1", "bad idea")], accepted=False,
                              evidence={"proxy_before": 0.66, "proxy_after": 0.60})
    assert (v1, v2) == (1, 2)
    cur = store.current_rulebook("D1")
    assert cur.version == 1 and cur.rules[-1].condition == cond and cur.rules[-1].provenance == prov
    rejected = store.get_rulebook("D1", 2)
    assert rejected.rules[-1].text == "bad idea" and rejected.parent == 1
    meta = {v.version: v for v in store.list_versions("D1")}
    assert meta[2].status == "rejected" and meta[2].evidence["proxy_after"] == 0.60
    assert (meta[1].backend, meta[1].model, meta[1].n_deltas) == ("policy", "policy-v1", 1)
    assert meta[1].created_at.tzinfo is not None


def test_every_version_equals_its_parent_plus_its_stored_deltas(store):
    store.ensure_seed("D6")
    seed = store.get_rulebook("D6", 0)
    v1 = store.commit_version("D6", 0, [
        RuleDelta(op="edit", rule_id=seed.rules[0].rule_id,
                  rule=seed.rules[0].model_copy(update={"text": "pores are normal"}), rationale="sharpen"),
        RuleDelta(op="retire", rule_id=seed.rules[1].rule_id, rationale="redundant"),
        _add(store, "D6", "long dark lines are cracks"),
    ], accepted=True)
    v2 = store.commit_version("D6", v1, [_add(store, "D6", "joints are straight")], accepted=False)
    v3 = store.commit_version("D6", v1, [RuleDelta(op="retire", rule_id=seed.rules[2].rule_id)],
                              accepted=True)
    for v in (v1, v2, v3):
        stored = store.get_rulebook("D6", v)
        parent = store.get_rulebook("D6", stored.parent)
        assert parent.apply(store.deltas("D6", v), version=v) == stored
    assert [d.rationale for d in store.deltas("D6", v1)] == [
        "sharpen", "redundant", "because long dark lines are cracks"]


def test_deltas_that_do_not_apply_write_nothing(store):
    store.ensure_seed("D2")
    existing = store.get_rulebook("D2", 0).rules[0]
    bad = [_add(store, "D2", "fine"), RuleDelta(op="add", rule_id=existing.rule_id, rule=existing)]
    with pytest.raises(InputError, match="do not apply"):
        store.commit_version("D2", 0, bad, accepted=True)
    with pytest.raises(InputError, match="no rulebook version 7"):
        store.commit_version("D2", 7, [], accepted=True)
    assert [v.version for v in store.list_versions("D2")] == [0]


def test_rule_ids_are_never_reused_even_after_a_rejected_version(store):
    store.ensure_seed("D3")
    n_seed = len(store.get_rulebook("D3", 0).rules)
    d = _add(store, "D3", "rejected idea")
    store.commit_version("D3", 0, [d], accepted=False)
    assert d.rule_id == f"D3-r{n_seed + 1:04d}"
    assert store.next_rule_id("D3") == f"D3-r{n_seed + 2:04d}"


def test_rollback_makes_a_new_version_with_the_old_active_rules(store):
    store.ensure_seed("D4")
    v0 = store.get_rulebook("D4", 0)
    v1 = store.commit_version("D4", 0, [_add(store, "D4", "new cue"),
                                        RuleDelta(op="retire", rule_id=v0.rules[0].rule_id)], accepted=True)
    v2 = store.commit_version("D4", v1, [RuleDelta(op="edit", rule_id=v0.rules[1].rule_id,
                                                   rule=v0.rules[1].model_copy(update={"text": "edited"}))],
                              accepted=True)
    back = store.rollback("D4", 0)
    assert back == v2 + 1
    cur = store.current_rulebook("D4")
    assert cur.version == back and cur.parent == v2
    assert [(r.rule_id, r.text) for r in cur.active] == [(r.rule_id, r.text) for r in v0.active]
    assert {v.version for v in store.list_versions("D4")} == {0, v1, v2, back}  # history kept
    assert store.rollback("D4", 0) == back  # already equal: nothing new


def test_import_commits_only_real_changes(store):
    cur = store.ensure_seed("D5")
    assert store.import_rulebook("D5", cur) is None
    edited = cur.model_copy(update={"rules": [cur.rules[0].model_copy(update={"text": "hand edit"}),
                                              *cur.rules[1:]]})
    v = store.import_rulebook("D5", edited, note="manual")
    assert store.current_rulebook("D5").rules[0].text == "hand edit"
    assert [d.op for d in store.deltas("D5", v)] == ["edit"]
    with pytest.raises(InputError):
        store.import_rulebook("D6", edited)


def test_rule_counters_accumulate_on_one_version_only(store):
    store.ensure_seed("D8")
    rid = store.get_rulebook("D8", 0).rules[0].rule_id
    v1 = store.commit_version("D8", 0, [], accepted=True)
    store.add_rule_counts("D8", v1, applied={rid: 3}, changed={rid: 1})
    store.add_rule_counts("D8", v1, applied={rid: 2})
    r = store.get_rulebook("D8", v1).rules[0]
    assert (r.times_applied, r.verdict_changes) == (5, 1)
    assert store.get_rulebook("D8", 0).rules[0].times_applied == 0


def test_round_is_written_with_its_version_or_not_at_all(store):
    store.ensure_seed("D10")
    rnd = EvolutionRound(domain="D10", round=store.next_round("D10"), parent_version=0, status="accepted",
                         proxy_before=0.55, proxy_after=0.58, evidence={"ci": [0.01, 0.05]})
    v = store.commit_version("D10", 0, [_add(store, "D10", "x")], accepted=False, round=rnd)
    got = store.rounds("D10")
    assert [(r.round, r.candidate_version, r.status, r.proxy_after) for r in got] == [
        (1, v, "rejected", 0.58)]
    with pytest.raises(StoreError, match="round 1 of D10 is already recorded"):
        store.commit_version("D10", 0, [_add(store, "D10", "y")], accepted=True, round=rnd)
    assert [x.version for x in store.list_versions("D10")] == [0, v]  # the failed commit left no version
    empty = store.record_round(EvolutionRound(domain="D10", round=store.next_round("D10"), parent_version=v,
                                              status="no_proposal"))
    assert (empty.round, empty.candidate_version) == (2, None)

"""Table 1 from the run store: run selection (v0 vs latest accepted), pairing, grouping, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from anomalyclaw.record import Record
from anomalyclaw.rulebook import Rule, RuleDelta
from db import Store
from eval._evolution_table import DIRECT, EVOLVED, SEED, evolution_tables
from eval.metrics import auroc
from eval.table1 import main


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("ANOMALYCLAW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ANOMALYCLAW_DB_URL", raising=False)
    return Store(f"sqlite:///{tmp_path / 't.db'}")


def _records(domain, labels, direct, refut, source="proxy"):
    return [Record(item_id=f"{domain}_{i:03d}", domain_code=domain, label_gt=int(y), direct_score=float(d),
                   v9_score=float(r), anomaly_score=float((d + r) / 2), data_source=source)
            for i, (y, d, r) in enumerate(zip(labels, direct, refut, strict=True))]


def _run(store, domain, version, recs, *, backend="policy", source="proxy", split="test", purpose="eval"):
    rid = store.start_run(domain=domain, split=split, backend=backend, model=backend,
                          rulebook_version=version, data_source=source, config={"purpose": purpose})
    store.add_records(rid, recs)
    store.finish_run(rid)
    return rid


def _accept(store, domain):
    store.current_rulebook(domain)
    rule = Rule(rule_id=f"{domain}-r9000", text="A test rule.", kind="normal_variation", scope=domain)
    delta = RuleDelta(op="add", rule_id=rule.rule_id, rule=rule)
    return store.commit_version(domain, 0, [delta], accepted=True)


def test_with_and_without_evolution_are_paired_on_shared_items(store):
    rng = np.random.default_rng(0)
    y = np.array([0, 1] * 20)
    d0, r0 = rng.random(40), rng.random(40)
    r1 = np.clip(r0 + 0.4 * y, 0, 1)  # the evolved rulebook separates better
    v = _accept(store, "D9")
    _run(store, "D9", 0, _records("D9", y, d0, r0))
    _run(store, "D9", v, _records("D9", y[:30], d0[:30], r1[:30]))  # 10 items missing: left out of the pair
    _run(store, "D9", 0, _records("D9", y, d0, r0)[:5], purpose="evolve", split="calib+dev")  # not a test run
    _run(store, "D9", 0, _records("D9", y, d0, r0, source="real"), source="real")
    (proxy, real) = sorted(evolution_tables(store, n_boot=200), key=lambda t: t.data_source)
    assert (proxy.data_source, real.data_source) == ("proxy", "real")
    (row,) = proxy.domains
    assert row.n == 30 and row.version == v
    assert row.aurocs[SEED] == pytest.approx(auroc(y[:30], (d0[:30] + r0[:30]) / 2))
    assert row.aurocs[EVOLVED] == pytest.approx(auroc(y[:30], (d0[:30] + r1[:30]) / 2))
    assert row.aurocs[DIRECT] == pytest.approx(auroc(y[:30], d0[:30]))
    gain = proxy.deltas_pp[f"{EVOLVED} - {SEED}"]
    assert gain.value > 0 and gain.low <= gain.value <= gain.high and gain.p_positive > 0.9
    assert real.domains == [] and "no test run at the latest accepted version" in " ".join(real.notes)


def test_no_accepted_version_uses_the_seed_run_and_cli_prints_both_tables(store, capsys, tmp_path):
    y = np.array([0, 1] * 10)
    _run(store, "D1", 0, _records("D1", y, np.linspace(0, 1, 20), np.linspace(1, 0, 20)))
    (t,) = evolution_tables(store, n_boot=0)
    assert t.domains[0].aurocs[SEED] == t.domains[0].aurocs[EVOLVED]
    assert t.deltas_pp[f"{EVOLVED} - {SEED}"].value == 0 and "no accepted evolution" in t.notes[0]
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert main(["--db", url, "--bootstrap", "50", "--no-wandb", "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    assert "Table 1" in text and "data=proxy" in text and "macro" in text and "D1" in text
    saved = json.loads((tmp_path / "o" / "table1_evolution.json").read_text())
    assert set(saved[0]["macro"]) == {DIRECT, SEED, EVOLVED}


def test_a_run_whose_model_misbehaved_is_flagged_beside_its_auroc(store, capsys):
    rng = np.random.default_rng(3)
    y = np.array([0, 1] * 10)
    clean = _records("D2", y, rng.random(20), rng.random(20))
    broken = [r.model_copy(update={"direct_path": "fallback" if i < 8 else "verbal"})
              for i, r in enumerate(clean)]
    _run(store, "D2", 0, broken)
    (t,) = evolution_tables(store, n_boot=0)
    (row,) = t.domains
    notes = ["w/o run, direct: fallback 40%", "with run, direct: fallback 40%"]
    assert row.worst_failure == pytest.approx(0.4) and row.failure_notes == notes
    _run(store, "D3", 0, clean)
    assert [d.failure_notes for d in evolution_tables(store, n_boot=0)[0].domains] == [notes, []]

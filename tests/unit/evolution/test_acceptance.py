"""Acceptance: the proxy AUROC, its paired bootstrap, a negative control and a positive one."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from anomalyclaw.record import Record
from evolution._errors import EvolutionError
from evolution.acceptance import AcceptanceConfig, auroc, decide, paired_scores

CFG = AcceptanceConfig(n_boot=400)


def world(rng, n_pool=60, n_norm=40, share=0.5, effect=1.2):
    """Latent scores: pool = normals + anomalies shifted by ``effect``; normals held out."""
    lab = rng.random(n_pool) < share
    pool = rng.normal(0, 1, n_pool) + effect * lab
    return pool, rng.normal(0, 1, n_norm), lab


def test_auroc_hand_worked_and_tie_aware():
    assert auroc([3, 2], [1, 0]) == 1.0
    assert auroc([1], [1]) == 0.5
    assert auroc([0.9, 0.5, 0.5], [0.5, 0.1]) == pytest.approx((2 + 1.5 + 1.5) / 6)
    rng = np.random.default_rng(0)
    p, n = rng.integers(0, 5, 30) / 4, rng.integers(0, 5, 20) / 4
    y = np.r_[np.ones(30), np.zeros(20)]
    assert auroc(p, n) == pytest.approx(roc_auc_score(y, np.r_[p, n]))


def test_proxy_tracks_the_true_auroc_in_expectation():
    """proxy = (1 − π)·0.5 + π·AUROC(anomalous vs normal) when pool normals ~ held-out normals."""
    rng = np.random.default_rng(1)
    pool, norm, lab = world(rng, n_pool=3000, n_norm=3000, share=0.3)
    true = auroc(pool[lab], norm)
    assert auroc(pool, norm) == pytest.approx(0.7 * 0.5 + lab.mean() * true, abs=0.02)


def test_swapping_the_rulebooks_negates_delta_and_is_deterministic():
    rng = np.random.default_rng(2)
    pool, norm, _ = world(rng)
    a, b = pool + rng.normal(0, 0.5, pool.size), norm + rng.normal(0, 0.5, norm.size)
    r1 = decide(pool, norm, a, b, CFG)
    r2 = decide(a, b, pool, norm, CFG)
    assert r1.delta == pytest.approx(-r2.delta)
    assert r1.ci_low == pytest.approx(-r2.ci_high) and r1 == decide(pool, norm, a, b, CFG)


def test_identical_rulebooks_are_never_accepted():
    rng = np.random.default_rng(3)
    pool, norm, _ = world(rng)
    r = decide(pool, norm, pool, norm, CFG)
    assert not r.accepted and r.delta == 0 and r.ci_low == r.ci_high == 0


def test_negative_control_null_edits_pass_at_most_the_nominal_rate():
    """200 candidates with no true effect (an exchangeable re-noising, or a class-blind random
    shift of a random fifth of the items, like a random rule edit): pass rate ≤ 10 %."""
    rng = np.random.default_rng(4)
    passed = 0
    for t in range(200):
        pool, norm, _ = world(rng)
        cur_p, cur_n = pool + rng.normal(0, 0.7, pool.size), norm + rng.normal(0, 0.7, norm.size)
        if t % 2:
            cand_p, cand_n = pool + rng.normal(0, 0.7, pool.size), norm + rng.normal(0, 0.7, norm.size)
        else:
            # one shift for every hit item: a rule cannot tell pool items from held-out normals
            hit_p, hit_n, c = rng.random(pool.size) < 0.2, rng.random(norm.size) < 0.2, rng.normal(0, 1.0)
            cand_p, cand_n = cur_p + hit_p * c, cur_n + hit_n * c
        passed += decide(cur_p, cur_n, cand_p, cand_n, AcceptanceConfig(n_boot=400, seed=t)).accepted
    assert passed / 200 <= 0.10


def false_alarm_world(rng, n, lab):
    """Scores where half the normals raise a spurious alarm (+2) that a measurable feature flags
    80 % of the time (10 % false flags): what a good 'this is normal variation here' rule fixes."""
    s = rng.normal(0, 1, n) + 1.2 * lab
    fa = ~lab & (rng.random(n) < 0.5)
    return s + 2.0 * fa, np.where(fa, rng.random(n) < 0.8, rng.random(n) < 0.1)


def test_a_truly_helpful_change_is_accepted():
    """The rule 'flagged alarms are normal variation' (true AUROC about +17 pp) passes in most
    of 40 draws at the proxy suite's sizes (60 pool items, 60 normals)."""
    rng = np.random.default_rng(5)
    passed, gains = 0, []
    for t in range(40):
        lab = rng.random(60) < 0.5
        (p, fp), (n, fn) = false_alarm_world(rng, 60, lab), false_alarm_world(rng, 60, np.zeros(60, bool))
        cp, cn = np.where(fp, p - 2.0, p), np.where(fn, n - 2.0, n)
        r = decide(p, n, cp, cn, AcceptanceConfig(n_boot=400, seed=t))
        passed += r.accepted
        gains.append(auroc(cp[lab], cn) - auroc(p[lab], n))
    assert np.mean(gains) > 0.1 and passed / 40 >= 0.6


def test_bad_inputs_are_refused_with_a_clear_error():
    with pytest.raises(EvolutionError, match="same pool items"):
        decide([0.1] * 10, [0.2] * 10, [0.1] * 9, [0.2] * 10)
    with pytest.raises(EvolutionError, match="non-finite"):
        decide([np.nan] * 10, [0.2] * 10, [0.1] * 10, [0.2] * 10)
    with pytest.raises(EvolutionError, match="needs ≥ 8"):
        decide([0.1] * 3, [0.2] * 10, [0.1] * 3, [0.2] * 10)


def test_paired_scores_keep_only_items_scored_by_both():
    rec = lambda i, s: Record(item_id=f"x{i}", domain_code="D1", anomaly_score=s)  # noqa: E731
    cur = [rec(0, 0.1), rec(1, 0.2), rec(2, None), rec(3, 0.4)]
    cand = [rec(3, 0.9), rec(0, 0.5), rec(2, 0.3)]
    a, b = paired_scores(cur, cand)
    assert a.tolist() == [0.1, 0.4] and b.tolist() == [0.5, 0.9]

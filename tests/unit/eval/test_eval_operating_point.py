"""Threshold from normals only: conservative with few normals, monotone in the target FPR."""

import numpy as np
import pytest

from eval.operating_point import decide, realised, threshold_at_fpr


def test_a_target_below_one_over_n_puts_the_threshold_at_the_highest_normal():
    rng = np.random.default_rng(0)
    normals = rng.uniform(0.0, 0.9, size=50)
    t = threshold_at_fpr(normals, 0.01)
    assert t == normals.max() and all(decide(s, t) == "normal" for s in normals)


def test_at_most_floor_fpr_n_normals_lie_above_it():
    rng = np.random.default_rng(1)
    for n in (5, 20, 99, 400):
        normals = rng.normal(size=n)
        for fpr in (0.0, 0.01, 0.05, 0.1, 0.25, 0.5):
            t = threshold_at_fpr(normals, fpr)
            assert (normals > t).sum() <= int(np.floor(fpr * n + 1e-9))
            assert t in normals


def test_threshold_falls_as_the_target_fpr_rises():
    normals = np.random.default_rng(2).normal(size=200)
    ts = [threshold_at_fpr(normals, f) for f in (0.0, 0.01, 0.05, 0.1, 0.3, 0.6)]
    assert ts == sorted(ts, reverse=True) and ts[0] > ts[-1]


def test_order_of_the_normals_does_not_matter():
    normals = np.random.default_rng(3).normal(size=64)
    assert threshold_at_fpr(normals, 0.1) == threshold_at_fpr(normals[::-1], 0.1)


@pytest.mark.parametrize("bad", [([], 0.01), ([0.1, float("nan")], 0.01), ([0.1], 1.0), ([0.1], -0.1)])
def test_bad_input_is_refused(bad):
    with pytest.raises(ValueError):
        threshold_at_fpr(*bad)


def test_realised_rates_on_labelled_items():
    r = realised([0, 0, 0, 0, 1, 1], [0.1, 0.2, 0.6, 0.3, 0.7, 0.4], 0.5)
    assert (r.fpr, r.recall, r.n_normal, r.n_anomalous) == (0.25, 0.5, 4, 2)
    assert realised([1, 1], [0.9, 0.1], 0.5).fpr is None
    assert decide(None, 0.5) is None and decide(0.5, 0.5) == "normal"

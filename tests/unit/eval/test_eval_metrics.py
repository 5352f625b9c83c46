"""AUROC, per-domain and macro: hand-worked cases and invariances."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from anomalyclaw.errors import InputError
from eval._order import natural_key, natural_sorted
from eval.metrics import OneClassWarning, auroc, macro_auroc, per_domain_auroc


def test_auroc_hand_worked_without_ties() -> None:
    # positives 0.35, 0.8 vs negatives 0.1, 0.4: 0.35 beats 1 of 2, 0.8 beats both -> 3/4
    assert auroc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)


def test_auroc_counts_ties_as_half() -> None:
    # 0.5(pos) vs 0.2 win, vs 0.5 tie -> 1.5; 0.9 beats both -> 2; 3.5 / 4
    assert auroc([0, 0, 1, 1], [0.2, 0.5, 0.5, 0.9]) == pytest.approx(0.875)
    assert auroc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == pytest.approx(0.5)


def test_auroc_invariances() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 200)
    s = rng.choice([0.05, 0.15, 0.5, 0.92, 0.95], 200)  # discretised, many ties
    a = auroc(y, s)
    perm = rng.permutation(200)
    assert auroc(y[perm], s[perm]) == pytest.approx(a)
    assert auroc(y, np.exp(3 * s) + 7) == pytest.approx(a)  # strictly increasing map
    assert auroc(y, -s) == pytest.approx(1 - a)
    assert auroc(1 - y, s) == pytest.approx(1 - a)


def test_auroc_one_class_warns_and_gives_nan() -> None:
    with pytest.warns(OneClassWarning):
        assert np.isnan(auroc([1, 1, 1], [0.1, 0.2, 0.3]))
    with pytest.warns(OneClassWarning):
        assert np.isnan(auroc([], []))


@pytest.mark.parametrize(("labels", "scores", "match"), [
    ([0, 2], [0.1, 0.2], "0 or 1"),
    ([0, 1], [0.1, float("nan")], "finite"),
    ([0, 1, 1], [0.1, 0.2], "length"),
    ([[0, 1]], [[0.1, 0.2]], "1-D"),
])
def test_auroc_rejects_bad_input(labels: list, scores: list, match: str) -> None:
    with pytest.raises(InputError, match=match):
        auroc(labels, scores)


def test_per_domain_is_in_natural_order_and_macro_is_unweighted() -> None:
    # D10 has 40 items, D2 has 4: a pooled AUROC would weigh D10 ten times more
    rng = np.random.default_rng(0)
    y10 = np.tile([0, 1], 20)
    s10 = y10 * 0.3 + rng.random(40)
    domains = ["D10"] * 40 + ["D2"] * 4
    labels = np.concatenate([y10, [0, 0, 1, 1]])
    scores = np.concatenate([s10, [0.9, 0.8, 0.1, 0.2]])  # D2 perfectly inverted: AUROC 0
    per = per_domain_auroc(domains, labels, scores)
    assert list(per) == ["D2", "D10"]
    assert per["D2"] == pytest.approx(0.0)
    assert per["D10"] == pytest.approx(auroc(y10, s10))
    assert macro_auroc(domains, labels, scores) == pytest.approx((per["D2"] + per["D10"]) / 2)


def test_macro_skips_a_one_class_domain_with_a_warning_naming_it() -> None:
    domains = ["D1"] * 4 + ["D3"] * 3
    labels = [0, 0, 1, 1, 0, 0, 0]
    scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    with pytest.warns(OneClassWarning, match="D3"):
        assert macro_auroc(domains, labels, scores) == pytest.approx(1.0)


def test_macro_of_only_one_class_domains_is_nan() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OneClassWarning)
        assert np.isnan(macro_auroc(["D1", "D1"], [0, 0], [0.1, 0.2]))


def test_natural_order_compares_numbers_as_numbers() -> None:
    assert natural_sorted(["D10", "D2", "D1", "D12", "bottles"]) == ["D1", "D2", "D10", "D12", "bottles"]
    assert natural_key("D2") < natural_key("D10")
    assert natural_sorted(["12", "3", "a"]) == ["3", "12", "a"]

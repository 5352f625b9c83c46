"""The vectorized paired bootstrap equals a plain loop over sklearn, and reproduces DESIGN.md §1."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from anomalyclaw.errors import InputError
from eval.bootstrap import DomainScores, bootstrap_macro, draw_indices, paired_bootstrap, replicate_auroc

LEVELS = np.array([0.05, 0.1, 0.15, 0.5, 0.85, 0.92, 0.95])  # discretised like upstream scores


def _domain(name: str, n: int, rng: np.random.Generator) -> DomainScores:
    y = np.repeat([0, 1], [n // 2, n - n // 2])
    a = rng.choice(LEVELS, n)
    b = np.where(rng.random(n) < 0.5, np.clip(a + 0.3 * y, 0, 1), rng.choice(LEVELS, n))
    return DomainScores(name, y, {"a": a, "b": b})


def _loop_reference(domains: list[DomainScores], systems: tuple[str, ...], n_boot: int,
                    seed: int) -> np.ndarray:
    """The textbook version: one sklearn call per (replicate, domain, system)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n_boot, len(systems)))
    for b in range(n_boot):
        per: list[list[float]] = []
        for d in domains:  # already in natural order
            idx = rng.integers(0, d.labels.size, d.labels.size)
            y = d.labels[idx]
            if y.min() == y.max():
                continue
            per.append([roc_auc_score(y, d.scores[s][idx]) for s in systems])
        out[b] = np.mean(per, axis=0)
    return out


def test_replicate_auroc_equals_sklearn_on_each_resample() -> None:
    rng = np.random.default_rng(1)
    d = _domain("D1", 30, rng)
    idx = rng.integers(0, 30, (25, 30))
    idx[0] = np.arange(30) % 15  # a one-class resample (normals only)
    got = replicate_auroc(d.labels, d.scores["b"], idx)
    assert np.isnan(got[0])
    for b in range(1, 25):
        assert got[b] == pytest.approx(roc_auc_score(d.labels[idx[b]], d.scores["b"][idx[b]]), abs=1e-12)


def test_draw_indices_follow_the_documented_order() -> None:
    sizes = [5, 5, 3, 4, 5]  # runs of equal sizes, within and across replicates
    got = draw_indices(sizes, 6, seed=7)
    rng = np.random.default_rng(7)
    for b in range(6):  # replicate outer, domain inner
        for k, n in enumerate(sizes):
            np.testing.assert_array_equal(got[k][b], rng.integers(0, n, n))


def test_bootstrap_equals_the_loop_and_skips_one_class_resamples() -> None:
    rng = np.random.default_rng(2)
    # D10 is tiny, so some of its resamples hold one class and must be skipped
    domains = [_domain("D1", 40, rng), _domain("D2", 30, rng), _domain("D10", 4, rng)]
    draws = bootstrap_macro(list(reversed(domains)), n_boot=40, seed=5)  # input order must not matter
    assert draws.systems == ("a", "b")
    assert draws.n_skipped > 0
    np.testing.assert_allclose(draws.macro, _loop_reference(domains, ("a", "b"), 40, 5), atol=1e-12)
    observed = [np.mean([roc_auc_score(d.labels, d.scores[s]) for d in domains]) for s in ("a", "b")]
    np.testing.assert_allclose(draws.observed, observed, atol=1e-12)


def test_same_indices_for_both_systems() -> None:
    rng = np.random.default_rng(4)
    d = _domain("D1", 50, rng)
    twin = DomainScores("D1", d.labels, {"a": d.scores["a"], "a2": d.scores["a"].copy()})
    diff = paired_bootstrap([twin], system="a2", baseline="a", n_boot=200)
    assert (diff.value, diff.low, diff.high, diff.p_positive) == (0.0, 0.0, 0.0, 0.0)
    wider = bootstrap_macro([twin], n_boot=200).interval("a")
    assert wider.low < wider.value < wider.high


def test_difference_is_antisymmetric_and_seeded() -> None:
    rng = np.random.default_rng(6)
    domains = [_domain(f"D{k}", 40, rng) for k in range(1, 4)]
    draws = bootstrap_macro(domains, n_boot=300, seed=0)
    ab, ba = draws.difference("a", "b"), draws.difference("b", "a")
    assert ab.value == pytest.approx(-ba.value)
    assert ab.low == pytest.approx(-ba.high) and ab.high == pytest.approx(-ba.low)
    assert ab.low <= ab.value <= ab.high
    again = bootstrap_macro(domains, n_boot=300, seed=0)
    np.testing.assert_array_equal(draws.macro, again.macro)
    assert not np.array_equal(draws.macro, bootstrap_macro(domains, n_boot=300, seed=1).macro)


def test_zero_replicates_gives_observed_values_only() -> None:
    rng = np.random.default_rng(8)
    draws = bootstrap_macro([_domain("D1", 20, rng)], n_boot=0)
    interval = draws.interval("a")
    assert np.isfinite(interval.value) and np.isnan(interval.low) and np.isnan(interval.high)


def test_bad_input_is_rejected() -> None:
    rng = np.random.default_rng(9)
    d1 = _domain("D1", 10, rng)
    with pytest.raises(InputError, match="systems"):
        bootstrap_macro([d1, DomainScores("D2", d1.labels, {"a": d1.scores["a"]})])
    with pytest.raises(InputError, match="unknown system"):
        bootstrap_macro([d1], n_boot=5).interval("zzz")
    with pytest.raises(InputError, match="D3, system a"):
        DomainScores("D3", np.array([0, 1]), {"a": np.array([0.1])})
    with pytest.raises(InputError, match="no domains"):
        bootstrap_macro([])


def _upstream_domains(path: Path) -> list[DomainScores]:
    out = []
    for file in sorted(path.glob("*.json")):
        rows = json.loads(file.read_text(encoding="utf-8"))
        direct = np.array([r["direct_score"] for r in rows])
        refut = np.array([r["v9_score"] for r in rows])
        out.append(DomainScores(rows[0]["domain_code"], np.array([r["label_gt"] for r in rows]),
                                {"direct": direct, "blend": 0.5 * direct + 0.5 * refut}))
    return out


def test_upstream_delta_ci_matches_design(upstream_results_dir: Path) -> None:
    # DESIGN.md §1: Δ +3.52 pp, CI ≈ [1.83, 5.32] with B = 1000 and default_rng(0)
    diff = paired_bootstrap(_upstream_domains(upstream_results_dir), system="blend", baseline="direct")
    assert round(100 * diff.value, 2) == 3.52
    assert round(100 * diff.low, 2) == 1.83
    assert round(100 * diff.high, 2) == 5.32
    assert diff.p_positive > 0.99

"""Pure probe compute, checked against brute force and closed forms on small random data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tools import _probes as pr
from tools._calibrate import null_z, tail_probability


def _unit(rng, *shape):
    x = torch.from_numpy(rng.standard_normal(shape).astype(np.float32))
    return torch.nn.functional.normalize(x, dim=-1)


def test_knn_distance_matches_brute_force_and_leave_one_out():
    rng = np.random.default_rng(0)
    q, bank = _unit(rng, 3, 20, 8), _unit(rng, 50, 8)
    owner = torch.from_numpy(rng.integers(0, 3, 50))
    got = pr.knn_distance(q, bank)
    want = 1 - np.max(q.numpy() @ bank.numpy().T, axis=-1)
    assert np.allclose(got.numpy(), np.clip(want, 0, None), atol=1e-5)
    ex = pr.knn_distance(q, bank, owner, torch.tensor([0, 1, 2]))
    for n in range(3):
        keep = bank.numpy()[owner.numpy() != n]
        assert np.allclose(
            ex[n].numpy(), np.clip(1 - np.max(q[n].numpy() @ keep.T, axis=-1), 0, None), atol=1e-5
        )
    assert (ex >= got - 1e-6).all()  # removing bank rows can only increase distances


def test_top_mean_averages_the_top_share():
    maps = torch.arange(200, dtype=torch.float32)[None]
    assert float(pr.top_mean(maps, 0.01)[0]) == pytest.approx((199 + 198) / 2)
    assert float(pr.top_mean(maps[:, :10], 0.01)[0]) == 9.0  # at least one value


def test_moment_sums_leave_one_out_equals_direct_fit():
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.standard_normal((4, 30, 5)))
    sums = pr.MomentSums(x)
    mean, cov = sums.moments(leave_out=2)
    rest = torch.cat([x[i] for i in (0, 1, 3)]).numpy()
    assert np.allclose(mean.numpy(), rest.mean(0))
    assert np.allclose(cov.numpy(), np.cov(rest.T, bias=True), atol=1e-10)


def test_pca_residual_is_zero_inside_the_subspace_and_positive_outside():
    rng = np.random.default_rng(2)
    basis_true = np.linalg.qr(rng.standard_normal((6, 2)))[0]
    pts = torch.from_numpy((rng.standard_normal((1, 400, 2)) @ basis_true.T).astype(np.float32))
    mean, cov = pr.MomentSums(pts).moments()
    basis = pr.pca_basis(cov, 0.999)
    assert basis.shape[1] == 2
    assert float(pr.pca_residual(pts, mean, basis).max()) < 1e-6
    off = torch.from_numpy(np.linalg.svd(basis_true.T)[2][-1][None, None].astype(np.float32))
    assert float(pr.pca_residual(off, mean, basis)[0, 0]) > 0.5


def test_mahalanobis_grows_along_low_variance_directions():
    rng = np.random.default_rng(3)
    pts = torch.from_numpy(rng.standard_normal((1, 2000, 2)) * np.array([3.0, 0.3]))
    mean, cov = pr.MomentSums(pts).moments()
    prec = pr.oas_precision(cov, 2000.0)
    along_wide = pr.mahalanobis(torch.tensor([[[1.0, 0.0]]], dtype=torch.float64), mean, prec)
    along_narrow = pr.mahalanobis(torch.tensor([[[0.0, 1.0]]], dtype=torch.float64), mean, prec)
    assert float(along_narrow) > 5 * float(along_wide)


def test_greedy_coreset_covers_every_cluster():
    rng = np.random.default_rng(4)
    centres = rng.standard_normal((5, 16)) * 10
    pts = np.concatenate(
        [c + rng.standard_normal((200 if i == 0 else 5, 16)) * 0.1 for i, c in enumerate(centres)]
    )
    idx = pr.greedy_coreset(torch.from_numpy(pts.astype(np.float32)), 5, seed=0).numpy()
    labels = np.concatenate([[i] * (200 if i == 0 else 5) for i in range(5)])
    assert set(labels[idx]) == set(range(5))  # random sampling would mostly pick the big cluster


def test_global_knn_leave_one_out_never_matches_itself():
    rng = np.random.default_rng(5)
    e = _unit(rng, 6, 10)
    assert float(pr.global_knn(e, e).max()) < 1e-5  # each finds itself
    assert float(pr.global_knn(e, e, torch.arange(6)).min()) > 0.05


def test_calibration_reads_against_the_null():
    null = np.array([1.0, 2.0, 3.0, 4.0])
    assert tail_probability(10.0, null) == pytest.approx(1 / 5)  # +1 correction, never 0
    assert tail_probability(0.0, null) == 1.0
    assert tail_probability(3.0, null) == pytest.approx(3 / 5)
    assert null_z(2.5, null) == pytest.approx(0.0)
    assert null_z(5.0, null) > null_z(4.0, null) > 0
    assert np.isfinite(null_z(1.0, np.array([1.0, 1.0])))  # degenerate null stays finite

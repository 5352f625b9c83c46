"""Pure compute of the expert probes on patch features (torch, any device).

Shapes: a set of images' patch features is (N, P, D) with P = GRID*GRID patches of unit
norm. Every probe maps patches to a per-patch anomaly map (N, P) and an image score,
the mean of the top ``TOP_FRAC`` of patches (DESIGN.md §1: "mean of the top 1 %").
Nothing here knows about labels, items or files.
"""

from __future__ import annotations

import math

import torch

TOP_FRAC = 0.01
_CHUNK = 8192


def top_mean(maps: torch.Tensor, frac: float = TOP_FRAC) -> torch.Tensor:
    """(N, P) → (N,): mean of each row's top ``frac`` share (at least one value)."""
    k = max(1, int(math.ceil(frac * maps.shape[-1])))
    return maps.topk(k, dim=-1).values.mean(dim=-1)


def knn_distance(
    queries: torch.Tensor,
    bank: torch.Tensor,
    owner: torch.Tensor | None = None,
    exclude: torch.Tensor | None = None,
) -> torch.Tensor:
    """Cosine distance of each query patch to its nearest bank patch (AnomalyDINO-style).

    Args:
        queries: (N, P, D) unit-norm patch features.
        bank: (M, D) unit-norm normal patches.
        owner: (M,) index of the normal image each bank row came from.
        exclude: (N,) for query n, ignore bank rows with ``owner == exclude[n]`` (leave-one-out);
            -1 excludes nothing.

    Returns:
        (N, P) distances in [0, 2].
    """
    n, p, _ = queries.shape
    best = torch.full((n, p), -2.0, device=queries.device, dtype=queries.dtype)
    for s in range(0, bank.shape[0], _CHUNK):
        sim = queries @ bank[s : s + _CHUNK].T  # (N, P, m)
        if exclude is not None and owner is not None:
            mask = owner[s : s + _CHUNK][None, :] == exclude[:, None]  # (N, m)
            sim = sim.masked_fill(mask[:, None, :], -2.0)
        best = torch.maximum(best, sim.max(dim=-1).values)
    return (1.0 - best).clamp_min(0.0)


def greedy_coreset(feats: torch.Tensor, m: int, *, proj_dim: int = 64, seed: int = 0) -> torch.Tensor:
    """Indices of ``m`` rows chosen by greedy k-center (PatchCore), on a random projection.

    Why: keeps the bank small (query cost) while covering the normal feature space, so
    rare normal patches are not dropped as a random subsample would drop them. Distances
    use ||z||² − 2 z·c + ||c||², one matrix-vector product per pick.
    """
    if m >= feats.shape[0]:
        return torch.arange(feats.shape[0], device=feats.device)
    g = torch.Generator(device="cpu").manual_seed(seed)
    proj = (torch.randn(feats.shape[1], proj_dim, generator=g) / proj_dim**0.5).to(feats.device, feats.dtype)
    z = feats @ proj
    sq = (z * z).sum(dim=1)
    chosen = torch.empty(m, dtype=torch.long, device=feats.device)
    first = int(torch.randint(feats.shape[0], (1,), generator=g))
    chosen[0] = first
    mind = sq - 2 * (z @ z[first]) + sq[first]
    for i in range(1, m):
        idx = torch.argmax(mind)
        chosen[i] = idx
        torch.minimum(mind, sq - 2 * (z @ z[idx]) + sq[idx], out=mind)
    return chosen


class MomentSums:
    """First and second moment sums of patch features, per image, for exact leave-one-out fits.

    Args:
        patches: (N, P, D) features.
    """

    def __init__(self, patches: torch.Tensor) -> None:
        x = patches.double()
        self.n_i = torch.full((x.shape[0],), float(x.shape[1]), dtype=torch.float64, device=x.device)
        self.s_i = x.sum(dim=1)  # (N, D)
        self.q_i = torch.einsum("npd,npe->nde", x, x)  # (N, D, D)

    def moments(self, leave_out: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean (D,), covariance (D, D)) of all images, or all but ``leave_out``."""
        n, s, q = self.n_i.sum(), self.s_i.sum(0), self.q_i.sum(0)
        if leave_out is not None:
            n, s, q = n - self.n_i[leave_out], s - self.s_i[leave_out], q - self.q_i[leave_out]
        mean = s / n
        cov = q / n - torch.outer(mean, mean)
        return mean, (cov + cov.T) / 2


def pca_basis(cov: torch.Tensor, var_frac: float) -> torch.Tensor:
    """(D, k) leading eigenvectors explaining ``var_frac`` of the variance (k ≤ D/2)."""
    evals, evecs = torch.linalg.eigh(cov)
    evals, evecs = evals.flip(0).clamp_min(0), evecs.flip(1)
    share = torch.cumsum(evals, 0) / evals.sum().clamp_min(1e-12)
    k = int(torch.searchsorted(share, torch.tensor(var_frac, dtype=share.dtype, device=share.device))) + 1
    return evecs[:, : max(1, min(k, cov.shape[0] // 2))]


def pca_residual(patches: torch.Tensor, mean: torch.Tensor, basis: torch.Tensor) -> torch.Tensor:
    """(N, P): squared distance of each patch to the normal PCA subspace (reconstruction error)."""
    c = patches - mean.to(patches.dtype)
    b = basis.to(patches.dtype)
    return ((c - (c @ b) @ b.T) ** 2).sum(dim=-1)


def oas_precision(cov: torch.Tensor, n: float) -> torch.Tensor:
    """Inverse of the OAS-shrunk covariance (Chen et al. 2010), from the covariance alone.

    Why OAS: the shrinkage needs only the covariance and the sample count, so exact
    leave-one-out refits cost one (D, D) inversion each.
    """
    p = cov.shape[0]
    mu = torch.trace(cov) / p
    alpha = (cov**2).mean()
    num = alpha + mu**2
    den = (n + 1.0) * (alpha - mu**2 / p)
    shrink = 1.0 if float(den) == 0.0 else float(min(1.0, float(num / den)))
    shrunk = (1.0 - shrink) * cov + shrink * mu * torch.eye(p, dtype=cov.dtype, device=cov.device)
    return torch.linalg.inv(shrunk)


def mahalanobis(patches: torch.Tensor, mean: torch.Tensor, precision: torch.Tensor) -> torch.Tensor:
    """(N, P): Mahalanobis distance of each patch to the normal Gaussian."""
    c = patches - mean.to(patches.dtype)
    return ((c @ precision.to(patches.dtype)) * c).sum(dim=-1).clamp_min(0).sqrt()


def global_knn(
    embeddings: torch.Tensor, normals: torch.Tensor, exclude: torch.Tensor | None = None, k: int = 1
) -> torch.Tensor:
    """(N,): mean cosine distance of each global embedding to its ``k`` nearest normals.

    ``exclude[n]`` is a normal index to leave out for query n (-1: none).
    """
    sim = embeddings @ normals.T  # (N, M)
    if exclude is not None:
        cols = torch.arange(normals.shape[0], device=sim.device)
        sim = sim.masked_fill(cols[None, :] == exclude[:, None], -2.0)
    k = max(1, min(k, normals.shape[0] - (1 if exclude is not None else 0)))
    return (1.0 - sim.topk(k, dim=1).values).mean(dim=1)

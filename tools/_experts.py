"""Per-domain expert probes, fitted and calibrated on normal images only, scored live.

``DomainExperts.fit(normals)`` builds the domain's reference index from the normal images'
backbone features: a kNN patch bank (greedy coreset when large), PCA and Gaussian moments
of the normal patches, and the normals' global embeddings. Each probe's null distribution
is the leave-one-out scores of those normals, so a query's score is read against
"how normals score when they are not in the bank". No labels enter anywhere, and a query
is scored on its own pixels only — never looked up by id, never ranked against other
test items (DESIGN.md §1, pitfall 1).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage

from tools import _probes as pr
from tools._calibrate import PATCH_LEVELS, null_z, patch_quantiles, tail_probability
from tools._errors import BadToolInput
from tools._heat import peak_blob
from tools._index_io import index_key, read_index, write_index
from tools._scores import PROBES, ExpertScores, ProbeScore
from tools.backbone import FEATURE_DIM, GRID, Backbone, ImageFeatures, get_backbone

_Q99 = PATCH_LEVELS.index(0.99)
_Q50 = PATCH_LEVELS.index(0.5)


@dataclass(frozen=True)
class ExpertConfig:
    """How the probes are fitted. Part of the index key: change it and the index is rebuilt.

    Attributes:
        top_frac: share of hottest patches averaged into an image score.
        pca_var: variance share the PCA subspace keeps.
        max_bank: kNN bank size above which a greedy coreset is taken.
        global_k: neighbours averaged by the global-embedding probe.
        smooth_sigma: Gaussian smoothing of the heatmap, in grid cells.
        null_cap: most normals scored when calibrating a bank made of a query's references.
        seed: for the coreset and the reference-bank null.
    """

    top_frac: float = 0.01
    pca_var: float = 0.9
    max_bank: int = 4096
    global_k: int = 1
    smooth_sigma: float = 1.0
    null_cap: int = 32
    seed: int = 0


def _smooth(maps: np.ndarray, sigma: float) -> np.ndarray:
    """(N, P) patch maps → (N, GRID, GRID), Gaussian-smoothed per map."""
    grids = maps.reshape(-1, GRID, GRID)
    if sigma <= 0:
        return grids
    return np.stack([ndimage.gaussian_filter(g, sigma, mode="nearest") for g in grids])


class DomainExperts:
    """The fitted, calibrated probes of one domain. Build with ``fit``, ``load`` or ``load_or_fit``."""

    def __init__(
        self,
        state: dict[str, np.ndarray],
        meta: dict,
        *,
        device: str = "auto",
        backbone: Backbone | None = None,
    ) -> None:
        self.state = state
        self.meta = meta
        self.config = ExpertConfig(**meta["config"])
        self.backbone = backbone or get_backbone(device)
        self._tensors: dict[str, torch.Tensor] = {}

    @property
    def key(self) -> str:
        """Hash of the normal images, backbone and config this index was built from."""
        return str(self.meta["key"])

    @property
    def n_normals(self) -> int:
        """How many normal images were fitted."""
        return int(self.meta["n_normals"])

    def _t(self, name: str) -> torch.Tensor:
        if name not in self._tensors:
            arr = self.state[name]
            t = torch.from_numpy(np.ascontiguousarray(arr))
            self._tensors[name] = t.to(
                self.backbone.device, torch.float32 if arr.dtype.kind == "f" else t.dtype
            )
        return self._tensors[name]

    @classmethod
    def fit(
        cls,
        normals: Sequence[np.ndarray],
        *,
        device: str = "auto",
        config: ExpertConfig | None = None,
        backbone: Backbone | None = None,
    ) -> DomainExperts:
        """Fit and calibrate every probe on normal images (at least 2; leave-one-out needs them).

        Raises:
            BadToolInput: fewer than 2 normals, or a malformed image.
        """
        cfg = config or ExpertConfig()
        normals = list(normals)
        if len(normals) < 2:
            raise BadToolInput(
                f"need at least 2 normal images to fit and calibrate experts, got {len(normals)}"
            )
        bb = backbone or get_backbone(device)
        feats = bb.features(normals)
        dev = bb.device
        pt = torch.from_numpy(np.stack([f.patches.reshape(-1, FEATURE_DIM) for f in feats])).to(dev)
        emb = torch.from_numpy(np.stack([f.embedding for f in feats])).to(dev)
        n, p, d = pt.shape
        flat, owner = pt.reshape(-1, d), torch.arange(n, device=dev).repeat_interleave(p)
        if flat.shape[0] > cfg.max_bank:
            idx = pr.greedy_coreset(flat, cfg.max_bank, seed=cfg.seed)
            flat, owner = flat[idx], owner[idx]
        maps = torch.cat(
            [
                pr.knn_distance(pt[s : s + 8], flat, owner, torch.arange(s, min(n, s + 8), device=dev))
                for s in range(0, n, 8)
            ]
        )
        sums = pr.MomentSums(pt)
        null_pca, null_gauss = [], []
        for i in range(n):
            mean_i, cov_i = sums.moments(leave_out=i)
            x = pt[i : i + 1]
            null_pca.append(
                pr.top_mean(pr.pca_residual(x, mean_i, pr.pca_basis(cov_i, cfg.pca_var)), cfg.top_frac)
            )
            prec_i = pr.oas_precision(cov_i, float((n - 1) * p))
            null_gauss.append(pr.top_mean(pr.mahalanobis(x, mean_i, prec_i), cfg.top_frac))
        mean, cov = sums.moments()
        state = {
            "bank": flat.cpu().numpy(),
            "owner": owner.cpu().numpy().astype(np.int32),
            "normal_patches": pt.cpu().numpy().astype(np.float16),
            "embeddings": emb.cpu().numpy(),
            "mean": mean.cpu().numpy(),
            "basis": pr.pca_basis(cov, cfg.pca_var).cpu().numpy(),
            "precision": pr.oas_precision(cov, float(n * p)).cpu().numpy(),
            "null_knn": pr.top_mean(maps, cfg.top_frac).cpu().numpy(),
            "null_pca": torch.cat(null_pca).cpu().numpy(),
            "null_gauss": torch.cat(null_gauss).cpu().numpy(),
            "null_global": pr.global_knn(emb, emb, torch.arange(n, device=dev), cfg.global_k).cpu().numpy(),
            "patch_q": patch_quantiles(_smooth(maps.cpu().numpy(), cfg.smooth_sigma)),
        }
        meta = {
            "key": index_key(normals, dataclasses.asdict(cfg)),
            "n_normals": n,
            "config": dataclasses.asdict(cfg),
        }
        return cls(state, meta, backbone=bb)

    @classmethod
    def load_or_fit(
        cls,
        normals: Sequence[np.ndarray],
        cache_dir: Path | str,
        *,
        device: str = "auto",
        config: ExpertConfig | None = None,
    ) -> DomainExperts:
        """The index for these normals from ``cache_dir`` if built before, else fit it and store it there."""
        cfg = config or ExpertConfig()
        normals = list(normals)
        path = Path(cache_dir) / f"experts-{index_key(normals, dataclasses.asdict(cfg))}.npz"
        if path.is_file():
            return cls.load(path, device=device)
        experts = cls.fit(normals, device=device, config=cfg)
        experts.save(path)
        return experts

    def save(self, path: Path | str) -> Path:
        """Write the index (arrays + metadata, no pickle) atomically to ``path``."""
        return write_index(Path(path), self.state, self.meta)

    @classmethod
    def load(cls, path: Path | str, *, device: str = "auto") -> DomainExperts:
        """Read an index written by ``save``.

        Raises:
            ExpertIndexError: unreadable, or built with another backbone or schema.
        """
        state, meta = read_index(Path(path))
        return cls(state, meta, device=device)

    def _reference_null(self, n_refs: int) -> tuple[np.ndarray, np.ndarray]:
        """kNN null when the bank is ``n_refs`` references: normals scored against random other normals."""
        name = f"refnull_{n_refs}"
        if name not in self.state:
            cfg, n = self.config, self.n_normals
            rng = np.random.default_rng(cfg.seed + n_refs)
            pt = self._t("normal_patches")
            who = rng.permutation(n)[: cfg.null_cap]
            scores, maps = [], []
            for i in who:
                others = rng.permutation(np.delete(np.arange(n), i))[:n_refs]
                m = pr.knn_distance(pt[i : i + 1], pt[torch.from_numpy(others)].reshape(-1, pt.shape[-1]))
                maps.append(m.cpu().numpy())
                scores.append(float(pr.top_mean(m, cfg.top_frac)[0]))
            self.state[name] = np.asarray(scores)
            self.state[f"refpatch_{n_refs}"] = patch_quantiles(
                _smooth(np.concatenate(maps), cfg.smooth_sigma)
            )
        return self.state[name], self.state[f"refpatch_{n_refs}"]

    def score(
        self,
        query: np.ndarray,
        references: Sequence[np.ndarray] | None = None,
        *,
        query_features: ImageFeatures | None = None,
        reference_features: Sequence[ImageFeatures] | None = None,
    ) -> ExpertScores:
        """Score one query on its own pixels.

        Args:
            query: (H, W, 3) uint8.
            references: when given, the kNN bank is these images' patches (e.g. the 'before'
                image of a change pair) and its null is normals scored against as many other
                normals; otherwise the bank is the domain's fitted normals.
            query_features: the query's backbone features, if the caller already has them.
            reference_features: likewise for ``references``.
        """
        cfg = self.config
        f = query_features if query_features is not None else self.backbone.feature(query)
        dev = self.backbone.device
        q = torch.from_numpy(f.patches.reshape(1, -1, FEATURE_DIM)).to(dev)
        if references:
            rf = (
                list(reference_features)
                if reference_features is not None
                else self.backbone.features(list(references))
            )
            bank = torch.from_numpy(np.concatenate([r.patches.reshape(-1, FEATURE_DIM) for r in rf])).to(dev)
            null_knn, pq = self._reference_null(len(rf))
            mode, n_bank = "references", len(rf)
        else:
            bank, null_knn, pq = self._t("bank"), self.state["null_knn"], self.state["patch_q"]
            mode, n_bank = "domain", self.n_normals
        dmap = pr.knn_distance(q, bank)
        emb = torch.from_numpy(f.embedding[None]).to(dev)
        raw = {
            "knn": float(pr.top_mean(dmap, cfg.top_frac)[0]),
            "pca": float(pr.top_mean(pr.pca_residual(q, self._t("mean"), self._t("basis")), cfg.top_frac)[0]),
            "gauss": float(
                pr.top_mean(pr.mahalanobis(q, self._t("mean"), self._t("precision")), cfg.top_frac)[0]
            ),
            "global": float(pr.global_knn(emb, self._t("embeddings"), k=cfg.global_k)[0]),
        }
        nulls = {
            "knn": null_knn,
            "pca": self.state["null_pca"],
            "gauss": self.state["null_gauss"],
            "global": self.state["null_global"],
        }
        probes = {
            k: ProbeScore(
                name=k,
                raw=raw[k],
                z=null_z(raw[k], nulls[k]),
                tail_p=tail_probability(raw[k], nulls[k]),
                null_mean=float(np.mean(nulls[k])),
                null_std=float(np.std(nulls[k], ddof=1)),
                n_null=int(np.size(nulls[k])),
            )
            for k in PROBES
        }
        heat = _smooth(dmap.cpu().numpy(), cfg.smooth_sigma)[0]
        blob = peak_blob(heat)
        return ExpertScores(
            probes=probes,
            heatmap=heat.astype(float).tolist(),
            heat_threshold=float(pq[_Q99]),
            heat_median=float(pq[_Q50]),
            hot_box=blob.box,
            hot_peak=blob.peak,
            bank=mode,
            n_bank_images=n_bank,
        )

"""The :class:`~evolution._scoring.Scorer` over the real agent, with leave-fold-out expert probes.

The policy backend's expert probes are fitted on the domain's normal pool. A held-out normal
scored by probes fitted on a bank that contains it would look perfectly normal (its nearest
patch is itself), so the normal pool is split into ``folds``: probes for fold *f* are fitted on
the other folds, the normals of fold *f* are scored with them (references also drawn outside
the fold), and the pool items are dealt round-robin over the same fitted folds, so that every
query, pool or held-out, is scored by probes of the same size that never saw it.

Expert scores depend on pixels only, never on the rulebook, so each fold's probes are wrapped
in a memo keyed by the query's pixels: scoring a second rulebook costs the episode, not the
probes again.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from anomalyclaw.data import Domain, Item
from anomalyclaw.errors import AnomalyClawError
from anomalyclaw.record import Record
from anomalyclaw.rulebook import Rulebook
from evolution._errors import EvolutionError
from evolution._scoring import Scored, assign_folds, held_out_normals, pool_items


class MemoExperts:
    """Fitted ``tools.DomainExperts`` whose ``score`` is memoised by pixels (thread-safe)."""

    def __init__(self, experts: Any) -> None:
        self._experts = experts
        self._memo: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:  # backbone, n_normals, key, ... of the real probes
        return getattr(self._experts, name)

    def score(self, query: np.ndarray, references: Sequence[np.ndarray] | None = None) -> Any:
        """``DomainExperts.score``, computed once per (query, references) pixels."""
        h = hashlib.sha1(np.ascontiguousarray(query).tobytes())
        h.update(str(query.shape).encode())
        for r in references or ():
            h.update(np.ascontiguousarray(r).tobytes())
        key = h.hexdigest()
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        out = self._experts.score(query, references)
        with self._lock:
            self._memo[key] = out
        return out


Z_AT_1PCT = 2.326  # the normals' 1 % patch-heat level read as a one-sided z


def _box_z(scores: Any, box: Sequence[float]) -> float:
    """Peak heat inside a normalised box, in σ of the normals' patch heat."""
    heat = np.asarray(scores.heatmap_array(), dtype=float)
    g_h, g_w = heat.shape
    x0, y0, x1, y1 = (float(v) for v in box)
    rows = slice(int(y0 * g_h), max(int(y0 * g_h) + 1, int(np.ceil(y1 * g_h))))
    cols = slice(int(x0 * g_w), max(int(x0 * g_w) + 1, int(np.ceil(x1 * g_w))))
    sigma = max(scores.heat_threshold - scores.heat_median, 1e-9) / Z_AT_1PCT
    return float((heat[rows, cols].max() - scores.heat_median) / sigma)


def _unlabeled(domain: Domain) -> Domain:
    """The domain with its label table emptied: nothing downstream can read a label."""
    return domain.model_copy(update={"truth": {}})


class AgentScorer:
    """Scores rulebooks with ``anomalyclaw.agent.Agent`` on the pool and the held-out normals.

    Args:
        domain: the domain; its labels are dropped on entry.
        config: an ``anomalyclaw.agent.AgentConfig``.
        budget: at most this many pool items and this many held-out normals.
        folds: normal-pool folds (≥ 2); each fold's probes are fitted on the others.
        splits: pool splits (unlabeled calib + dev by default).
        experts_cache: where fitted probes are cached (the agent's default when None).
        device: torch device for the probes.
        workers: items scored at once.
        progress: called with (done, total) while a rulebook is scored.
    """

    def __init__(self, domain: Domain, config: Any, *, budget: int | None = None, folds: int = 3,
                 splits: Sequence[str] = ("calib", "dev"), experts_cache: Path | None = None,
                 device: str = "cpu", workers: int = 1,
                 progress: Callable[[int, int], None] | None = None) -> None:
        dom = _unlabeled(domain)
        pool_paths = list(dom.normal_pool)
        if dom.spec.paired:
            raise EvolutionError(f"{dom.spec.code} pairs each query with its own 'before' image: there are "
                                 "no held-out normal pairs, so label-free acceptance cannot run",
                                 hint="evolve the other domains; edit this one's rulebook by hand")
        if folds < 2 or len(pool_paths) < 2 * folds:
            raise EvolutionError(f"{dom.spec.code} has {len(pool_paths)} normal images; {folds} folds need "
                                 f"at least {2 * folds}", hint="use --folds 2 or a larger normal pool")
        self.domain, self.config, self.workers, self.progress = dom, config, workers, progress
        self.pool = pool_items(dom, splits=splits, budget=budget)
        fold_of = assign_folds(dom, folds)
        self.fold_domains = [dom.model_copy(update={"normal_pool": tuple(p for p in pool_paths
                                                                         if fold_of[p] != f)})
                             for f in range(folds)]
        self.normals = held_out_normals(dom, budget=budget, groups=fold_of)
        self.normal_fold = {n.item_id: fold_of[n.query_path] for n in self.normals}
        self.pool_fold = {it.item_id: i % folds for i, it in enumerate(self.pool)}
        self._experts: list[MemoExperts | None] = [None] * folds
        self._cache, self._device = experts_cache, device

    def experts(self, fold: int) -> MemoExperts:
        """Probes of ``fold`` (fitted on the other folds; disk-cached by the agent's fitter)."""
        if self._experts[fold] is None:
            from anomalyclaw.agent import fit_experts

            fitted = fit_experts(self.fold_domains[fold], max_side=self.config.max_side,
                                 cache_dir=self._cache, device=self._device)
            self._experts[fold] = MemoExperts(fitted)
        return self._experts[fold]

    def _with_probe_features(self, rec: Record, job: tuple[int, Item]) -> Record:
        """The record with the probe features signals read, where the agent stored none.

        Item features (``item.*_z``): the agent's policy writes them as ``expert_features``; older
        records get them here. Candidate features (``candidate.z``): the policy measures them but
        does not write them into the record, so each candidate's box is read on the probes' heat
        map — peak heat in the box, in σ of the normals' patch heat (the 1 % level reads 2.326),
        as ``POLICY_FEATURES`` defines it. Both come from ``tools.DomainExperts`` outputs that are
        already memoised for this query's pixels: no extra probe pass, and no label anywhere.
        """
        extra = rec.model_extra or {}
        cands = [c for c in extra.get("candidates") or [] if isinstance(c, dict)]
        need_item = not (extra.get("features") or extra.get("expert_features"))
        need_cand = any(c.get("box") and not c.get("features") for c in cands)
        if not (need_item or need_cand):
            return rec
        from anomalyclaw.images import load_rgb

        try:
            scores = self.experts(job[0]).score(load_rgb(job[1].query_path, self.config.max_side))
        except AnomalyClawError:  # an unreadable image already made an error record
            return rec
        update: dict[str, Any] = {}
        if need_item:
            feats = {f"item.{k}_z": float(p.z) for k, p in scores.probes.items()}
            update["features"] = {**feats, "item.consensus_z": float(scores.consensus_z)}
        if need_cand:
            update["candidates"] = [{**c, "features": {"candidate.z": _box_z(scores, c["box"])}}
                                    if c.get("box") and not c.get("features") else c for c in cands]
        return rec.model_copy(update=update)

    def _run(self, rulebook: Rulebook, jobs: list[tuple[int, Item]]) -> list[Record]:
        from anomalyclaw.agent import Agent

        agents = {f: Agent(self.config, rulebook, self.fold_domains[f], experts=self.experts(f))
                  for f in sorted({f for f, _ in jobs})}
        done, total, lock = 0, len(jobs), threading.Lock()

        def run(job: tuple[int, Item]) -> Record:
            nonlocal done
            rec = self._with_probe_features(agents[job[0]].score(job[1]), job)
            with lock:
                done += 1
                if self.progress:
                    self.progress(done, total)
            return rec.without_label()

        if self.workers > 1:
            with ThreadPoolExecutor(self.workers) as ex:
                return list(ex.map(run, jobs))
        return [run(j) for j in jobs]

    def score(self, rulebook: Rulebook) -> Scored:
        """Records of every pool item and held-out normal under ``rulebook`` (no labels)."""
        jobs: list[tuple[int, Item]] = [(self.pool_fold[i.item_id], i) for i in self.pool]
        jobs += [(self.normal_fold[n.item_id], n) for n in self.normals]
        recs = self._run(rulebook, jobs)
        return Scored(pool=tuple(recs[: len(self.pool)]), normals=tuple(recs[len(self.pool):]))

    def score_items(self, rulebook: Rulebook, items: Sequence[Item]) -> list[Record]:
        """Records of any items (e.g. a test split for a benchmark), dealt round-robin over the
        folds' probes like the pool; no labels on them."""
        return self._run(rulebook, [(k % len(self.fold_domains), it) for k, it in enumerate(items)])

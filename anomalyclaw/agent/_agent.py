"""The agent: both branches on one item's pixels, fused into one Record (no label on it)."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import numpy as np

from anomalyclaw.agent._call_cache import CallCache
from anomalyclaw.agent._calls import ModelCaller
from anomalyclaw.agent._conditions import apply_item_rules
from anomalyclaw.agent._config import AgentConfig
from anomalyclaw.agent._direct import DirectBranch
from anomalyclaw.agent._pixels import to_model_image
from anomalyclaw.agent._refutation import RefutationBranch
from anomalyclaw.agent._scoring import fuse
from anomalyclaw.agent._toolbox import Catalog
from anomalyclaw.agent._trace import BranchResult, DirectResult, EpisodeResult
from anomalyclaw.data import Domain, Item
from anomalyclaw.errors import AnomalyClawError
from anomalyclaw.images import load_rgb
from anomalyclaw.record import AD_MODE, SCHEMA_VERSION, Record
from anomalyclaw.rulebook import Rule, Rulebook


def as_rulebook(rulebook: Rulebook | str, domain: str) -> Rulebook:
    """A Rulebook as is, or plain text wrapped as a one-rule seed rulebook (version 0)."""
    if isinstance(rulebook, Rulebook):
        return rulebook
    text = rulebook.strip()
    rules = [Rule(rule_id=f"{domain}-seed", text=text, kind="seed", scope=domain)] if text else []
    return Rulebook(domain=domain, version=0, rules=rules)


def rulebook_fingerprint(rulebook: Rulebook) -> str:
    """Version plus a hash of the active rules (text and conditions): part of every call-cache key."""
    rules = [r.model_dump(mode="json", include={"rule_id", "text", "condition"}) for r in rulebook.active]
    digest = hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()[:16]
    return f"v{rulebook.version}:{digest}"


def _guarded(branch: Any, empty: type[BranchResult], **kw: Any) -> Any:
    """Run a branch; an unexpected crash becomes a failed branch with the reason recorded."""
    try:
        return branch(**kw)
    except Exception as exc:  # noqa: BLE001 — one item must never kill a run; the reason is stored
        return empty(score=None, error=f"branch crashed: {type(exc).__name__}: {exc}"[:500])


class Agent:
    """Scores items of one domain with the Direct and Refutation branches.

    Args:
        config: backend and episode settings.
        rulebook: the domain's current rulebook (or its seed text); both branches read ``render()``.
        domain: the domain (its description is the only text about it the model reads).
        experts: fitted ``tools.DomainExperts``; fitted on ``domain.normal_pool`` when None.
        backend: a ready backend (tests, shared engines); built from ``config`` when None.
    """

    def __init__(
        self,
        config: AgentConfig,
        rulebook: Rulebook | str,
        domain: Domain,
        *,
        experts: Any = None,
        backend: Any = None,
    ) -> None:
        from anomalyclaw.agent._experts import fit_experts
        from anomalyclaw.backends import make_backend

        self.config, self.domain, self.spec = config, domain, domain.spec
        self.rulebook = as_rulebook(rulebook, domain.spec.code)
        self.rulebook_text = self.rulebook.render()
        self.experts = (
            experts
            if experts is not None
            else fit_experts(domain, max_side=config.max_side, max_normals=config.max_normals)
        )
        self.backend = backend or make_backend(
            config, spec=self.spec, rulebook=self.rulebook, experts=self.experts
        )
        self.caller = ModelCaller(
            self.backend,
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            cache=CallCache(config.call_cache) if config.call_cache is not None else None,
            # the rulebook and the fitted probes (the policy answers from them) decide answers too
            cache_tag=f"{rulebook_fingerprint(self.rulebook)}|experts:{getattr(self.experts, 'key', '')}",
        )
        ref_counts = [len(i.ref_paths) for i in domain.items] or [config.n_refs_refutation]
        self.catalog = Catalog(self.spec, min(config.n_refs_refutation, min(ref_counts)), self.experts)
        self.direct = DirectBranch(self.caller)
        self.refutation = RefutationBranch(
            self.caller, self.catalog.names, k_candidates=config.k_candidates, max_turns=config.max_turns
        )

    def _load(self, item: Item) -> tuple[np.ndarray, list[np.ndarray]]:
        side = self.config.max_side
        n = max(self.config.n_refs_direct, self.config.n_refs_refutation)
        return load_rgb(item.query_path, side), [load_rgb(p, side) for p in item.ref_paths[:n]]

    def score(self, item: Item) -> Record:
        """Score one item. Never raises for model or tool failures; the Record carries no label."""
        cfg, t0 = self.config, time.perf_counter()
        base = self._base_record(item)
        try:
            query, refs = self._load(item)
        except AnomalyClawError as exc:
            return Record(**base, error=f"input: {exc}", direct_error=f"input: {exc}")
        t_load = time.perf_counter() - t0
        q_img = to_model_image(query)
        ref_imgs = [to_model_image(r) for r in refs]
        text = dict(domain=self.spec.description, rulebook=self.rulebook_text)
        direct: DirectResult = _guarded(
            self.direct, DirectResult, references=ref_imgs[: cfg.n_refs_direct], query=q_img, **text
        )
        toolbox = self.catalog.bind(query, refs[: cfg.n_refs_refutation])
        episode: EpisodeResult = _guarded(
            self.refutation,
            EpisodeResult,
            query=q_img,
            toolbox=toolbox,
            references=ref_imgs[: cfg.n_refs_refutation],
            **text,
        )
        fused = fuse(direct.score, episode.score, cfg.alpha)
        score, alpha = fused.score, cfg.alpha
        fired = self._rule_ids(direct.rules_applied + episode.rules_applied)
        fired += [r for b in (direct, episode) for r in b.notes.get("rules_fired", [])]
        changed = [r for b in (direct, episode) for r in b.notes.get("rules_changed_verdict", [])]
        noted = episode.notes.get("item_features", []) + direct.notes.get("item_features", [])
        feats = {**(noted[0] if noted else {}), "item.n_candidates": float(len(episode.candidates))}
        if self.backend.name == "policy" and score is not None:
            decision = apply_item_rules(self.rulebook.active, feats, direct.score, episode.score, alpha)
            score, alpha = decision.score, decision.alpha
            fired, changed = fired + decision.fired, changed + decision.changed
        error = episode.error
        if fused.flag == "both_failed":
            error = f"both branches failed: direct: {direct.error}; refutation: {episode.error}"
        return Record(
            **base,
            anomaly_score=score,
            direct_score=direct.score,
            refutation_score=episode.score,
            refutation_initial_score=episode.initial_score,
            w_direct=alpha,
            w_refutation=1.0 - alpha,
            error=error,
            direct_error=direct.error,
            rationale=episode.rationale,
            direct_rationale=direct.rationale,
            n_turns=len(episode.turns),
            tools_used=episode.tools_used,
            history=[t.model_dump(mode="json") for t in episode.turns],
            timings={
                "load": t_load,
                "direct": direct.seconds,
                "refutation": episode.seconds,
                "tools": toolbox.seconds,
                "total": time.perf_counter() - t0,
            },
            token_usage=self._tokens(direct, episode),
            direct_path=direct.path,
            fusion_flag=fused.flag,
            anomaly_type=direct.anomaly_type,
            bbox=direct.bbox,
            episode_end=episode.finished,
            candidates=[c.model_dump(mode="json") for c in episode.candidates],
            rules_fired=sorted(set(fired)),
            rules_changed_verdict=sorted(set(changed)),
            attempts=self._attempts(direct, episode),
            call_stats={name: {"calls": b.calls, "failures": b.failures, "attempts": b.attempts}
                        for name, b in (("direct", direct), ("refutation", episode))},
            **({"features": feats} if noted else {}),
        )

    # -- helpers ------------------------------------------------------------------------
    def _base_record(self, item: Item) -> dict[str, Any]:
        return dict(
            item_id=item.item_id,
            domain_code=item.domain_code,
            mode=AD_MODE,
            schema_version=SCHEMA_VERSION,
            split=item.split,
            data_source=item.data_source,
            backend=self.backend.name,
            model=self.backend.model,
            rulebook_version=self.rulebook.version,
        )

    def _rule_ids(self, numbers: list[int]) -> list[str]:
        active = self.rulebook.active
        return [active[n - 1].rule_id for n in numbers if 1 <= n <= len(active)]

    @staticmethod
    def _tokens(*branches: BranchResult) -> dict[str, int]:
        out = {"prompt_tokens": 0, "completion_tokens": 0}
        for b in branches:
            for k, v in b.usage.items():
                out[k] = out.get(k, 0) + v
        return out

    @staticmethod
    def _attempts(*branches: BranchResult) -> dict[str, int]:
        out: dict[str, int] = {}
        for b in branches:
            for k, v in b.attempts.items():
                out[k] = out.get(k, 0) + v
        return out

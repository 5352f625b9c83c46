"""The evolution loop: score → signals → reflect → curate → accept → store, round after round.

Each round, inside the domain's lock:

1. the current accepted rulebook is scored on the unlabeled pool and the held-out normals;
2. label-free :mod:`~evolution.signals` are collected from the pool's records;
3. the reflector proposes deltas (told what was rejected before in this domain);
4. the curator validates them, removes near-duplicates and enforces the size cap;
5. the candidate (current + kept deltas) is scored on the same pool and normals, and
   :mod:`~evolution.acceptance` decides from the paired proxy;
6. the candidate is stored as a new version, accepted or rejected, with its evidence and the
   round, in one transaction (``Store.commit_version(..., round=...)``).

A process killed mid-round leaves nothing of that round in the store (only whole versions are
ever written), so rerunning simply starts the round again. Labels are never read: the scorer's
records carry none, and signals strip any that slip in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from anomalyclaw.rulebook import Rulebook, RuleDelta
from db import EvolutionRound, Store
from evolution._errors import EvolutionError
from evolution._proposal import Proposal, ReflectContext, Reflector
from evolution._scoring import Scored, Scorer
from evolution.acceptance import AcceptanceConfig, AcceptanceResult, decide, paired_scores
from evolution.curator import Curator
from evolution.signals import collect

Progress = Callable[[str], None]


@dataclass(frozen=True)
class EvolveConfig:
    """How one ``evolve`` invocation runs.

    Attributes:
        rounds: rounds to run in this invocation.
        dry_run: propose and test, but write nothing to the store.
        backend / model: recorded with every version (what proposed it).
        lock_wait_s: wait this long for another process's lock (0 = refuse at once).
        acceptance: strictness of the label-free acceptance test.
    """

    rounds: int = 3
    dry_run: bool = False
    backend: str = "policy"
    model: str | None = None
    lock_wait_s: float = 0.0
    acceptance: AcceptanceConfig = field(default_factory=AcceptanceConfig)


class RoundSummary(BaseModel):
    """What one round did (also what the CLI prints)."""

    round: int
    parent_version: int
    candidate_version: int | None = None
    status: str = Field(description="accepted | rejected | no_proposal")
    proposed: int = 0
    kept: int = Field(default=0, description="Proposals that survived curation (went into the candidate).")
    deltas: list[str] = Field(default_factory=list, description="'op rule_id' of the candidate's deltas.")
    acceptance: AcceptanceResult | None = None
    warning: str | None = Field(default=None, description="Something about the round that looks wrong.")
    seconds: float = Field(default=0.0, description="Wall-clock seconds of the round.")
    cpu_seconds: float = Field(default=0.0, description="CPU seconds of this process (all its threads).")


def _lineage_memory(store: Store, domain: str) -> tuple[tuple[RuleDelta, ...], frozenset[str]]:
    """Deltas of rejected versions (not to propose again) and every rule id ever used."""
    rejected: list[RuleDelta] = []
    taken: set[str] = set()
    for v in store.list_versions(domain):
        taken |= {r.rule_id for r in store.get_rulebook(domain, v.version).rules}
        if v.status == "rejected":
            rejected += store.deltas(domain, v.version)
    return tuple(rejected), frozenset(taken)


def _evidence(proposals: list[Proposal], result: AcceptanceResult | None, signals_text: str,
              scored: Scored) -> dict[str, Any]:
    return {"acceptance": result.model_dump(mode="json") if result else None,
            "proposals": [p.model_dump(mode="json") for p in proposals],
            "signals": signals_text, "n_pool": len(scored.pool), "n_normals": len(scored.normals)}


class Evolver:
    """Runs rounds for one domain against a store (see the module docstring).

    Args:
        domain: domain code.
        description: the domain description the reflector reads.
        scorer: scores a rulebook on the fixed pool and held-out normals.
        store: where versions and rounds live; read-only in a dry run.
        reflector / curator: the proposal makers (see :func:`evolution.reflector.make_reflector`).
        features: policy feature names (None when the backend is a language model).
        config: rounds, dry run, lock wait, acceptance strictness.
        progress: called with a short line at each step (the CLI's status line).
        on_scored: called with (rulebook, scores, 'current' | 'candidate') after each fresh scoring
            pass (e.g. :class:`evolution._store_runs.StoreScoredRuns` keeps it as runs in the store).
    """

    def __init__(self, domain: str, description: str, *, scorer: Scorer, store: Store, reflector: Reflector,
                 curator: Curator, features: frozenset[str] | None = None, config: EvolveConfig | None = None,
                 progress: Progress | None = None,
                 on_scored: Callable[[Rulebook, Scored, str], None] | None = None) -> None:
        self.domain, self.description = domain, description
        self.scorer, self.store, self.reflector, self.curator = scorer, store, reflector, curator
        self.features = features
        self.cfg = config or EvolveConfig()
        self.say = progress or (lambda _msg: None)
        self.on_scored = on_scored
        self._cache: dict[str, Scored] = {}
        self._rejected: list[RuleDelta] = []  # this invocation's (a dry run stores none)
        self._ids: frozenset[str] = frozenset()

    @staticmethod
    def _key(book: Rulebook) -> str:
        content = {"rule_id", "text", "kind", "condition", "status"}  # not counters or provenance
        return json.dumps([r.model_dump(mode="json", include=content) for r in book.rules])

    def _score(self, book: Rulebook, what: str, keep: Rulebook | None = None) -> Scored:
        """Scores of ``book``, reused while its rule content is unchanged; the cache holds ``book``
        and ``keep`` (the current rulebook while a candidate is scored)."""
        key = self._key(book)
        if key not in self._cache:
            self.say(f"scoring the {what} rulebook (v{book.version})")
            kept = self._key(keep) if keep is not None else None
            self._cache = {k: v for k, v in self._cache.items() if k == kept}
            self._cache[key] = self.scorer.score(book)
            if self.on_scored is not None:
                self.on_scored(book, self._cache[key], what)
        return self._cache[key]

    def _commit(self, n: int, current: Rulebook, deltas: list[RuleDelta], result: AcceptanceResult,
                evidence: dict[str, Any], cand: Scored, lock: Any) -> int:
        rnd = EvolutionRound(domain=self.domain, round=n, parent_version=current.version,
                             status="accepted" if result.accepted else "rejected",
                             proxy_before=result.proxy_before, proxy_after=result.proxy_after,
                             evidence={"reason": result.reason})
        version = self.store.commit_version(
            self.domain, current.version, deltas, accepted=result.accepted, evidence=evidence,
            backend=self.cfg.backend, model=self.cfg.model, note=f"evolution round {n}", round=rnd, lock=lock)
        if result.accepted:  # counters are measurements: each accepted version counted once, on its pool
            usage = collect(cand.pool, domain=self.domain).rule_usage
            self.store.add_rule_counts(self.domain, version, applied={k: u.fired for k, u in usage.items()},
                                       changed={k: u.changed for k, u in usage.items()})
        return version

    def round(self, n: int, current: Rulebook, lock: Any) -> tuple[RoundSummary, Rulebook]:
        """Run round ``n`` from ``current``; returns its summary and the rulebook to continue from."""
        t0, c0 = time.perf_counter(), time.process_time()
        cur = self._score(current, "current")
        self.say(f"round {n}: signals, reflection, curation")
        signals = collect(cur.pool, domain=self.domain)
        rejected, taken = _lineage_memory(self.store, self.domain)
        ctx = ReflectContext(description=self.description, rulebook=current, signals=signals, round=n,
                             rejected=rejected + tuple(self._rejected), taken_ids=taken | self._ids,
                             features=self.features, backend=self.cfg.backend, model=self.cfg.model)
        proposals = self.curator.curate(current, self.reflector.propose(ctx), signals.rule_usage)
        kept = [p for p in proposals if p.status == "proposed" and p.delta]
        deltas = [p.delta for p in kept]
        summary = RoundSummary(round=n, parent_version=current.version, status="no_proposal",
                               proposed=len(proposals), kept=len(kept),
                               deltas=[f"{d.op} {d.rule_id}" for d in deltas])
        if not deltas:
            if not self.cfg.dry_run:
                self.store.record_round(EvolutionRound(
                    domain=self.domain, round=n, parent_version=current.version, status="no_proposal",
                    evidence=_evidence(proposals, None, signals.summary(), cur)))
            summary.seconds, summary.cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
            return summary, current
        candidate = current.apply(deltas, version=current.version + 1)
        self._ids |= {r.rule_id for r in candidate.rules}
        cand = self._score(candidate, "candidate", keep=current)
        self.say(f"round {n}: acceptance test")
        pool_a, pool_b = paired_scores(cur.pool, cand.pool)
        norm_a, norm_b = paired_scores(cur.normals, cand.normals)
        result = decide(pool_a, norm_a, pool_b, norm_b, self.cfg.acceptance)
        for i, p in enumerate(proposals):
            if p.status == "proposed" and p.delta:
                proposals[i] = p.model_copy(update={"status": "accepted" if result.accepted else "rejected",
                                                    "reason": result.reason})
        if not result.accepted:
            self._rejected += deltas
        summary.acceptance, summary.status = result, ("accepted" if result.accepted else "rejected")
        if result.proxy_before < 0.45:  # E[proxy] >= 0.5 for any detector no worse than chance
            summary.warning = (f"proxy {result.proxy_before:.3f} < 0.5: held-out normals score above the "
                               "unlabeled pool, so they are not processed like pool items (folds, refs)")
            self.say(summary.warning)
        if not self.cfg.dry_run:
            evidence = _evidence(proposals, result, signals.summary(), cur)
            version = self._commit(n, current, deltas, result, evidence, cand, lock)
            candidate = candidate.model_copy(update={"version": version})
        summary.candidate_version = candidate.version
        summary.seconds, summary.cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
        return summary, (candidate if result.accepted else current)

    def run(self) -> list[RoundSummary]:
        """Run ``config.rounds`` rounds under the domain lock (no lock and no writes in a dry run).

        Raises:
            db.DomainLockedError: another live process is evolving this domain.
        """
        if self.cfg.dry_run:
            current = self.store.current_rulebook(self.domain)
            first = self.store.next_round(self.domain)
            out = []
            for n in range(first, first + self.cfg.rounds):
                s, current = self.round(n, current, None)
                out.append(s)
            return out
        with self.store.domain_lock(self.domain, wait_s=self.cfg.lock_wait_s) as lock:
            out = []
            for _ in range(self.cfg.rounds):
                current = self.store.current_rulebook(self.domain)
                s, _ = self.round(self.store.next_round(self.domain), current, lock)
                out.append(s)
            return out


def evolve_domain(code: str, *, rounds: int = 3, budget: int | None = None, dry_run: bool = False,
                  agent_config: Any = None, db_url: str | None = None, data: str = "auto",
                  data_root: Any = None, seed: int = 0, folds: int = 3, max_active: int = 12,
                  lock_wait_s: float = 0.0, acceptance: AcceptanceConfig | None = None,
                  progress: Progress | None = None,
                  item_progress: Callable[[int, int], None] | None = None,
                  store_runs: bool = True) -> list[RoundSummary]:
    """Evolve one domain's rulebook for ``rounds`` rounds (the API behind ``python -m anomalyclaw.evolve``).

    Args:
        code: domain code, e.g. 'D9'.
        rounds: rounds to run now (a round killed earlier left nothing and is simply run again).
        budget: at most this many pool items and this many held-out normals per rulebook pass.
        dry_run: write nothing to the store.
        agent_config: an ``AgentConfig`` (policy backend by default).
        db_url: SQLAlchemy URL of the store (``ANOMALYCLAW_DB_URL`` / the default SQLite file when None).
        data / data_root / seed: which images (``anomalyclaw.data.load_domain``).
        folds: normal-pool folds for held-out normals (see :class:`~evolution._agent_scorer.AgentScorer`).
        max_active: rulebook size cap.
        lock_wait_s: wait for another evolve process on this domain (0 = refuse at once).
        acceptance: acceptance strictness.
        progress: step messages; item_progress: (done, total) while scoring.
        store_runs: keep each scoring pass as a run in the store (``purpose='evolve'``; not in a dry run).
    """
    from anomalyclaw.agent import POLICY_FEATURES, AgentConfig
    from anomalyclaw.data import load_domain
    from evolution._agent_scorer import AgentScorer
    from evolution.reflector import make_reflector

    cfg = agent_config or AgentConfig()
    domain = load_domain(code, data=data, data_root=data_root, seed=seed, db_url=db_url)
    lm = None
    if cfg.backend != "policy":
        from anomalyclaw.backends import make_backend

        lm = make_backend(cfg).lm
    scorer = AgentScorer(domain, cfg, budget=budget, folds=folds, workers=cfg.max_in_flight,
                         progress=item_progress)
    acceptance = acceptance or AcceptanceConfig()
    if len(scorer.pool) < acceptance.min_pool or len(scorer.normals) < acceptance.min_normals:
        need = f"≥ {acceptance.min_pool} and ≥ {acceptance.min_normals}"
        raise EvolutionError(f"{code}: {len(scorer.pool)} pool items and {len(scorer.normals)} held-out "
                             f"normals; acceptance needs {need}",
                             hint="raise --budget or use a domain with more calib/dev items and normals")
    store = Store(db_url)
    hook = None
    if store_runs and not dry_run:
        from evolution._store_runs import StoreScoredRuns

        hook = StoreScoredRuns(store, domain.spec.code, backend=cfg.backend, model=cfg.model_name,
                               data_source=domain.spec.data_source, seed=seed)
    evolver = Evolver(domain.spec.code, domain.spec.description, scorer=scorer, store=store,
                      reflector=make_reflector(cfg.backend, lm), curator=Curator(max_active=max_active),
                      features=frozenset(POLICY_FEATURES) if cfg.backend == "policy" else None,
                      config=EvolveConfig(rounds=rounds, dry_run=dry_run, backend=cfg.backend,
                                          model=cfg.model_name, lock_wait_s=lock_wait_s,
                                          acceptance=acceptance),
                      progress=progress, on_scored=hook)
    return evolver.run()

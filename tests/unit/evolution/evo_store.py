"""Loop-test helpers: a synthetic scorer, a seeded SQLite store, an Evolver, the stored history."""

from __future__ import annotations

import numpy as np
from evo_fakes import BagOfWords
from evo_synth import World, score

from anomalyclaw.rulebook import Rule, Rulebook, render_rulebook
from db import Store
from evolution._scoring import Scored
from evolution.acceptance import AcceptanceConfig
from evolution.curator import Curator
from evolution.loop import EvolveConfig, Evolver
from evolution.reflector import TemplateReflector

SEED = Rulebook(domain="D9", rules=[Rule(rule_id="D9-r0001", text="Skull edges are bright.",
                                         kind="normal_variation", scope="D9")])


class SynthScorer:
    """Scores a synthetic pool and held-out normals; ``labels`` (if given) are attached to records,
    as if the agent leaked them: evolution must not care."""

    def __init__(self, seed: int = 0, labels: np.ndarray | None = None) -> None:
        # larger than a real pool (60) so that acceptance has the power to see the rule's gain
        self.pool = World.make(200, seed=seed, direct_noise=1.0)
        self.normals = World.make(200, seed=seed + 100, anomalous_share=0.0, prefix="n", direct_noise=1.0)
        self.labels = labels
        self.calls = 0

    def score(self, rulebook: Rulebook) -> Scored:
        self.calls += 1
        pool = score(self.pool, rulebook, label=self.labels is not None)
        if self.labels is not None:
            pool = [r.model_copy(update={"label": int(y)}) for r, y in zip(pool, self.labels, strict=True)]
        return Scored(pool=tuple(pool), normals=tuple(score(self.normals, rulebook)))


def store_at(tmp_path, name="evo.db") -> Store:
    """A fresh SQLite store whose D9 seed is :data:`SEED` (imported from a seed file as version 0)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    (seeds / "D9.md").write_text(render_rulebook(SEED, name="synthetic"))
    st = Store(f"sqlite:///{tmp_path / name}")
    st.ensure_seed("D9", seed_dir=seeds)
    return st


def evolver(store, scorer, *, rounds=3, reflector=None, dry_run=False) -> Evolver:
    return Evolver("D9", "Synthetic brain MRI.", scorer=scorer, store=store,
                   reflector=reflector or TemplateReflector(), curator=Curator(BagOfWords()),
                   features=frozenset({"candidate.z", "item.branch_gap"}),
                   config=EvolveConfig(rounds=rounds, dry_run=dry_run,
                                       acceptance=AcceptanceConfig(n_boot=300)))


def history(store: Store) -> list:
    """Everything evolution stored for D9, minus wall-clock fields."""
    out = []
    for v in store.list_versions("D9"):
        rb = store.get_rulebook("D9", v.version)
        out.append((v.version, v.parent, v.status, v.evidence, [r.model_dump() for r in rb.rules],
                    [d.model_dump() for d in store.deltas("D9", v.version)]))
    out += [r.model_dump(exclude={"created_at"}) for r in store.rounds("D9")]
    return out

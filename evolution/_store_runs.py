"""Evolution's scoring passes as runs in the store, so they can be found and compared later.

Each fresh pass of a rulebook over the unlabeled pool (calib + dev) and over the held-out
normals becomes one stored run whose config says ``purpose='evolve'``, the role (``current`` or
``candidate``) and the set (``pool`` or ``normals``). No label is written: the records come from
the scorer without one, and nothing here reads ground truth.
"""

from __future__ import annotations

from typing import Any

from anomalyclaw.rulebook import Rulebook
from evolution._scoring import Scored


class StoreScoredRuns:
    """An ``on_scored`` hook for :class:`evolution.loop.Evolver` that writes each pass as two runs.

    Args:
        store: an open ``db.Store``.
        domain: domain code.
        backend / model / data_source: the run config columns.
        seed: the proxy/reference seed (kept in the config).
    """

    def __init__(self, store: Any, domain: str, *, backend: str, model: str | None, data_source: str,
                 seed: int = 0) -> None:
        self.store, self.domain = store, domain
        self.backend, self.model, self.data_source, self.seed = backend, model, data_source, seed
        self.run_ids: list[str] = []

    def __call__(self, book: Rulebook, scored: Scored, role: str) -> None:
        """Store ``scored`` as a pool run and a normals run of ``book``'s version.

        A candidate's version number is provisional: the store may give the committed version
        another number when an earlier candidate was rejected (``config.provisional_version``).
        """
        for which, records in (("pool", scored.pool), ("normals", scored.normals)):
            if not records:
                continue
            rid = self.store.start_run(
                domain=self.domain, split="calib+dev" if which == "pool" else "normals", backend=self.backend,
                model=self.model, rulebook_version=book.version, data_source=self.data_source,
                config={"purpose": "evolve", "role": role, "set": which, "seed": self.seed,
                        "provisional_version": role == "candidate", "n_items": len(records)})
            self.store.add_records(rid, [r.model_copy(update={"run_id": rid}) for r in records])
            self.store.finish_run(rid)
            self.run_ids.append(rid)

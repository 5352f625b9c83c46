"""What a rulebook-version report shows, gathered from the store (no HTML here).

For a domain and a set of versions: each version's rules and acceptance evidence, the rule-level
diff between consecutive chosen versions, and — from stored test runs at those versions (the
newest run per version with the most records) — AUROC when labels exist, score lists for the
distributions, and the items whose fused scores differ most between the first and last version.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from pydantic import BaseModel, Field

from anomalyclaw.rulebook import Rulebook, RuleDelta, diff_rulebooks
from eval.failures import failure_stats
from eval.metrics import OneClassWarning, auroc
from eval.operating_point import realised


class VersionView(BaseModel):
    """One version as the report shows it."""

    version: int
    parent: int | None
    status: str
    note: str | None = None
    rulebook: Rulebook
    evidence: dict[str, Any] = Field(default_factory=dict)
    run_id: str | None = Field(default=None, description="Test run at this version, if any.")
    data_source: str | None = None
    scores: dict[str, float] = Field(default_factory=dict, description="item id → fused score.")
    labels: dict[str, int] = Field(default_factory=dict)
    auroc: float | None = None
    threshold: float | None = Field(default=None, description="Label-free threshold of the run, if any.")
    realised_fpr: float | None = None
    recall: float | None = None
    failures: list[dict[str, Any]] = Field(default_factory=list, description="eval.failures rows by branch.")


class Disagreement(BaseModel):
    """An item scored very differently by two versions."""

    item_id: str
    label: int | None
    score_a: float
    score_b: float


class ReportData(BaseModel):
    """Everything :func:`eval._report_html.render_html` needs."""

    domain: str
    name: str
    versions: list[VersionView]
    diffs: list[tuple[int, int, list[RuleDelta]]] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def _test_run(store: Any, domain: str, version: int) -> Any | None:
    runs = [r for r in store.runs(domain) if r.split == "test" and r.rulebook_version == version
            and r.config.get("purpose", "eval") != "evolve" and r.n_records > 0]
    return max(runs, key=lambda r: r.n_records) if runs else None


def _auroc(labels: dict[str, int], scores: dict[str, float]) -> float | None:
    ids = [i for i in scores if i in labels]
    if not ids:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OneClassWarning)
        a = auroc([labels[i] for i in ids], [scores[i] for i in ids])
    return a if math.isfinite(a) else None


def gather(store: Any, domain: str, versions: list[int] | None = None, *, top: int = 6) -> ReportData:
    """Collect the report's content for ``domain``; ``versions`` None → every stored version."""
    meta = {v.version: v for v in store.list_versions(domain)}
    if not meta:
        store.current_rulebook(domain)  # imports the seed as v0
        meta = {v.version: v for v in store.list_versions(domain)}
    chosen = sorted(versions) if versions else sorted(meta)
    missing = [v for v in chosen if v not in meta]
    if missing:
        from anomalyclaw.errors import InputError

        raise InputError(f"{domain}: no version {', '.join(map(str, missing))} in the store",
                         hint=f"stored: {', '.join(map(str, sorted(meta)))}")
    data = ReportData(domain=domain, name=store.domain_name(domain), versions=[])
    for v in chosen:
        m = meta[v]
        view = VersionView(version=v, parent=m.parent, status=m.status, note=m.note,
                           rulebook=store.get_rulebook(domain, v), evidence=m.evidence or {})
        run = _test_run(store, domain, v)
        if run is None:
            data.notes.append(f"v{v}: no stored test run (python -m anomalyclaw.run --domain {domain} "
                              f"--split test --rulebook-version {v})")
        else:
            every = store.records(run.run_id)
            view.failures = [f._asdict() | {"over": f.over()} for f in failure_stats(every)]
            recs = [r for r in every if r.anomaly_score is not None and r.error is None]
            if (t := next((r.threshold for r in recs if r.threshold is not None), None)) is not None:
                lab = [r for r in recs if r.label is not None]
                got = realised([r.label for r in lab], [r.anomaly_score for r in lab], t)
                view.threshold, view.realised_fpr, view.recall = t, got.fpr, got.recall
            view.run_id, view.data_source = run.run_id, run.data_source
            view.scores = {r.item_id: float(r.anomaly_score) for r in recs}
            view.labels = {r.item_id: int(r.label) for r in recs if r.label is not None}
            view.auroc = _auroc(view.labels, view.scores)
        data.versions.append(view)
    for a, b in zip(data.versions, data.versions[1:], strict=False):
        data.diffs.append((a.version, b.version, diff_rulebooks(a.rulebook, b.rulebook)))
    scored = [v for v in data.versions if v.scores]
    if len(scored) >= 2:
        first, last = scored[0], scored[-1]
        shared = [i for i in first.scores if i in last.scores]
        shared.sort(key=lambda i: -abs(first.scores[i] - last.scores[i]))
        data.disagreements = [Disagreement(item_id=i, label=first.labels.get(i), score_a=first.scores[i],
                                           score_b=last.scores[i]) for i in shared[:top]]
    return data

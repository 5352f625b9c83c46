"""What ``python -m anomalyclaw.evolve`` sends to the tracker (W&B): config, rounds, rulebook versions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evolution.loop import RoundSummary

ROUND_COLUMNS = ("round", "parent_version", "candidate_version", "status", "proposed", "kept", "deltas",
                 "proxy_before", "proxy_after", "delta", "ci_low", "seconds")


def _row(r: RoundSummary) -> list[Any]:
    a = r.acceptance
    return [r.round, r.parent_version, r.candidate_version, r.status, r.proposed, r.kept, "; ".join(r.deltas),
            a.proxy_before if a else None, a.proxy_after if a else None, a.delta if a else None,
            a.ci_low if a else None, round(r.seconds, 2)]


def log_evolution(code: str, rounds: Sequence[RoundSummary], *, config: Any, db_url: str | None,
                  dry_run: bool = False, tracker: Any = None) -> None:
    """One W&B run (job_type 'evolve') per invocation: config, a step per round, the rounds table, and
    every stored version it touched (the starting parent and each candidate) as a rulebook artifact.

    Args:
        code: domain code.
        rounds: what :func:`evolution.loop.evolve_domain` returned.
        config: the ``AgentConfig`` used.
        db_url: the store the versions live in.
        dry_run: nothing was stored, so no artifact is logged.
        tracker: a ready tracker (tests); None → :func:`eval.tracking.make_tracker`.
    """
    from anomalyclaw.rulebook import render_rulebook
    from db import Store
    from eval.tracking import make_tracker

    store = Store(db_url)
    evolve_runs = [r for r in store.runs(code) if r.config.get("purpose") == "evolve"]
    source = evolve_runs[0].data_source if evolve_runs else None
    versions = {v.version: v for v in store.list_versions(code)}
    current = store.current_rulebook(code).version
    tracker = tracker or make_tracker(job_type="evolve", name=f"evolve-{code}")
    tracker.log_config({"backend": config.backend, "model": config.model_name, "domain": code,
                        "data_source": source, "rulebook_version": current,
                        "start_version": rounds[0].parent_version if rounds else current,
                        "rounds": len(rounds), "dry_run": dry_run})
    for r in rounds:
        a = r.acceptance
        tracker.log_metrics({"round": r.round, "accepted": int(r.status == "accepted"), "kept": r.kept,
                             **({"proxy_before": a.proxy_before, "proxy_after": a.proxy_after,
                                 "proxy_delta": a.delta, "proxy_delta_ci_low": a.ci_low} if a else {})})
    tracker.log_table("rounds", ROUND_COLUMNS, [_row(r) for r in rounds])
    if not dry_run:
        touched = sorted({r.parent_version for r in rounds[:1]} |
                         {r.candidate_version for r in rounds if r.candidate_version is not None})
        for v in touched:
            meta = versions.get(v)
            book = store.get_rulebook(code, v)
            tracker.log_rulebook(code, render_rulebook(book, name=store.domain_name(code)), version=v,
                                 parent=meta.parent if meta else None,
                                 metadata={"status": meta.status if meta else None,
                                           "evidence": meta.evidence.get("acceptance") if meta else None})
    tracker.finish()

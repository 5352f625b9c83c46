"""The work behind ``python -m anomalyclaw.evolve``: progress display and the per-round table."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from evolution.acceptance import AcceptanceConfig
from evolution.loop import RoundSummary, evolve_domain


def _table(code: str, rounds: list[RoundSummary], dry_run: bool) -> Table:
    t = Table(title=f"evolution of {code}" + (" (dry run: nothing stored)" if dry_run else ""))
    for col in ("round", "from", "candidate", "status", "proposed", "kept", "deltas", "proxy before",
                "proxy after", "Δ (lower bound)", "s", "CPU s"):
        t.add_column(col, justify="left" if col in ("status", "deltas") else "right")
    for r in rounds:
        a = r.acceptance
        t.add_row(str(r.round), f"v{r.parent_version}", f"v{r.candidate_version}" if r.candidate_version
                  is not None else "—", r.status, str(r.proposed), str(r.kept), ", ".join(r.deltas) or "—",
                  f"{a.proxy_before:.4f}" if a else "—", f"{a.proxy_after:.4f}" if a else "—",
                  f"{a.delta:+.4f} ({a.ci_low:+.4f})" if a else "—", f"{r.seconds:.1f}",
                  f"{r.cpu_seconds:.1f}")
    return t


def execute(args: argparse.Namespace, console: Console) -> int:
    """Run the rounds with a live status line and progress bar; print the round table."""
    from anomalyclaw.agent import AgentConfig, default_call_cache_dir

    config = AgentConfig(backend=args.backend, model=args.model, api_base=args.api_base,
                         max_in_flight=args.max_in_flight, seed=args.seed,
                         call_cache=None if getattr(args, "no_cache", False) else default_call_cache_dir())
    from anomalyclaw.userdata import resolve_domain_code

    code = resolve_domain_code(args.domain, args.db)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(f"{code}: loading", total=None)
        rounds = evolve_domain(
            code, rounds=args.rounds, budget=args.budget, dry_run=args.dry_run, agent_config=config,
            db_url=args.db, data=args.data, data_root=args.data_root, seed=args.seed, folds=args.folds,
            max_active=args.max_rules, lock_wait_s=args.wait,
            acceptance=AcceptanceConfig(confidence=args.confidence, seed=args.seed),
            progress=lambda msg: bar.update(task, description=f"{code}: {msg}", completed=0, total=None),
            item_progress=lambda done, total: bar.update(task, completed=done, total=total))
    console.print(_table(code, rounds, args.dry_run))
    for r in rounds:
        if r.warning:
            console.print(f"[yellow]round {r.round}: {r.warning}[/]")
    if not getattr(args, "no_wandb", False):
        from anomalyclaw._evolve_tracking import log_evolution

        log_evolution(code, rounds, config=config, db_url=args.db, dry_run=args.dry_run)
    if config.backend == "policy":
        console.print("[dim]backend=policy: rules come from templates over label-free signals and carry "
                      "machine-readable conditions; no language model is involved[/]")
    return 0

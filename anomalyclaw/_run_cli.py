"""The work behind ``python -m anomalyclaw.run`` (kept apart so the CLI module stays a shell)."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from anomalyclaw._operating import apply, hold_out, operating_point
from anomalyclaw._run_summary import Summary, summarize
from anomalyclaw.agent import Agent, AgentConfig, JsonSink, RecordSink, pick_items, run_items
from anomalyclaw.agent._store_sink import StoreSink, TeeSink
from anomalyclaw.errors import InputError
from anomalyclaw.rulebook import Rulebook
from eval._failures_render import failure_table

COLUMNS = (
    "domain",
    "data",
    "rulebook",
    "items",
    "errors",
    "fallbacks",
    "AUROC fused",
    "direct",
    "refutation",
    "threshold",
    "FPR",
    "recall",
)


def _rulebook(code: str, path: Path | None, store: Any, version: int | None = None) -> Rulebook:
    """``--rulebook FILE``, else the store's current version (seed imported on first use), else the seed."""
    from anomalyclaw.rulebook import load_seed, parse_rulebook

    if version is not None:
        if store is None or path is not None:
            raise InputError("--rulebook-version reads the store: drop --no-store/--no-db and --rulebook")
        store.current_rulebook(code)  # imports the seed as version 0 on first use
        return store.get_rulebook(code, version)

    if path is not None:
        if not path.is_file():
            raise InputError(f"{path}: rulebook file not found")
        return parse_rulebook(path.read_text(), source=str(path), domain=code).rulebook
    if store is not None:
        return store.current_rulebook(code)
    return load_seed(code).rulebook


def _run_id(code: str, args: argparse.Namespace, config: AgentConfig, out: Path, version: int,
            calib: str = "") -> str:
    """Stable per (domain, settings, output folder, rulebook version, threshold settings): reruns resume."""
    key = "|".join(map(str, (out.resolve(), config.model_name, args.data, args.seed, args.split, version)))
    key += calib
    return f"{code}-{config.backend}-{args.split}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def _score_domain(
    code: str,
    args: argparse.Namespace,
    config: AgentConfig,
    out: Path,
    json_sink: JsonSink,
    store: Any,
    console: Console,
) -> tuple[str, str, int, Summary]:
    from anomalyclaw.data import load_domain

    domain = load_domain(code, data=args.data, data_root=args.data_root, seed=args.seed, db_url=args.db)
    items = pick_items(domain.split(args.split), limit=args.limit, seed=args.seed)
    rulebook = _rulebook(code, args.rulebook, store, getattr(args, "rulebook_version", None))
    fit_domain, held, why_not = domain, (), "--no-threshold"
    if not getattr(args, "no_threshold", True):
        fit_domain, held, why_not = hold_out(domain, args.calib_normals)
    calib = f"|fpr={args.fpr}|held={len(held)}" if held else ""
    run_id = _run_id(code, args, config, out, rulebook.version, calib)
    sink: RecordSink = json_sink
    if store is not None:
        store.start_run(
            domain=code,
            split=args.split,
            backend=config.backend,
            model=config.model_name,
            rulebook_version=rulebook.version,
            data_source=domain.spec.data_source,
            config={**config.model_dump(mode="json"), "purpose": "eval", "seed": args.seed,
                    "held_out_normals": len(held),
                    "limit": args.limit, "n_items": len(items)},
            run_id=run_id,
        )
        sink = TeeSink(json_sink, StoreSink(store, {code: run_id}))
    console.print(
        f"[bold]{code}[/] {domain.spec.name} ({domain.spec.data_source}), rulebook v{rulebook.version}, "
        f"run {run_id}: {len(items)} items; expert probes on {len(fit_domain.normal_pool)} normals …"
    )
    agent = Agent(config, rulebook, fit_domain)
    threshold = None
    if held:
        threshold = operating_point(agent, fit_domain, held, rulebook.version, args, config, store, console)
    else:
        console.print(f"[dim]{code}: no decision threshold ({why_not})[/]")
    done = sink.done_ids(code)
    with Progress(
        TextColumn(code), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        task = bar.add_task(code, total=len(items), completed=sum(i.item_id in done for i in items))
        run_items(
            lambda item: apply(agent.score(item), threshold, args.fpr),
            items,
            sink=sink,
            run_id=run_id,
            truth=domain.truth,
            max_in_flight=config.max_in_flight,
            on_record=lambda _r: bar.advance(task),
        )
    json_sink.flush()
    if store is not None:
        store.finish_run(run_id)
    agent.backend.close()
    wanted = {i.item_id for i in items}
    summary = summarize([r for r in json_sink.records(code) if r.item_id in wanted])
    return domain.spec.data_source, f"v{rulebook.version}", len(items), summary


def execute(args: argparse.Namespace, codes: list[str], config: AgentConfig, console: Console) -> int:
    """Run every requested domain; print a summary table; 0 when every item has a score."""
    out = args.out or Path("out") / f"{config.backend}-{args.split}"
    store = None
    if not args.no_store:
        from db import Store

        store = Store(args.db)
    json_sink = JsonSink(out)
    from eval.tracking import make_tracker

    tracker = make_tracker(enabled=not getattr(args, "no_wandb", False), job_type="run",
                           config={"backend": config.backend, "model": config.model_name,
                                   "split": args.split, "domains": codes, "data": args.data,
                                   "seed": args.seed, "limit": args.limit,
                                   "agent": config.model_dump(mode="json")})
    table = Table(title=f"backend={config.backend} model={config.model_name} split={args.split}")
    for col in COLUMNS:
        table.add_column(col, justify="left" if col in ("domain", "data", "rulebook") else "right")
    failed, failure_rows = 0, []
    try:
        for code in codes:
            source, version, _n, s = _score_domain(code, args, config, out, json_sink, store, console)
            tracker.log_config({"data_source": source, f"rulebook_version/{code}": int(version[1:]),
                                **({"domain": code, "rulebook_version": int(version[1:])} if len(codes) == 1
                                   else {})})
            tracker.log_records([r for r in json_sink.records(code) if r.split in (None, args.split)],
                                key=f"items/{code}")
            failed += s.n_errors
            failure_rows += [(code, f) for f in s.failures]
            table.add_row(
                code,
                source,
                version,
                str(s.n),
                str(s.n_errors),
                str(s.n_fallbacks),
                *(f"{v:.3f}" if v is not None else "—" for v in (s.fused, s.direct, s.refutation)),
                *(f"{v:.3f}" if v is not None else "—" for v in (s.threshold, s.fpr, s.recall)),
            )
    finally:
        json_sink.close()
        tracker.finish()
    console.print(table)
    f_table, f_warnings = failure_table(failure_rows, args.fail_bound)
    console.print(f_table)
    for line in f_warnings:
        console.print(line)
    console.print(f"records: {out.resolve()}" + ("" if store is None else " and the run store"))
    if config.backend == "policy":
        console.print("[dim]backend=policy: a deterministic offline stand-in (expert probes), not a VLM[/]")
    return 0 if failed == 0 else 1

"""The work behind ``python -m anomalyclaw.run`` (kept apart so the CLI module stays a shell)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from anomalyclaw.agent import Agent, AgentConfig, JsonSink, pick_items, run_items, summarize
from anomalyclaw.agent._runner import new_run_id
from anomalyclaw.errors import InputError
from anomalyclaw.rulebook import Rulebook


def _rulebook(code: str, path: Path | None) -> Rulebook | str:
    from anomalyclaw.rulebook import load_seed, parse_rulebook

    if path is not None:
        if not path.is_file():
            raise InputError(f"{path}: rulebook file not found")
        return parse_rulebook(path.read_text(), source=str(path), domain=code).rulebook
    return load_seed(code).rulebook


def _config(args: argparse.Namespace) -> AgentConfig:
    try:
        return _make_config(args)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else "options"
        raise InputError(f"{where}: {first['msg']}") from None


def _make_config(args: argparse.Namespace) -> AgentConfig:
    return AgentConfig(
        backend=args.backend,
        model=args.model,
        api_base=args.api_base,
        max_in_flight=args.max_in_flight,
        timeout_s=args.timeout,
        retries=args.retries,
        logprobs=not args.no_logprobs,
        max_turns=args.max_turns,
        alpha=args.alpha,
        seed=args.seed,
        max_tokens=args.max_tokens,
    )


def execute(args: argparse.Namespace, codes: list[str], console: Console) -> int:
    """Run every requested domain; print a summary table; 0 when all items have records."""
    from anomalyclaw.data import load_domain

    config = _config(args)
    out = args.out or Path("out") / f"{config.backend}-{args.split}"
    sink = JsonSink(out)
    run_id = new_run_id()
    table = Table(
        title=f"run {run_id} — backend={config.backend} model={config.model_name} split={args.split}"
    )
    for col in ("domain", "data", "items", "errors", "fallbacks", "AUROC fused", "direct", "refutation"):
        table.add_column(col, justify="right" if col not in ("domain", "data") else "left")
    failed = 0
    try:
        for code in codes:
            domain = load_domain(code, data=args.data, data_root=args.data_root, seed=args.seed)
            items = pick_items(domain.split(args.split), limit=args.limit, seed=args.seed)
            console.print(
                f"[bold]{code}[/] {domain.spec.name} ({domain.spec.data_source}): "
                f"{len(items)} items; fitting expert probes on {len(domain.normal_pool)} normals …"
            )
            agent = Agent(config, _rulebook(code, args.rulebook), domain)
            with Progress(
                TextColumn(f"{code}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
            ) as bar:
                done = sink.done_ids(code)
                task = bar.add_task(code, total=len(items), completed=sum(i.item_id in done for i in items))
                run_items(
                    agent.score,
                    items,
                    sink=sink,
                    run_id=run_id,
                    truth=domain.truth,
                    max_in_flight=config.max_in_flight,
                    on_record=lambda _r, t=task: bar.advance(t),
                )
            sink.flush()
            agent.backend.close()
            wanted = {i.item_id for i in items}
            recs = [r for r in sink.records(code) if r.item_id in wanted]
            s = summarize(recs)
            failed += s.n_errors
            table.add_row(
                code,
                domain.spec.data_source,
                str(s.n),
                str(s.n_errors),
                str(s.n_fallbacks),
                *(f"{v:.3f}" if v is not None else "—" for v in (s.fused, s.direct, s.refutation)),
            )
    finally:
        sink.close()
    console.print(table)
    console.print(f"records: {out.resolve()}")
    if config.backend == "policy":
        console.print("[dim]backend=policy: a deterministic offline stand-in (expert probes), not a VLM[/]")
    return 0 if failed == 0 else 1

"""``python -m eval.table1``: the paper's Table 1 from per-item records.

Without ``--records`` it reads the project's own test runs from the run store (``--db``) and prints,
per backend/model and data source, Direct, AnomalyClaw without evolution (rulebook v0) and with
evolution (the latest accepted version), with paired Δs (see :mod:`eval._evolution_table`).

With ``--records``: one row per records directory: Direct, Refutation-only and AnomalyClaw (the α-blend,
recomputed) macro AUROCs with 95% CIs, and Δ(AnomalyClaw − Direct) in percentage
points with its paired CI and P(Δ > 0). A thin shell over :mod:`eval._table1_core`.

Example::

    python -m eval.table1 --records ../shared/upstream/results/qwen35vl27b_v12_test --per-domain --out out/t1
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from anomalyclaw.errors import AnomalyClawError, InputError
from eval._render import print_table1, write_outputs
from eval._sources import DirectorySource, RecordSource, default_source
from eval._table1_core import compute_table1


def build_parser() -> argparse.ArgumentParser:
    """The command line, options mirroring :func:`eval._table1_core.compute_table1`."""
    p = argparse.ArgumentParser(
        prog="python -m eval.table1",
        description="Table 1: macro AUROC of the Direct branch, the Refutation branch and their blend "
                    "(AnomalyClaw), with paired per-domain bootstrap CIs, one row per records directory. "
                    "Rows kept: anomaly-detection mode, both branch scores, no error, a label.")
    p.add_argument("--records", metavar="DIR", action="append", type=Path, default=[],
                   help="folder of <domain>.json record files (upstream result format); repeat for more rows")
    p.add_argument("--name", metavar="NAME", action="append", default=[],
                   help="row name for the matching --records (default: the folder name); repeat")
    p.add_argument("--alpha", type=float, default=0.5,
                   help="blend weight α of the Direct branch: α·direct + (1−α)·refutation (default 0.5)")
    p.add_argument("--per-domain", action="store_true", help="also print each run's per-domain AUROCs")
    p.add_argument("--out", metavar="DIR", type=Path,
                   help="also write table1.md, table1.csv, table1_per_domain.csv and table1.json here")
    p.add_argument("--bootstrap", metavar="B", type=int, default=1000,
                   help="bootstrap replicates for the CIs; 0 skips them (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of numpy.random.default_rng (default 0)")
    p.add_argument("--db", metavar="URL", help="run store read when no --records is given (default: "
                   "ANOMALYCLAW_DB_URL, else $ANOMALYCLAW_HOME/anomalyclaw.db, "
                   "else ~/.anomalyclaw/anomalyclaw.db)")
    p.add_argument("--no-wandb", action="store_true", help="do not log the table to W&B")
    return p


def _from_store(args: argparse.Namespace, out: Console) -> int:
    """The evolution layout from the store; NoRecordsError when it holds no test run."""
    from db import Store
    from eval._evolution_render import print_evolution_tables
    from eval._evolution_table import evolution_tables
    from eval._sources import NoRecordsError

    tables = evolution_tables(Store(args.db), alpha=args.alpha, n_boot=args.bootstrap, seed=args.seed)
    if not tables:
        raise NoRecordsError(
            "no records given and no test runs in the run store",
            hint="run python -m anomalyclaw.run --domain D9 --split test first, or pass --records DIR, "
                 "a folder of <domain>.json files; repeat --records to compare runs")
    print_evolution_tables(tables, out)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "table1_evolution.json"
        path.write_text("[" + ",\n".join(t.model_dump_json() for t in tables) + "]\n")
        out.print(f"wrote {path}", highlight=False)
    _log_tables(args, tables)
    return 0


def _log_tables(args: argparse.Namespace, tables: list) -> None:
    """Log the tables to W&B unless --no-wandb (tracking is optional: absent module → no-op)."""
    if args.no_wandb:
        return
    try:
        from eval.tracking import log_table1
    except ImportError:  # tracking not built on this branch
        return
    log_table1(tables)


def _source(args: argparse.Namespace) -> RecordSource:
    if args.records:
        return DirectorySource(tuple(args.records), tuple(args.name))
    if args.name:
        raise InputError("--name needs a matching --records DIR")
    return default_source()


def _console() -> Console:
    """Stdout console; when piped (no terminal, no COLUMNS) a width that fits the table."""
    from anomalyclaw._console import cli_console

    return cli_console()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the exit code (0 ok, 2 bad input)."""
    args = build_parser().parse_args(argv)
    out, err = _console(), Console(stderr=True)
    try:
        if not args.records and not args.name:
            return _from_store(args, out)
        result = compute_table1(_source(args).runs(), alpha=args.alpha, n_boot=args.bootstrap, seed=args.seed)
        print_table1(result, per_domain=args.per_domain, console=out)
        if args.out is not None:
            try:
                paths = write_outputs(result, args.out, per_domain=args.per_domain)
            except OSError as exc:
                raise AnomalyClawError(f"cannot write to {args.out}: {exc.strerror or exc}") from None
            out.print(f"wrote {', '.join(str(p) for p in paths)}", highlight=False)
    except AnomalyClawError as exc:
        err.print(f"[bold red]error[/bold red]: {escape(str(exc))}", highlight=False, soft_wrap=True)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m anomalyclaw.export``: a stored run as CSV or JSON lines, one row per item.

Columns: run id, domain, item id, split, label (when known), direct, refutation and fused
scores, decision and threshold (when the run has an operating point), tools used, turns,
error, backend, model, rulebook version.

Example::

    python -m anomalyclaw.export --run D9-policy-test-1a2b3c4d --format csv --out d9.csv
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from anomalyclaw.errors import AnomalyClawError


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m anomalyclaw.export", description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--run", required=True, help="run id (python -m anomalyclaw.run prints it)")
    p.add_argument("--format", default="csv", choices=("csv", "jsonl"), help="output format")
    p.add_argument("--out", type=Path, help="file to write (default: stdout)")
    p.add_argument("--db", help="run store URL (default: ANOMALYCLAW_DB_URL, else "
                   "$ANOMALYCLAW_HOME/anomalyclaw.db)")
    return p


def export_run(run_id: str, fmt: str, *, db_url: str | None = None) -> tuple[str, int]:
    """The run rendered in ``fmt``, and its row count.

    Raises:
        InputError: unknown run id or format.
    """
    from anomalyclaw._export_rows import export_rows, render
    from db import Store

    rows = export_rows(Store(db_url), run_id)
    return render(rows, fmt), len(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; 0 ok, 2 bad input."""
    from rich.console import Console

    args = build_parser().parse_args(argv)
    console = Console(stderr=True)
    try:
        text, n = export_run(args.run, args.format, db_url=args.db)
    except AnomalyClawError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        return exc.exit_code
    if args.out is None:
        sys.stdout.write(text)
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    console.print(f"{n} rows → {args.out}", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

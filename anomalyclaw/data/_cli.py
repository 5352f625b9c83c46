"""``python -m anomalyclaw.data``: check real data, generate the proxy suite, draw contact sheets.

Thin shell over the API: every command calls one library function and prints with rich.
Exit codes: 0 fine, 1 data problems found, 2 bad input (one line, no traceback).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from anomalyclaw.data._check import check_domains
from anomalyclaw.data._errors import DataRootError
from anomalyclaw.data._manifest import DOMAIN_CODES, normalize_code
from anomalyclaw.data._paths import ENV_DATA, resolve_data_root
from anomalyclaw.errors import AnomalyClawError


def _codes(domain: str | None) -> tuple[str, ...]:
    return (normalize_code(domain),) if domain else DOMAIN_CODES


def cmd_check(args: argparse.Namespace, out: Console) -> int:
    """Report per domain which real image files are present, missing or unreadable."""
    codes = _codes(args.domain)
    root = resolve_data_root(args.data_root)
    if root is None:
        raise DataRootError("no data root to check", hint=f"pass --data-root DIR or set {ENV_DATA}=DIR")
    if not root.is_dir():
        raise DataRootError(f"data root {root} does not exist", hint="pass an existing folder")
    results = check_domains(codes, root, deep=args.deep)
    table = Table(title=f"Real data under {root}")
    for col in ("domain", "files", "present", "missing", "unreadable", "status"):
        numeric = col in ("files", "present", "missing", "unreadable")
        table.add_column(col, justify="right" if numeric else "left")
    for r in results:
        status = "[green]ok[/]" if r.ok else "[red]incomplete[/]"
        table.add_row(r.code, str(r.n_files), str(r.present), str(len(r.missing)), str(len(r.unreadable)),
                      status)
    out.print(table)
    for r in results:
        shown = 0
        for path in r.missing:
            if args.all or shown < args.max_paths:
                out.print(f"{r.code} missing    {path}", highlight=False, soft_wrap=True)
                shown += 1
        for prob in r.unreadable:
            if args.all or shown < args.max_paths:
                out.print(f"{r.code} unreadable {prob.path}: {prob.reason}", highlight=False, soft_wrap=True)
                shown += 1
        hidden = len(r.missing) + len(r.unreadable) - shown
        if hidden > 0:
            out.print(f"{r.code}: … {hidden} more (use --all)")
    return 0 if all(r.ok for r in results) else 1


def cmd_generate(args: argparse.Namespace, out: Console) -> int:
    """Generate (or confirm cached) proxy domains."""
    from anomalyclaw.data.proxy import generate_suite, proxy_dir

    codes = _codes(args.domain)
    t0 = time.perf_counter()
    built = generate_suite(codes, seed=args.seed, cache_dir=args.cache_dir, workers=args.workers)
    dt = time.perf_counter() - t0
    for code in codes:
        state = "generated" if built[code] else "cached"
        out.print(f"{code}: {state}  {proxy_dir(code, args.seed, args.cache_dir)}", highlight=False)
    out.print(f"{sum(built.values())} generated, {len(codes) - sum(built.values())} cached in {dt:.1f} s")
    return 0


def cmd_sheet(args: argparse.Namespace, out: Console) -> int:
    """Write a contact sheet PNG of one proxy domain."""
    from PIL import Image

    from anomalyclaw.data.proxy import load_proxy
    from anomalyclaw.data.proxy._sheet import contact_sheet

    domain = load_proxy(normalize_code(args.domain), seed=args.seed, cache_dir=args.cache_dir)
    Image.fromarray(contact_sheet(domain, rows=args.rows)).save(args.output)
    out.print(f"{domain.spec.code}: wrote {args.output} (2 normal, 2 anomalous per row; mask in red)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and --help)."""
    p = argparse.ArgumentParser(prog="python -m anomalyclaw.data", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="report present / missing / unreadable real image files per domain")
    c.add_argument("--domain", help="one domain code (default: all D1..D12)")
    c.add_argument("--data-root", type=Path, help=f"folder {{DATA_ROOT}} stands for (default: ${ENV_DATA})")
    c.add_argument("--deep", action="store_true",
                   help="fully decode every image (slow; finds truncated files)")
    c.add_argument("--max-paths", type=int, default=10, help="problem paths listed per domain (default 10)")
    c.add_argument("--all", action="store_true", help="list every problem path")
    c.set_defaults(func=cmd_check)
    g = sub.add_parser("generate", help="generate the embedded proxy suite into the cache")
    g.add_argument("--domain", help="one domain code (default: all D1..D12)")
    g.add_argument("--seed", type=int, default=0, help="generation seed (default 0)")
    g.add_argument("--cache-dir", type=Path, help="cache root (default $ANOMALYCLAW_HOME/cache)")
    g.add_argument("--workers", type=int, default=2, help="domains generated in parallel (default 2)")
    g.set_defaults(func=cmd_generate)
    s = sub.add_parser("sheet", help="write a contact-sheet PNG of one proxy domain")
    s.add_argument("--domain", required=True, help="domain code")
    s.add_argument("--output", type=Path, required=True, help="PNG file to write")
    s.add_argument("--rows", type=int, default=4, help="rows of 2 normal + 2 anomalous items")
    s.add_argument("--seed", type=int, default=0, help="generation seed (default 0)")
    s.add_argument("--cache-dir", type=Path, help="cache root (default $ANOMALYCLAW_HOME/cache)")
    s.set_defaults(func=cmd_sheet)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = build_parser().parse_args(argv)
    out = Console(highlight=False)
    try:
        return args.func(args, out)
    except AnomalyClawError as exc:
        Console(stderr=True, highlight=False).print(f"[red]error:[/] {exc}", soft_wrap=True)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())

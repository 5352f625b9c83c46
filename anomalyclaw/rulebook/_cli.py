"""``python -m anomalyclaw.rulebook``: list, show, diff, export, roll back and import rulebook versions.

A thin shell over :class:`db.Store`; errors print one line and exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from anomalyclaw.errors import AnomalyClawError, InputError
from anomalyclaw.rulebook import _views as views
from anomalyclaw.rulebook._markdown import parse_rulebook, render_rulebook
from anomalyclaw.rulebook._seeds import load_seed, seed_domains, seed_path
from anomalyclaw.rulebook._types import Rulebook

if TYPE_CHECKING:
    from db import Store

EPILOG = """examples:
  python -m anomalyclaw.rulebook list                 all domains, their versions and rule counts
  python -m anomalyclaw.rulebook list D9              every version of D9 with status and evidence
  python -m anomalyclaw.rulebook show D9 --version 3
  python -m anomalyclaw.rulebook diff D9 0 3          rules added / edited / retired between versions
  python -m anomalyclaw.rulebook export D9 --out rulebooks/D9.md
  python -m anomalyclaw.rulebook import D9 rulebooks/D9.md   commit a hand-edited file as a new version
  python -m anomalyclaw.rulebook rollback D9 2        new version equal to v2 (history is kept)

database: --db URL, else $ANOMALYCLAW_DB_URL, else $ANOMALYCLAW_HOME/anomalyclaw.db
(~/.anomalyclaw/anomalyclaw.db)."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", default=None,
                        help="SQLAlchemy URL of the store (default: $ANOMALYCLAW_DB_URL or the SQLite file)")
    p = argparse.ArgumentParser(prog="python -m anomalyclaw.rulebook", description=__doc__.splitlines()[0],
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", dest="db_main", metavar="URL", default=None, help="same as COMMAND --db")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    a = sub.add_parser("list", parents=[common], help="domains and their versions")
    a.add_argument("domain", nargs="?", help="list this domain's versions (default: a summary of all)")
    a = sub.add_parser("show", parents=[common], help="rules of one version")
    a.add_argument("domain")
    a.add_argument("--version", type=int, default=None, help="version number (default: the current one)")
    a = sub.add_parser("diff", parents=[common], help="rule-level difference between two versions")
    a.add_argument("domain")
    a.add_argument("v1", type=int)
    a.add_argument("v2", type=int)
    a = sub.add_parser("export", parents=[common], help="write a version in the seed-file format")
    a.add_argument("domain")
    a.add_argument("--version", type=int, default=None, help="version number (default: the current one)")
    a.add_argument("--out", type=Path, default=None, help="file or folder to write (default: stdout)")
    a = sub.add_parser("rollback", parents=[common], help="new version equal to an old one")
    a.add_argument("domain")
    a.add_argument("version", type=int)
    a = sub.add_parser("import", parents=[common], help="commit an edited rulebook file as a new version")
    a.add_argument("domain")
    a.add_argument("path", type=Path)
    return p


def _store(url: str | None) -> Store:
    from db import Store  # late: keeps --help fast and the rulebook package free of SQL

    return Store(url)


def _rulebook(store: Store, domain: str, version: int | None) -> Rulebook:
    return store.current_rulebook(domain) if version is None else store.get_rulebook(domain, version)


def run(args: argparse.Namespace, console: Console) -> int:
    """Execute one parsed command; raises AnomalyClawError on bad input."""
    with _store(args.db or args.db_main) as store:
        if getattr(args, "domain", None) and not store.list_versions(args.domain):
            store.ensure_seed(args.domain)  # first use of a domain: its seed becomes v0
        if args.cmd == "list":
            if args.domain:
                views.versions_table(console, args.domain, store.list_versions(args.domain))
            else:
                views.domains_table(console, store, {d: load_seed(d).name for d in seed_domains()})
        elif args.cmd == "show":
            rb = _rulebook(store, args.domain, args.version)
            meta = next(v for v in store.list_versions(args.domain) if v.version == rb.version)
            views.show_rulebook(console, rb, meta, store.domain_name(args.domain))
        elif args.cmd == "diff":
            old, new = store.get_rulebook(args.domain, args.v1), store.get_rulebook(args.domain, args.v2)
            views.show_diff(console, old, new)
        elif args.cmd == "export":
            rb = _rulebook(store, args.domain, args.version)
            header = load_seed(args.domain).header if seed_path(args.domain) else ""
            text = render_rulebook(rb, name=store.domain_name(args.domain), header=header)
            if args.out is None:
                sys.stdout.write(text)
            else:
                out = args.out / f"{args.domain}.md" if args.out.is_dir() else args.out
                try:
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_text(text, encoding="utf-8")
                except OSError as e:
                    raise InputError(f"cannot write {out}: {e.strerror}") from e
                console.print(f"wrote {args.domain} v{rb.version} ({len(rb.active)} active rules) to {out}")
        elif args.cmd == "rollback":
            before = store.current_rulebook(args.domain).version
            v = store.rollback(args.domain, args.version)
            n = len(store.get_rulebook(args.domain, v).active)
            console.print(f"{args.domain}: current v{before} already equals v{args.version}, nothing written"
                          if v == before else
                          f"{args.domain}: new version v{v} equals v{args.version} ({n} active rules)")
        elif args.cmd == "import":
            try:
                text = args.path.read_text(encoding="utf-8")
            except OSError as e:
                raise InputError(f"cannot read {args.path}: {e.strerror}") from e
            rb = parse_rulebook(text, source=str(args.path), domain=args.domain).rulebook
            v = store.import_rulebook(args.domain, rb, note=f"import {args.path.name}")
            console.print(f"{args.domain}: no changes" if v is None else f"{args.domain}: imported as v{v}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, turn expected errors into one line on stderr and exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        return run(args, Console())
    except AnomalyClawError as e:
        err = Console(stderr=True, soft_wrap=True)
        err.print(f"[red]error:[/red] {escape(str(e))}", markup=True, highlight=False)
        return e.exit_code

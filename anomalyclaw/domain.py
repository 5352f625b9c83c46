"""``python -m anomalyclaw.domain``: register your own images as a domain, list, show, remove.

    python -m anomalyclaw.domain add bottles ~/data/bottles --description "Glass bottles seen from above."
    python -m anomalyclaw.domain list
    python -m anomalyclaw.domain show bottles
    python -m anomalyclaw.domain remove bottles

PATH is an MVTec-style folder (``train/good``, ``test/good``, ``test/<defect>``, optional
``ground_truth``), a plain folder (``normal/`` references, ``images/`` unlabeled items) or a
manifest ``.json`` in the upstream format. Every file is checked before anything is stored; the
domain's seed rulebook is written from ``--description`` (or a neutral text), stored as version 0
and printed, so you can edit it before the first evolution round.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from anomalyclaw._console import cli_console
from anomalyclaw.errors import AnomalyClawError, InputError


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        prog="python -m anomalyclaw.domain",
        description=__doc__.splitlines()[0],
        epilog="\n".join(__doc__.splitlines()[2:]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--db", help="store URL (default: ANOMALYCLAW_DB_URL or $ANOMALYCLAW_HOME/anomalyclaw.db)")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    a = sub.add_parser("add", help="register a folder (or manifest) as a domain")
    a.add_argument("name", help="domain name: letters, digits, - and _ (not D1..D12)")
    a.add_argument("path", type=Path, help="MVTec-style folder, plain folder, or manifest .json")
    a.add_argument("--description", help="one paragraph the model reads about these images")
    a.add_argument("--modality", default="RGB", help="e.g. RGB, X-ray, MRI, thermal")
    a.add_argument("--seed", type=int, default=0, help="seed for splits and reference choice")
    a.add_argument(
        "--replace", action="store_true", help="register again under a taken name (history is kept)"
    )
    sub.add_parser("list", help="registered domains")
    s = sub.add_parser("show", help="one domain: source, splits, labels, conversions")
    s.add_argument("name")
    r = sub.add_parser("remove", help="unregister a domain (its runs and rulebooks stay)")
    r.add_argument("name")
    r.add_argument("--force", action="store_true", help="also when it has runs or evolved versions")
    return p


def _seed_rulebook(name: str, description: str) -> str:
    from anomalyclaw.rulebook import Rule, Rulebook, render_rulebook

    rules = [
        Rule(
            rule_id=f"{name}-r0001",
            kind="normal_variation",
            scope=name,
            text="Normal images vary in position, lighting, focus and fine texture; compare the query with "
            "several references before calling a difference anomalous.",
        ),
        Rule(
            rule_id=f"{name}-r0002",
            kind="anomaly_cue",
            scope=name,
            text="A local structure, colour or shape that no reference shows, and that a careful inspector "
            "would flag, is anomalous.",
        ),
    ]
    return render_rulebook(
        Rulebook(domain=name, rules=rules), name=name, header=description, with_version=False
    )


def _add(args: argparse.Namespace, store, console: Console) -> None:  # noqa: ANN001
    from anomalyclaw.userdata import NEUTRAL, build_payload, domains_home

    if store.user_domain(args.name) is not None and not args.replace:  # before any file is written
        raise InputError(
            f"a domain named {args.name!r} is already registered",
            hint="pass --replace to register the folder again (runs and rulebooks are kept)",
        )
    payload = build_payload(
        args.name, args.path, description=args.description, modality=args.modality, seed=args.seed
    )
    row = store.add_user_domain(payload, replace=args.replace)
    seed_dir = domains_home() / args.name
    seed_dir.mkdir(parents=True, exist_ok=True)
    (seed_dir / f"{args.name}.md").write_text(_seed_rulebook(args.name, args.description or NEUTRAL))
    rb = store.ensure_seed(args.name, seed_dir=seed_dir)
    rep = row["report"]
    for what in ("converted", "downscaled"):
        for path, why in rep.get(what, {}).items():
            console.print(f"[yellow]{what}[/] {path}: {why}")
    _show(store, args.name, console)
    console.print(f"\n[bold]seed rulebook (v{rb.version})[/]:")
    for r in rb.active:
        console.print(f"  - [{r.rule_id}] ({r.kind}) {r.text}", highlight=False, markup=False)
    console.print(
        f"edit it before evolving: python -m anomalyclaw.rulebook export {args.name} --out r.md; "
        f"then python -m anomalyclaw.rulebook import {args.name} r.md",
        highlight=False,
    )


def _show(store, name: str, console: Console) -> None:  # noqa: ANN001
    row = store.user_domain(name)
    if row is None:
        raise InputError(f"no registered domain {name!r}", hint="see python -m anomalyclaw.domain list")
    labels = {t["item_id"]: t["label"] for t in row["truth"]}
    t = Table(title=f"{name}: {row['layout']} layout from {row['source']}")
    for col in ("split", "items", "labelled", "anomalous"):
        t.add_column(col, justify="left" if col == "split" else "right")
    for split in ("calib", "dev", "test"):
        ids = [i["item_id"] for i in row["items"] if i["split"] == split]
        t.add_row(
            split, str(len(ids)), str(sum(i in labels for i in ids)), str(sum(labels.get(i, 0) for i in ids))
        )
    console.print(t)
    console.print(
        f"normal references: {len(row['normals'])}; splits from {row['report'].get('splits_from')}; "
        f"description: {row['spec']['description']}",
        highlight=False,
    )


def run(args: argparse.Namespace, console: Console) -> int:
    """Execute one parsed command."""
    from db import Store

    store = Store(args.db)
    if args.cmd == "add":
        _add(args, store, console)
    elif args.cmd == "list":
        t = Table(title="registered domains (D1..D12 are built in)")
        for col in ("name", "layout", "items", "normals", "source"):
            t.add_column(col)
        for name in store.user_domains():
            row = store.user_domain(name)
            t.add_row(name, row["layout"], str(len(row["items"])), str(len(row["normals"])), row["source"])
        console.print(t)
    elif args.cmd == "show":
        _show(store, args.name, console)
    elif args.cmd == "remove":
        store.remove_user_domain(args.name, force=args.force)
        console.print(f"{args.name}: unregistered (runs and rulebook versions are kept in the store)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; 2 on bad input, with one line."""
    args = build_parser().parse_args(argv)
    console = cli_console()
    try:
        return run(args, console)
    except AnomalyClawError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}", highlight=False)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())

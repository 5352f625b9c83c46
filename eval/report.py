"""``python -m eval.report``: a self-contained HTML report comparing a domain's rulebook versions.

Rule-level diffs, AUROC with each version (from stored test runs, when labels exist), score
distributions, acceptance evidence per version and the items where the first and last version
disagree most, with their query images. ``--gallery [RUN_ID]`` appends a run's evidence cards
(query, references, probe heatmap on the domain's colour scale, the refutation trail, both branch
scores and the decision), sorted by fused score; without an id, the domain's newest test run.
A W&B Report (wandb-workspaces) needs a W&B server, so it is only attempted online; offline the
command says so in one line.

Example::

    python -m eval.report --domain D9 --versions 0 3 --out out/report
    python -m eval.report --domain D9 --gallery            # + the newest test run's gallery
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from anomalyclaw._console import cli_console
from anomalyclaw.errors import AnomalyClawError, InputError


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m eval.report", description=__doc__.splitlines()[0])
    p.add_argument("--domain", required=True, help="domain code, e.g. D9")
    p.add_argument("--versions", type=int, nargs="+", help="versions to compare (default: all stored)")
    p.add_argument("--out", type=Path, default=Path("out") / "reports", help="folder for the HTML file")
    p.add_argument("--db", help="run store URL (default: ANOMALYCLAW_DB_URL, else "
                   "$ANOMALYCLAW_HOME/anomalyclaw.db)")
    p.add_argument("--top", type=int, default=6, help="how many most-disagreeing items to show")
    p.add_argument("--no-wandb", action="store_true", help="do not build or save the W&B Report")
    p.add_argument("--no-images", action="store_true", help="do not load the domain to embed query images")
    p.add_argument("--gallery", nargs="?", const="newest", metavar="RUN_ID",
                   help="append this run's evidence cards (no id: the domain's newest test run)")
    p.add_argument("--gallery-max", type=int, help="cards for the N highest-scoring items only (all: None)")
    return p


def _images(code: str, data_source: str | None) -> dict[str, Path]:
    """Item id → query image path, from the domain the runs were scored on (empty if unavailable)."""
    from anomalyclaw.data import load_domain

    try:
        dom = load_domain(code, data=data_source if data_source in ("real", "proxy") else "auto")
    except AnomalyClawError:  # no data here (e.g. real images elsewhere): the report goes without pictures
        return {}
    return {i.item_id: Path(i.query_path) for i in dom.items}


def _gallery(store: Any, code: str, run_id: str, *, images: bool, max_items: int | None) -> str:
    """The gallery section for ``run_id`` ('newest': the domain's newest test run with records)."""
    from eval._gallery_data import build_gallery
    from eval._gallery_html import gallery_section

    runs = [r for r in store.runs(code) if r.n_records > 0]
    if run_id == "newest":
        tests = [r for r in runs if r.split == "test" and r.config.get("purpose", "eval") != "evolve"]
        if not tests:
            raise InputError(f"{code}: no stored test run to show in the gallery",
                             hint=f"python -m anomalyclaw.run --domain {code} --split test")
        run_id = tests[0].run_id
    elif run_id not in {r.run_id for r in runs}:
        recent = ", ".join(r.run_id for r in runs[:5]) or "none"
        raise InputError(f"{code}: no run {run_id!r} with records; recent runs of {code}: {recent}")
    return gallery_section(build_gallery(store, run_id, images=images, heat=images, max_items=max_items))


def write_report(code: str, versions: Sequence[int] | None, out: Path, *, db_url: str | None = None,
                 top: int = 6, images: bool = True, gallery: str | None = None,
                 gallery_max: int | None = None) -> Path:
    """Gather, render and write the report; returns the HTML path.

    Args:
        gallery: a run id, or 'newest', to append that run's evidence cards; None: no gallery.
        gallery_max: cards for the highest-scoring N items only.
    """
    from db import Store
    from eval._report_data import gather
    from eval._report_html import render_html

    store = Store(db_url)
    data = gather(store, code, list(versions) if versions else None, top=top)
    source = next((v.data_source for v in data.versions if v.data_source), None)
    pics = _images(code, source) if images and data.disagreements else {}
    out.mkdir(parents=True, exist_ok=True)
    tag = "-".join(f"v{v.version}" for v in data.versions) if len(data.versions) <= 6 else "all"
    path = out / f"report-{code}-{tag}.html"
    html = render_html(data, pics)
    if gallery is not None:
        section = _gallery(store, code, gallery, images=images, max_items=gallery_max)
        html = html.replace("</body>", section + "\n</body>", 1)
    path.write_text(html, encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; 0 ok, 2 bad input."""
    args = build_parser().parse_args(argv)
    console = cli_console(stderr=True)
    try:
        from anomalyclaw.userdata import resolve_domain_code

        code = resolve_domain_code(args.domain, args.db)
        path = write_report(code, args.versions, args.out, db_url=args.db,
                            top=args.top, images=not args.no_images, gallery=args.gallery,
                            gallery_max=args.gallery_max)
    except AnomalyClawError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return exc.exit_code
    _wandb_report(code, args, console)
    print(path.resolve())
    return 0


def _wandb_report(code: str, args: argparse.Namespace, console: Console) -> None:
    """Build the W&B Report; save it when W&B is online (a failure there never loses the HTML report)."""
    from db import Store
    from eval._report_data import gather
    from eval._wandb_report import build_wandb_report, save_wandb_report
    from eval.tracking import configure_wandb_env, wandb_disabled

    if getattr(args, "no_wandb", False) or wandb_disabled() or configure_wandb_env() == "offline":
        console.print("[dim]W&B Report not saved (W&B offline or disabled); the HTML report is complete[/]")
        return
    try:
        report = build_wandb_report(gather(Store(args.db), code, args.versions, top=args.top))
        console.print(f"W&B Report: {save_wandb_report(report)}")
    except ImportError:
        console.print("[yellow]W&B Report skipped: pip install 'anomalyclaw[report]' (wandb-workspaces)[/]")
    except Exception as exc:  # noqa: BLE001 — the server's answer must not cost the user the HTML report
        console.print(f"[yellow]W&B Report not saved: {type(exc).__name__}: {str(exc)[:200]}[/]")


if __name__ == "__main__":
    sys.exit(main())

"""Table 1 for people and for files: rich terminal tables, Markdown, CSV and JSON.

Everything here formats a :class:`~eval._table1_core.Table1Result`; nothing computes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rich.console import Console
from rich.table import Table

from eval._table1_core import DomainRow, Estimate, Table1Result, Table1Row

__all__ = ["dropped_line", "print_table1", "to_markdown", "write_outputs"]

_HEAD = ("Run", "Rows", "Direct", "Refutation", "AnomalyClaw", "Δ pp [95% CI]", "P(Δ>0)")
_DOMAIN_HEAD = ("Domain", "n (anom.)", "Direct", "Refutation", "AnomalyClaw", "Δ pp")


def _auc(e: Estimate) -> str:
    if e.value is None:
        return "—"
    ci = f" [{e.low:.3f}, {e.high:.3f}]" if e.low is not None and e.high is not None else ""
    return f"{e.value:.3f}{ci}"


def _delta(e: Estimate) -> str:
    if e.value is None:
        return "—"
    ci = f" [{e.low:.2f}, {e.high:.2f}]" if e.low is not None and e.high is not None else ""
    return f"{e.value:+.2f}{ci}"


def _p(e: Estimate) -> str:
    return "—" if e.p_positive is None else f"{e.p_positive:.3f}"


def _opt(x: float | None, fmt: str) -> str:
    return "—" if x is None else format(x, fmt)


def _cells(row: Table1Row) -> tuple[str, ...]:
    return (row.name, f"{row.n_kept:,}", _auc(row.direct), _auc(row.refutation), _auc(row.anomalyclaw),
            _delta(row.delta_pp), _p(row.delta_pp))


def _domain_cells(d: DomainRow) -> tuple[str, ...]:
    return (d.domain, f"{d.n} ({d.n_anomalous})", _opt(d.direct, ".3f"), _opt(d.refutation, ".3f"),
            _opt(d.anomalyclaw, ".3f"), _opt(d.delta_pp, "+.2f"))


def _caption(result: Table1Result) -> str:
    boot = (f"{result.level:.0%} CIs: paired per-domain bootstrap, B = {result.n_boot}, seed {result.seed}"
            if result.n_boot else "no bootstrap (B = 0)")
    blend = f"AnomalyClaw = {result.alpha:g}·Direct + {1 - result.alpha:g}·Refutation"
    return f"{blend} · Δ = AnomalyClaw − Direct · {boot}"


def dropped_line(row: Table1Row) -> str:
    """One line saying how many rows a run kept, and why the others were dropped."""
    n_drop = row.n_records - row.n_kept
    why = ", ".join(f"{reason}: {count:,}" for reason, count in row.dropped.items())
    tail = f"dropped {n_drop:,} ({why})" if n_drop else "dropped none"
    return f"{row.name}: kept {row.n_kept:,} of {row.n_records:,} rows in {row.n_domains} domains; {tail}"


def print_table1(result: Table1Result, *, per_domain: bool = False, console: Console | None = None) -> None:
    """Print Table 1 (and optionally each run's per-domain table) with rich."""
    console = console or Console()
    table = Table(title="Table 1 — anomaly detection, macro AUROC", caption=_caption(result))
    for i, head in enumerate(_HEAD):
        table.add_column(head, justify="left" if i == 0 else "right")
    for row in result.rows:
        table.add_row(*_cells(row))
    console.print(table)
    for row in result.rows:
        console.print(dropped_line(row), highlight=False)
        for note in row.notes:
            console.print(f"  [yellow]note[/yellow] {note}", highlight=False)
    if per_domain:
        for row in result.rows:
            dt = Table(title=f"Per domain — {row.name}")
            for i, head in enumerate(_DOMAIN_HEAD):
                dt.add_column(head, justify="left" if i == 0 else "right")
            for d in row.per_domain:
                dt.add_row(*_domain_cells(d))
            console.print(dt)


def _md_table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    esc = [[c.replace("|", "\\|") for c in r] for r in [head, *rows]]
    lines = ["| " + " | ".join(esc[0]) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in esc[1:]]
    return "\n".join(lines)


def to_markdown(result: Table1Result, *, per_domain: bool = False) -> str:
    """Table 1 as Markdown, with the kept/dropped lines and, optionally, per-domain tables."""
    parts = ["# Table 1 — anomaly detection, macro AUROC", "",
             _md_table(_HEAD, [_cells(r) for r in result.rows]), "", _caption(result), ""]
    parts += [f"- {dropped_line(r)}" for r in result.rows]
    parts += [f"- note ({r.name}): {n}" for r in result.rows for n in r.notes]
    if per_domain:
        for r in result.rows:
            parts += ["", f"## Per domain — {r.name}", "",
                      _md_table(_DOMAIN_HEAD, [_domain_cells(d) for d in r.per_domain])]
    return "\n".join(parts) + "\n"


def _csv(header: list[str], rows: list[list[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in r] for r in rows)
    return buf.getvalue()


def _summary_csv(result: Table1Result) -> str:
    header = ["name", "origin", "n_records", "n_kept", "dropped", "n_domains"]
    for s in ("direct", "refutation", "anomalyclaw", "delta_pp"):
        header += [s, f"{s}_low", f"{s}_high"]
    header.append("p_delta_positive")
    rows = []
    for r in result.rows:
        row: list[object] = [r.name, r.origin, r.n_records, r.n_kept,
                             "; ".join(f"{k}: {v}" for k, v in r.dropped.items()), r.n_domains]
        for e in (r.direct, r.refutation, r.anomalyclaw, r.delta_pp):
            row += [e.value, e.low, e.high]
        rows.append([*row, r.delta_pp.p_positive])
    return _csv(header, rows)


def _domain_csv(result: Table1Result) -> str:
    header = ["name", "domain", "n", "n_anomalous", "direct", "refutation", "anomalyclaw", "delta_pp"]
    rows = [[r.name, d.domain, d.n, d.n_anomalous, d.direct, d.refutation, d.anomalyclaw, d.delta_pp]
            for r in result.rows for d in r.per_domain]
    return _csv(header, rows)


def write_outputs(result: Table1Result, out_dir: Path, *, per_domain: bool = False) -> list[Path]:
    """Write ``table1.md``, ``table1.csv``, ``table1_per_domain.csv`` and ``table1.json``.

    Returns:
        The paths written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "table1.md": to_markdown(result, per_domain=per_domain),
        "table1.csv": _summary_csv(result),
        "table1_per_domain.csv": _domain_csv(result),
        "table1.json": result.model_dump_json(indent=2) + "\n",
    }
    paths = []
    for name, text in files.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths

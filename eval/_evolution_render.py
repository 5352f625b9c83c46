"""Rich rendering of the store-based Table 1 (:mod:`eval._evolution_table`); nothing computes here."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from eval._evolution_table import DIRECT, EVOLVED, PAIRS, SEED, EvoTable
from eval._table1_core import Estimate

__all__ = ["print_evolution_tables"]

_NAMES = {DIRECT: "Direct", SEED: "AnomalyClaw w/o evolution", EVOLVED: "AnomalyClaw with evolution"}
_SHORT = {DIRECT: "Direct", SEED: "w/o evo", EVOLVED: "with evo"}


def _auc(e: Estimate | None) -> str:
    if e is None or e.value is None:
        return "—"
    return f"{e.value:.3f}" + (f" [{e.low:.3f}, {e.high:.3f}]" if e.low is not None else "")


def _dpp(e: Estimate | None) -> str:
    if e is None or e.value is None:
        return "—"
    return f"{e.value:+.2f}" + (f" [{e.low:+.2f}, {e.high:+.2f}]" if e.low is not None else "")


def _opt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _pp(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None else f"{100 * (a - b):+.2f}"


def render(t: EvoTable) -> Table:
    """One rich table: a row per domain, then the macro row with CIs and P(Δ>0)."""
    tab = Table(title=f"Table 1 · backend={t.backend} model={t.model} · data={t.data_source}",
                caption=f"AnomalyClaw = {t.alpha:g}·Direct + {1 - t.alpha:g}·Refutation · Direct = the "
                        f"seed run's Direct branch · Δ in pp, paired bootstrap 95% CI (B = {t.n_boot})"
                        " · failures = highest malformed-output or fallback rate of a branch")
    tab.add_column("Domain")
    tab.add_column("n (anom.)", justify="right")
    tab.add_column("v", justify="right")
    for s in (DIRECT, SEED, EVOLVED):
        tab.add_column(_NAMES[s], justify="right")
    for a, b in PAIRS:
        tab.add_column(f"Δ {_SHORT[a]} − {_SHORT[b]}", justify="right")
    tab.add_column("failures", justify="right")
    for d in t.domains:
        fail = f"{d.worst_failure:.0%}" if not d.failure_notes else f"[red]{d.worst_failure:.0%}[/]"
        tab.add_row(d.domain, f"{d.n} ({d.n_anomalous})", f"v{d.version}",
                    *(_opt(d.aurocs[s]) for s in (DIRECT, SEED, EVOLVED)),
                    *(_pp(d.aurocs[a], d.aurocs[b]) for a, b in PAIRS), fail)
    if t.macro:
        tab.add_section()
        tab.add_row("macro", str(sum(d.n for d in t.domains)), "",
                    *(_auc(t.macro.get(s)) for s in (DIRECT, SEED, EVOLVED)),
                    *(_dpp(t.deltas_pp.get(f"{a} - {b}")) for a, b in PAIRS), "")
        p = t.deltas_pp.get(f"{EVOLVED} - {SEED}")
        if p is not None and p.p_positive is not None:
            tab.caption += f" · P(with > w/o) = {p.p_positive:.3f}"
    return tab


def print_evolution_tables(tables: list[EvoTable], console: Console) -> None:
    """Print each table, then its notes (missing runs, one-class domains)."""
    for t in tables:
        console.print(render(t))
        for n in t.notes:
            console.print(f"  [dim]note: {n}[/]", highlight=False)
        for d in t.domains:
            for n in d.failure_notes:
                console.print(f"  [red]{d.domain}: {n}, above the 20% bound: its AUROC is not trustworthy[/]",
                              highlight=False)

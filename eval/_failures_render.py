"""Failure accounting as a rich table, with the bound breaches spelled out in red."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from eval.failures import DEFAULT_BOUND, BranchFailures

COLUMNS = ("domain", "branch", "model", "calls", "malformed", "fallback", "retries", "timeouts",
           "ctx overflow", "constant")


def failure_table(rows: Sequence[tuple[str, BranchFailures]], bound: float = DEFAULT_BOUND,
                  title: str = "model failures per branch") -> tuple[Table, list[str]]:
    """The table of (domain, branch failures) rows and one red warning line per breach of ``bound``."""
    table = Table(title=title)
    for col in COLUMNS:
        table.add_column(col, justify="left" if col in ("domain", "branch", "model") else "right")
    warnings = []
    for domain, f in rows:
        over = f.over(bound)
        style = "red" if over else None
        cells = (domain, f.branch, f.model, str(f.calls), f"{f.malformed_rate:.0%}", f"{f.fallback_rate:.0%}",
                 str(f.retries), str(f.timeouts), str(f.context_overflows), "yes" if f.degenerate else "no")
        table.add_row(*cells, style=style)
        if over:
            warnings.append(f"[red]{domain} {f.branch} ({f.model}): {', '.join(over)}, above the "
                            f"{bound:.0%} bound; its AUROC is not trustworthy[/]")
    return table, warnings

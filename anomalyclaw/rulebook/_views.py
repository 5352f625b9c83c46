"""Rich tables for the rulebook CLI: what a person reads; nothing here touches the store's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from anomalyclaw.rulebook._diff import diff_rulebooks
from anomalyclaw.rulebook._types import PolicyCondition, Rule, Rulebook
from anomalyclaw.rulebook._version import RulebookVersion

if TYPE_CHECKING:
    from db import Store

_STATUS_STYLE = {"seed": "cyan", "accepted": "green", "rejected": "red", "active": "green", "retired": "dim"}


def _cond(c: PolicyCondition | None) -> str:
    if c is None:
        return ""
    amount = f" {c.amount:g}" if c.action in ("shift_score", "set_alpha") else ""
    return f"per {c.target}: {c.feature} {c.op} {c.threshold:g} => {c.action}{amount}"


def _evidence(v: RulebookVersion) -> str:
    e = {k: val for k, val in v.evidence.items() if k not in ("rollback_to", "import")}  # the note says it
    before, after = e.get("proxy_before"), e.get("proxy_after")
    if isinstance(before, int | float) and isinstance(after, int | float):
        return f"proxy {before:.3f} → {after:.3f}"
    return ", ".join(f"{k}={val}" for k, val in list(e.items())[:3] if not isinstance(val, dict | list))


def domains_table(console: Console, store: Store, seeds: dict[str, str]) -> None:
    """One row per domain: versions, current version, rule counts; seeds not imported yet too.

    Args:
        console: where to print.
        store: the store.
        seeds: domain → name of every seed file (shown as 'not imported' until first use).
    """
    t = Table(title=f"rulebooks in {store!r}")
    for col in ("domain", "name", "current", "active rules", "versions", "accepted", "rejected"):
        t.add_column(col, justify="left" if col in ("domain", "name") else "right")
    stored = store.domains()
    for d in [*seeds, *(x for x in stored if x not in seeds)]:
        if d not in stored:
            t.add_row(d, Text(seeds[d]), Text("seed file, not imported yet", style="dim"), "", "0", "", "")
            continue
        vs = store.list_versions(d)
        cur = max((v for v in vs if v.status in ("seed", "accepted")), key=lambda v: v.version, default=None)
        t.add_row(d, Text(store.domain_name(d) or seeds.get(d, "")), f"v{cur.version}" if cur else "-",
                  str(cur.n_active) if cur else "-", str(len(vs)),
                  str(sum(v.status == "accepted" for v in vs)), str(sum(v.status == "rejected" for v in vs)))
    console.print(t)


def versions_table(console: Console, domain: str, versions: list[RulebookVersion]) -> None:
    """Every version of one domain."""
    t = Table(title=f"{domain}: rulebook versions")
    for col in ("version", "parent", "status", "created (UTC)", "backend / model", "active", "rules",
                "deltas", "evidence / note"):
        t.add_column(col)
    for v in versions:
        who = " / ".join(x for x in (v.backend, v.model) if x)
        t.add_row(f"v{v.version}", "-" if v.parent is None else f"v{v.parent}",
                  Text(v.status, style=_STATUS_STYLE[v.status]), f"{v.created_at:%Y-%m-%d %H:%M:%S}",
                  Text(who),
                  str(v.n_active), str(v.n_rules), str(v.n_deltas),
                  Text("; ".join(x for x in (_evidence(v), v.note or "") if x)))
    console.print(t)


def _rule_row(t: Table, r: Rule, mark: str = "", style: str = "") -> None:
    t.add_row(Text(mark, style=style), r.rule_id, r.kind, Text(r.status, style=_STATUS_STYLE[r.status]),
              Text(r.text), Text(_cond(r.condition), style="dim"))


def show_rulebook(console: Console, rb: Rulebook, meta: RulebookVersion, name: str) -> None:
    """Rules of one version with its metadata line."""
    parent = "" if rb.parent is None else f", parent v{rb.parent}"
    console.print(Text(f"{rb.domain} {name} — v{rb.version} ({meta.status}{parent}), "
                       f"{len(rb.active)} active of {len(rb.rules)} rules", style="bold"))
    t = Table(show_lines=True)
    for col in ("", "id", "kind", "status", "text", "condition"):
        t.add_column(col)
    for r in rb.rules:
        _rule_row(t, r)
    console.print(t)


def show_diff(console: Console, old: Rulebook, new: Rulebook) -> None:
    """Rules added, edited (old text → new text) and retired from ``old`` to ``new``."""
    before = {r.rule_id: r for r in old.rules}
    deltas = diff_rulebooks(old, new)
    t = Table(title=f"{old.domain}: v{old.version} → v{new.version}", show_lines=True)
    for col in ("", "id", "kind", "status", "text", "condition"):
        t.add_column(col)
    for d in deltas:
        if d.op == "add" and d.rule is not None:
            _rule_row(t, d.rule, "added", "green")
        elif d.op == "retire":
            _rule_row(t, before[d.rule_id].model_copy(update={"status": "retired"}), "retired", "red")
        elif d.rule is not None:
            p, r = before[d.rule_id], d.rule
            text = Text(p.text, style="strike dim") + Text("\n→ ") + Text(r.text) if p.text != r.text \
                else Text(r.text)
            t.add_row(Text("edited", style="yellow"), d.rule_id, r.kind,
                      Text(r.status, style=_STATUS_STYLE[r.status]), text,
                      Text(_cond(r.condition), style="dim"))
    if deltas:
        console.print(t)
    console.print(f"{len(deltas)} change(s) between v{old.version} and v{new.version}")

"""The W&B Report comparing a domain's rulebook versions (wandb-workspaces).

Built from the same :class:`eval._report_data.ReportData` as the HTML report: the version table
(AUROC, threshold, realised FPR and recall, status), the rule-level diffs as Markdown, and panels
over the project's runs of that domain (test AUROC by rulebook version, the label-free proxy per
evolution round). Building needs no network; saving does, so :func:`save_wandb_report` is called
only when W&B is online.
"""

from __future__ import annotations

import os
from typing import Any

from eval._report_data import ReportData

PROJECT = "anomalyclaw"


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _versions_md(data: ReportData) -> str:
    lines = [
        "| version | parent | status | active rules | test run | AUROC | threshold | FPR | recall |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for v in data.versions:
        parent = "—" if v.parent is None else f"v{v.parent}"
        lines.append(
            f"| v{v.version} | {parent} | {v.status} | {len(v.rulebook.active)} | {v.run_id or '—'} | "
            f"{_fmt(v.auroc)} | {_fmt(v.threshold)} | {_fmt(v.realised_fpr)} | {_fmt(v.recall)} |"
        )
    return "\n".join(lines)


def _diffs_md(data: ReportData) -> str:
    parts = []
    for a, b, deltas in data.diffs:
        parts.append(f"**v{a} → v{b}**" + ("" if deltas else ": no rule changes"))
        for d in deltas:
            text = d.rule.text if d.rule else ""
            parts.append(f"- `{d.op}` {d.rule_id}: {text}")
    return "\n".join(parts) or "no diffs (one version)"


def build_wandb_report(data: ReportData, *, project: str | None = None, entity: str | None = None) -> Any:
    """A ``wandb_workspaces.reports.v2.Report`` for ``data`` (not saved).

    Raises:
        ImportError: wandb-workspaces is not installed (``pip install 'anomalyclaw[report]'``).
    """
    import wandb_workspaces.reports.v2 as wr

    project = project or os.environ.get("WANDB_PROJECT", PROJECT)
    entity = entity or os.environ.get("WANDB_ENTITY", "")
    code = data.domain
    runs = wr.Runset(entity=entity, project=project, name=f"{code} runs", query=code)
    panels = [
        wr.BarPlot(
            title=f"test AUROC of {code} by rulebook version",
            metrics=[f"auroc/{code}"],
            groupby="rulebook_version",
        ),
        wr.LinePlot(
            title="label-free proxy per evolution round", x="round", y=["proxy_before", "proxy_after"]
        ),
    ]
    return wr.Report(
        project=project,
        entity=entity,
        title=f"Rulebook versions of {code} — {data.name}",
        description="Rule-level diffs, AUROC and operating point per version, acceptance evidence.",
        blocks=[
            wr.H1(f"Rulebook versions of {code}"),
            wr.P("Every stored version, accepted or rejected by the label-free acceptance test."),
            wr.MarkdownBlock(_versions_md(data)),
            wr.H2("Rule-level diff"),
            wr.MarkdownBlock(_diffs_md(data)),
            wr.H2("Runs"),
            wr.PanelGrid(runsets=[runs], panels=panels),
        ],
    )


def save_wandb_report(report: Any) -> str:
    """Save the report to the W&B server; its URL."""
    report.save()
    return str(report.url)

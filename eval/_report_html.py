"""A self-contained HTML page from :class:`eval._report_data.ReportData`: inline CSS, inline SVG
histograms, query images as base64 PNG data URIs (so the file can be mailed or archived alone)."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Mapping
from html import escape
from pathlib import Path

from eval._report_data import ReportData, VersionView

CSS = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;background:#fff}
h1{font-size:1.6em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;
vertical-align:top}th{background:#f2f2f2}.add{background:#e6ffe6}.edit{background:#fff7d6}
.retire{background:#ffe6e6}.bad{color:#b00;font-weight:bold}
.note{color:#666}.cards{display:flex;flex-wrap:wrap;gap:1em}
.card{border:1px solid #ccc;padding:.5em;width:200px}
.card img{width:200px;height:auto;display:block}pre{white-space:pre-wrap;background:#f7f7f7;padding:.5em}"""

_BINS = 10


def _hist_svg(v: VersionView) -> str:
    """Score histogram, stacked by label when labels exist (bars: normal grey, anomalous red)."""
    w, h, pad = 320, 140, 20
    groups = {"all": list(v.scores.values())}
    if v.labels:
        groups = {"normal": [s for i, s in v.scores.items() if v.labels.get(i) == 0],
                  "anomalous": [s for i, s in v.scores.items() if v.labels.get(i) == 1]}
    counts = {g: [0] * _BINS for g in groups}
    for g, ss in groups.items():
        for s in ss:
            counts[g][min(_BINS - 1, max(0, int(s * _BINS)))] += 1
    legend = " / ".join(f"{g} n={len(s)}" for g, s in groups.items())
    peak = max([sum(c[b] for c in counts.values()) for b in range(_BINS)] + [1])
    bw = (w - 2 * pad) / _BINS
    colours = {"all": "#4a78c2", "normal": "#9a9a9a", "anomalous": "#d9534f"}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h + 20}" role="img" '
             f'aria-label="score histogram v{v.version}">',
             f'<line x1="{pad}" y1="{h}" x2="{w - pad}" y2="{h}" stroke="#333"/>']
    for b in range(_BINS):
        y = h
        for g in groups:
            bar = (h - pad) * counts[g][b] / peak
            if bar:
                parts.append(f'<rect x="{pad + b * bw + 1:.1f}" y="{y - bar:.1f}" width="{bw - 2:.1f}" '
                             f'height="{bar:.1f}" fill="{colours[g]}"/>')
            y -= bar
    parts += [f'<text x="{pad}" y="{h + 14}" font-size="10">0</text>',
              f'<text x="{w - pad - 6}" y="{h + 14}" font-size="10">1</text>',
              f'<text x="{pad}" y="12" font-size="10">{escape(legend)}</text>', "</svg>"]
    return "".join(parts)


def _img_uri(path: Path, side: int = 200) -> str | None:
    try:
        from PIL import Image

        with Image.open(path) as im:
            im = im.convert("RGB")
            im.thumbnail((side, side))
            buf = io.BytesIO()
            im.save(buf, format="PNG")
    except (OSError, ValueError):  # unreadable image: the card shows no picture
        return None
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _failures(rows: list[dict]) -> str:
    """Per branch: malformed / fallback rates; a branch over the bound in red with what is wrong."""
    cells = []
    for f in rows:
        text = (f"{escape(f['branch'])}: {f['malformed_rate']:.0%} malformed, "
                f"{f['fallback_rate']:.0%} fallback")
        if f["over"]:
            text = f"<span class='bad'>{text} ({escape(', '.join(f['over']))})</span>"
        cells.append(text)
    return "<br>".join(cells) or "—"


def render_html(data: ReportData, images: Mapping[str, Path] | None = None) -> str:
    """The report page (see the module docstring); ``images``: item id → query image path."""
    images = images or {}
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>Rulebook report {escape(data.domain)}"
           f"</title><style>{CSS}</style></head><body>",
           f"<h1>Rulebook versions of {escape(data.domain)} — {escape(data.name)}</h1>"]
    sources = sorted({v.data_source for v in data.versions if v.data_source})
    if sources:
        out.append(f"<p class='note'>data_source: {escape(', '.join(sources))}</p>")
    out.append("<h2>AUROC with each version</h2><table><tr><th>version</th><th>parent</th><th>status</th>"
               "<th>active rules</th><th>test run</th><th>items</th><th>AUROC</th><th>threshold</th>"
               "<th>FPR at it</th><th>recall at it</th><th>model failures</th></tr>")
    for v in data.versions:
        out.append(f"<tr><td>v{v.version}</td><td>{'—' if v.parent is None else f'v{v.parent}'}</td>"
                   f"<td>{escape(v.status)}</td><td>{len(v.rulebook.active)}</td>"
                   f"<td>{escape(v.run_id or '—')}</td><td>{len(v.scores)}</td><td>{_fmt(v.auroc)}</td>"
                   f"<td>{_fmt(v.threshold)}</td><td>{_fmt(v.realised_fpr)}</td><td>{_fmt(v.recall)}</td>"
                   f"<td>{_failures(v.failures)}</td></tr>")
    out.append("</table>")
    out.append("<h2>Score distributions</h2><div class='cards'>")
    for v in data.versions:
        if v.scores:
            out.append(f"<div><b>v{v.version}</b><br>{_hist_svg(v)}</div>")
    out.append("</div>")
    out.append("<h2>Rule-level diff</h2>")
    for a, b, deltas in data.diffs:
        out.append(f"<h3>v{a} → v{b}</h3>")
        if not deltas:
            out.append("<p class='note'>no rule changes</p>")
            continue
        out.append("<table><tr><th>op</th><th>rule</th><th>text</th><th>condition</th></tr>")
        for d in deltas:
            text = d.rule.text if d.rule else ""
            cond = d.rule.condition.model_dump_json() if d.rule and d.rule.condition else ""
            out.append(f"<tr class='{escape(d.op)}'><td>{escape(d.op)}</td><td>{escape(d.rule_id)}</td>"
                       f"<td>{escape(text)}</td><td><code>{escape(cond)}</code></td></tr>")
        out.append("</table>")
    out.append("<h2>Acceptance evidence</h2>")
    for v in data.versions:
        acc = v.evidence.get("acceptance") if isinstance(v.evidence, dict) else None
        body = json.dumps(acc if acc is not None else v.evidence, indent=1, default=str)[:4000]
        out.append(f"<h3>v{v.version} ({escape(v.status)})</h3><pre>{escape(body)}</pre>")
    out.append("<h2>Items where the versions disagree most</h2>")
    if data.disagreements:
        first = next(v for v in data.versions if v.scores)
        last = [v for v in data.versions if v.scores][-1]
        out.append(f"<p class='note'>fused score under v{first.version} vs v{last.version}</p>"
                   "<div class='cards'>")
        for d in data.disagreements:
            uri = _img_uri(images[d.item_id]) if d.item_id in images else None
            img = f"<img alt='{escape(d.item_id)}' src='{uri}'>" if uri else "<p class='note'>no image</p>"
            out.append(f"<div class='card'>{img}<b>{escape(d.item_id)}</b><br>label: "
                       f"{'—' if d.label is None else d.label}<br>v{first.version}: {d.score_a:.3f} → "
                       f"v{last.version}: {d.score_b:.3f}</div>")
        out.append("</div>")
    else:
        out.append("<p class='note'>needs test runs at two of the versions</p>")
    if data.notes:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in data.notes) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out)

"""A run's gallery as self-contained HTML: evidence cards sorted by fused score, base64 PNGs inline.

:func:`gallery_section` is a fragment (its own ``<style>`` included) that the rulebook report
appends; :func:`gallery_page` wraps it as a page of its own. No scripts, no external resources.
"""

from __future__ import annotations

import base64
import io
from html import escape

import numpy as np
from PIL import Image

from eval._cards import EvidenceCard
from eval._gallery_data import Gallery
from eval._heat_scale import HeatScale, ramp_css

CSS = """.gal{display:flex;flex-wrap:wrap;gap:12px}
.ev{border:1px solid #bbb;border-radius:4px;padding:8px;width:520px;font-size:12px;background:#fff}
.ev h4{margin:0 0 4px 0;font-size:14px}.ev img{display:inline-block;vertical-align:top;margin:0 4px 4px 0}
.ev table{border-collapse:collapse;margin:4px 0;width:100%;table-layout:fixed}
.ev code{word-break:break-all;font-size:10px}
.ev td,.ev th{border:1px solid #ddd;padding:2px 4px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
.ev th{background:#f4f4f4}.ev .refs img{opacity:.95}
.badge{display:inline-block;padding:1px 6px;border-radius:8px;color:#fff;font-size:11px;margin-left:4px}
.b-anomalous{background:#c9302c}.b-normal{background:#3c8d40}.b-none{background:#888}.b-label{background:#3465a4}
.cap{color:#666;font-size:11px}.legend{display:inline-block;width:240px;height:12px;vertical-align:middle;
border:1px solid #999}.err{color:#c9302c}"""


def png_uri(img: np.ndarray) -> str:
    """A data URI of an (H, W, 3) uint8 image as PNG."""
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _f(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _badge(decision: str | None) -> str:
    if decision in ("anomalous", "normal"):
        return f"<span class='badge b-{decision}'>{decision}</span>"
    return "<span class='badge b-none' title='no operating point for this run'>decision —</span>"


def legend(scale: HeatScale) -> str:
    """The domain's colour ramp with its three anchors (patch-distance units)."""
    return (f"<p class='cap'>Probe heatmaps of {escape(scale.domain)} share one colour scale "
            f"(patch nearest-neighbour distance to normal patches; never rescaled per image): "
            f"{scale.lo:.3f} <span class='legend' style='background:{ramp_css()}'></span> {scale.hi:.3f} "
            f"· darkest = median normal patch, middle = {scale.q99:.3f} (only 1% of normal patches "
            f"exceed it), brightest = twice as far above the median.</p>")


def _img(img: np.ndarray | None, alt: str, title: str = "") -> str:
    if img is None:
        return ""
    return f"<img alt='{escape(alt)}' title='{escape(title or alt)}' src='{png_uri(img)}'>"


def _trail(card: EvidenceCard) -> str:
    if not card.trail:
        return "<p class='cap'>no refutation turns recorded</p>"
    rows = ["<table class='tr'><colgroup><col style='width:7%'><col style='width:17%'><col style='width:18%'>"
            "<col style='width:38%'><col style='width:12%'><col style='width:8%'></colgroup>"
            "<tr><th>turn</th><th>candidate</th><th>tool</th><th>observation</th><th>verdict</th>"
            "<th>score</th></tr>"]
    for t in card.trail:
        tool = escape(t.tool) + (f"<br><code>{escape(t.args)}</code>" if t.args else "")
        verdict = escape(t.verdict) + (f" <span class='cap'>on {escape(t.verdict_on)}</span>" if t.verdict_on
                                       else "")
        obs = escape(t.observation) + (f" <span class='err'>{escape(t.error)}</span>" if t.error else "")
        rows.append(f"<tr><td>{t.turn}</td><td>{escape(t.candidate)}</td><td>{tool or '—'}</td>"
                    f"<td>{obs or '—'}</td><td>{verdict or '—'}</td><td>{_f(t.score)}</td></tr>")
    return "".join(rows) + "</table>"


def card_html(card: EvidenceCard, rank: int) -> str:
    """One card: pictures, scores, decision, candidates and the turn-by-turn trail."""
    label = "" if card.label is None else (f"<span class='badge b-label'>label "
                                           f"{'anomalous' if card.label else 'normal'}</span>")
    head = f"<h4>{rank}. {escape(card.item_id)} {_badge(card.decision)}{label}</h4>"
    pics = _img(card.query, f"{card.item_id} query", "query")
    pics += _img(card.heat, f"{card.item_id} heatmap",
                 f"probe heatmap, domain scale; peak {_f(card.heat_peak)}")
    refs = "".join(_img(r, f"{card.item_id} reference {k}", f"reference {k}")
                   for k, r in enumerate(card.references))
    pics_cap = ("<p class='cap'>query · probe heatmap (domain scale, peak "
                f"{_f(card.heat_peak)})</p>") if card.heat is not None else ""
    if refs:
        pics_cap += f"<div class='refs'>{refs}</div><p class='cap'>references shown to the agent</p>"
    scores = (f"<table><tr><th>Direct</th><th>Refutation</th><th>Fused</th><th>threshold</th>"
              f"<th>decision</th></tr><tr><td>{_f(card.direct)}</td><td>{_f(card.refutation)}</td>"
              f"<td><b>{_f(card.fused)}</b></td><td>{_f(card.threshold)}</td>"
              f"<td>{escape(card.decision or '—')}</td></tr></table>")
    cands = ""
    if card.candidates:
        cands = "<p class='cap'>candidates: " + "; ".join(
            f"#{c.get('index')} {escape(str(c.get('name') or ''))} "
            f"({escape(str(c.get('location_hint') or ''))}) → {escape(str(c.get('verdict') or 'untested'))}"
            for c in card.candidates) + "</p>"
    tail = f"<p class='cap'>episode end: {escape(card.episode_end)}</p>" if card.episode_end else ""
    if card.direct_rationale:
        tail += f"<p class='cap'>Direct: {escape(card.direct_rationale[:300])}</p>"
    if card.error:
        tail += f"<p class='err'>error: {escape(card.error[:300])}</p>"
    tail += "".join(f"<p class='cap'>{escape(n)}</p>" for n in card.notes)
    return (f"<div class='ev' id='card-{escape(card.item_id)}'>{head}{pics}{pics_cap}{scores}{cands}"
            f"{_trail(card)}{tail}</div>")


def gallery_section(g: Gallery) -> str:
    """The gallery as an HTML fragment (a ``<section>`` with its own style)."""
    r = g.run
    meta = (f"{escape(r.domain)} — {escape(g.domain_name)} · split {escape(str(r.split))} · backend "
            f"{escape(str(r.backend))} · model {escape(str(r.model))} · rulebook v{r.rulebook_version} · "
            f"data_source {escape(str(r.data_source))} · {g.n_records} items")
    out = [f"<section id='gallery'><style>{CSS}</style><h2>Run gallery — {escape(r.run_id)}</h2>",
           f"<p class='cap'>{meta}; sorted by fused score, highest first.</p>"]
    if g.scale is not None:
        out.append(legend(g.scale))
    out += [f"<p class='cap'>{escape(n)}</p>" for n in g.notes]
    out.append("<div class='gal'>")
    out += [card_html(c, k + 1) for k, c in enumerate(g.cards)]
    out.append("</div></section>")
    return "\n".join(out)


def gallery_page(g: Gallery) -> str:
    """A page holding only the gallery."""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Gallery {escape(g.run.run_id)}</title>"
            "<style>body{font:14px/1.45 system-ui,sans-serif;margin:1.5em}</style></head><body>"
            f"{gallery_section(g)}</body></html>")

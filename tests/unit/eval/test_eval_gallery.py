"""The run gallery (HTML) from a real policy run: order, decision badges, pictures, the report section,
and a screenshot in headless Chromium when it is installed."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from html_probe import HtmlProbe, parse_html
from PIL import Image

import eval.report
from db import Store
from eval._gallery_data import build_gallery
from eval._gallery_html import gallery_page, gallery_section

pytestmark = pytest.mark.slow  # one real run per session (policy_run)




@pytest.fixture
def home(policy_run, monkeypatch):
    monkeypatch.setenv("ANOMALYCLAW_HOME", str(policy_run.home))
    return policy_run


def _card_ids(p: HtmlProbe) -> list[str]:
    return [a["id"].removeprefix("card-") for t, a in p.tags
            if t == "div" and a.get("id", "").startswith("card-")]


def test_gallery_is_sorted_by_fused_score_with_pictures_and_no_external_resources(home):
    store = Store(home.db_url)
    recs = store.records(home.run_id)
    g = build_gallery(store, home.run_id)
    p = parse_html(gallery_page(g))
    want = [r.item_id for r in sorted(recs, key=lambda r: -r.anomaly_score)]
    assert _card_ids(p) == want
    imgs = [a["src"] for t, a in p.tags if t == "img"]
    assert len(imgs) == 6 * (2 + 4)  # query, heatmap, four references per card
    assert all(s.startswith("data:image/png;base64,") for s in imgs)
    assert not [a for t, a in p.tags if t in ("link", "script")]
    text = " ".join(p.text)
    assert text.count("decision —") == 6  # no operating point on this run
    assert "side_by_side_compare" in text and "not_found" in text and "Refutation" in text
    assert f"{g.scale.q99:.3f}" in text  # the legend states the domain scale


def test_decision_badges_follow_the_records(home, tmp_path):
    src = Store(home.db_url)
    store = Store(f"sqlite:///{tmp_path / 'd.db'}")
    run = src.get_run(home.run_id)
    rid = store.start_run(domain="D9", split="test", backend="policy", model="policy", rulebook_version=0,
                          data_source="proxy", config=run.config)
    recs = src.records(home.run_id)
    for r in recs:
        r.threshold, r.decision = 0.5, "anomalous" if r.anomaly_score >= 0.5 else "normal"
    store.add_records(rid, recs)
    html = gallery_section(build_gallery(store, rid, images=False))
    p = parse_html(html)
    badges = [a["class"].split()[-1] for t, a in p.tags if t == "span" and "badge" in a.get("class", "")
              and "b-label" not in a["class"]]
    want = ["b-anomalous" if r.anomaly_score >= 0.5 else "b-normal"
            for r in sorted(recs, key=lambda r: -r.anomaly_score)]
    assert badges == want and "b-anomalous" in badges and "b-normal" in badges
    assert not [t for t, _ in p.tags if t == "img"]  # images=False: scores and trails only
    assert "0.500" in " ".join(p.text)


def test_report_with_gallery_and_a_bad_run_id(home, tmp_path, capsys):
    out = tmp_path / "rep"
    assert eval.report.main(["--domain", "D9", "--db", home.db_url, "--out", str(out), "--gallery"]) == 0
    (path,) = out.glob("report-D9-*.html")
    p = parse_html(path.read_text())
    assert _card_ids(p)[:1] and len(_card_ids(p)) == 6 and "Run gallery" in " ".join(p.text)
    assert eval.report.main(["--domain", "D9", "--db", home.db_url, "--out", str(out),
                             "--gallery", "D9-nope", "--gallery-max", "2"]) == 2
    err = capsys.readouterr().err
    assert "D9-nope" in err and home.run_id in err and "Traceback" not in err
    capsys.readouterr()
    assert eval.report.main(["--domain", "D9", "--db", home.db_url, "--out", str(out),
                             "--gallery", home.run_id, "--gallery-max", "2"]) == 0
    assert len(_card_ids(parse_html(path.read_text()))) == 2


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")), reason="no Chromium")
def test_gallery_renders_in_headless_chromium(home, tmp_path):
    out = tmp_path / "rep"
    assert eval.report.main(["--domain", "D9", "--db", home.db_url, "--out", str(out), "--gallery"]) == 0
    (path,) = out.glob("report-D9-*.html")
    shot = tmp_path / "shot.png"
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=1100,2600", path.as_uri()], check=True, capture_output=True, timeout=90)
    px = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    legend_rows = np.nonzero(((r > 200) & (g > 60) & (b < 60)).any(1))[0]  # the ramp's orange stop
    assert legend_rows.size, "the heat legend is missing"
    below = px[legend_rows.max() + 5:]  # the cards: grey scans, blue/grey badges, and the heatmaps
    assert below.std() > 20
    warm = (below[..., 0] > 150) & (below[..., 0] - below[..., 2] > 100)
    assert warm.sum() > 100  # hot spots of the anomalous items' heatmaps, drawn on the domain scale

"""``python -m eval.report``: a self-contained HTML page from a real store (seed v0, accepted v1,
test runs at both), checked with an HTML parser and, when Chromium is installed, a screenshot."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from html_probe import parse_html
from PIL import Image

import eval.report
from anomalyclaw.record import Record
from anomalyclaw.rulebook import Rule, RuleDelta
from db import Store


@pytest.fixture
def report(tmp_path, monkeypatch):
    monkeypatch.setenv("ANOMALYCLAW_HOME", str(tmp_path / "home"))
    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = Store(url)
    store.current_rulebook("D9")
    rule = Rule(rule_id="D9-r9001", text="Bright round blobs inside the skull are lesions.",
                kind="normal_variation", scope="D9")
    v1 = store.commit_version("D9", 0, [RuleDelta(op="add", rule_id=rule.rule_id, rule=rule)], accepted=True,
                              evidence={"acceptance": {"proxy_before": 0.61, "proxy_after": 0.68}})
    rng = np.random.default_rng(0)
    y = np.array([0, 1] * 12)
    images = {}
    for i in range(y.size):
        images[f"D9_{i:03d}"] = p = tmp_path / f"q{i}.png"
        Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(p)
    for version, shift in ((0, 0.0), (v1, 0.4)):
        rid = store.start_run(domain="D9", split="test", backend="policy", model="policy",
                              rulebook_version=version, data_source="proxy", config={"purpose": "eval"})
        s = np.clip(0.6 * rng.random(y.size) + shift * y, 0, 1)
        store.add_records(rid, [Record(item_id=k, domain_code="D9", label_gt=int(a), anomaly_score=float(b))
                                for k, a, b in zip(images, y, s, strict=True)])
    monkeypatch.setattr(eval.report, "_images", lambda code, source: images)
    assert eval.report.main(["--domain", "D9", "--db", url, "--out", str(tmp_path / "out")]) == 0
    (path,) = (tmp_path / "out").glob("report-D9-*.html")
    return path, v1


def test_report_is_self_contained_and_shows_diff_auroc_and_images(report):
    path, v1 = report
    html = path.read_text()
    p = parse_html(html)
    text = " ".join(p.text)
    assert "D9-r9001" in text and "add" in text and f"v0 → v{v1}" in text
    assert "0.68" in text  # acceptance evidence
    assert "model failures" in text and "direct: 0% malformed, 100% fallback" in text  # no Direct scores
    imgs = [a["src"] for t, a in p.tags if t == "img"]
    assert len(imgs) == 6 and all(s.startswith("data:image/png;base64,") for s in imgs)
    assert sum(t == "svg" for t, _ in p.tags) == 2  # one histogram per version
    assert not [a for t, a in p.tags if t in ("link", "script")]  # no external resources
    assert html.count("<td>0.") >= 2  # an AUROC per version


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")), reason="no Chromium")
def test_report_renders_in_headless_chromium(report, tmp_path):
    path, _ = report
    shot = tmp_path / "shot.png"
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=1100,1400", path.as_uri()], check=True, capture_output=True, timeout=60)
    px = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert px.std() > 5 and (px < 128).mean() > 0.002  # text and pictures, not a blank page

"""``python -m anomalyclaw.data generate`` / ``sheet`` over an already generated cache."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from anomalyclaw.data._cli import main
from anomalyclaw.images import load_rgb

pytestmark = pytest.mark.slow  # uses the session's generated proxy suite


def test_generate_reports_cached_domains(proxy_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--domain", "D4", "--cache-dir", str(proxy_cache), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "D4: cached" in out and "0 generated" in out


def test_sheet_writes_a_png(proxy_cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.png"
    assert main(["sheet", "--domain", "D7", "--output", str(out), "--rows", "2",
                 "--cache-dir", str(proxy_cache)]) == 0
    img = load_rgb(out)
    assert img.shape == (2 * 160, 4 * 160, 3)
    red = (img[..., 0].astype(int) - img[..., 1]) > 120
    assert red.any()  # mask outlines drawn


def test_module_entry_point_prints_help() -> None:
    res = subprocess.run([sys.executable, "-m", "anomalyclaw.data", "--help"], capture_output=True, text=True,
                         check=False)
    assert res.returncode == 0 and "check" in res.stdout and "generate" in res.stdout

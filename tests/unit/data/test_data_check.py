"""``check`` and ``load_domain`` on a fake real-data root built from the D8 manifest's paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from anomalyclaw.data import DataMissingError, check_domain, load_domain
from anomalyclaw.data._cli import main
from anomalyclaw.data._manifest import entry_paths, upstream_entries
from anomalyclaw.data._paths import resolve_in_root


@pytest.fixture
def d8_root(tmp_path: Path) -> Path:
    """A data root holding every D8 file as a small real PNG/JPEG (the manifest names 180)."""
    root = tmp_path / "data"
    rng = np.random.default_rng(0)
    for raw in entry_paths(upstream_entries("D8")):
        path = resolve_in_root(raw, root)
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(path, format="JPEG")
    return root


def _break_two(root: Path) -> tuple[Path, Path]:
    paths = [resolve_in_root(r, root) for r in entry_paths(upstream_entries("D8"))]
    missing, corrupt = paths[3], paths[7]
    missing.unlink()
    corrupt.write_bytes(b"this is not a jpeg")
    return missing, corrupt


def test_complete_root_checks_clean(d8_root: Path) -> None:
    res = check_domain("D8", d8_root)
    assert res.ok and res.present == res.n_files == 180


def test_missing_and_corrupt_files_are_reported_with_paths(d8_root: Path) -> None:
    missing, corrupt = _break_two(d8_root)
    res = check_domain("D8", d8_root)
    assert not res.ok
    assert res.missing == (str(missing),)
    assert [p.path for p in res.unreadable] == [str(corrupt)]
    assert res.present == 178


def test_deep_check_catches_a_truncated_image(d8_root: Path) -> None:
    path = resolve_in_root(entry_paths(upstream_entries("D8"))[0], d8_root)
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(path, format="PNG")
    path.write_bytes(path.read_bytes()[:-40])  # header intact, data cut short
    deep = check_domain("D8", d8_root, deep=True)
    assert [p.path for p in deep.unreadable] == [str(path)]


def test_cli_check_exit_codes_and_paths(d8_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--domain", "D8", "--data-root", str(d8_root)]) == 0
    missing, corrupt = _break_two(d8_root)
    capsys.readouterr()
    assert main(["check", "--domain", "D8", "--data-root", str(d8_root)]) == 1
    out = capsys.readouterr().out
    assert missing.name in out and corrupt.name in out and "incomplete" in out
    assert main(["check", "--domain", "D13", "--data-root", str(d8_root)]) == 2
    assert main(["check", "--domain", "D8"]) == 2  # no data root anywhere
    assert "ANOMALYCLAW_DATA" in capsys.readouterr().err


def test_auto_uses_real_data_when_complete(d8_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    domain = load_domain("D8", data="auto", data_root=d8_root)
    assert domain.spec.data_source == "real"
    assert {i.data_source for i in domain.items} == {"real"}
    assert "real data" in capsys.readouterr().err


def test_real_mode_refuses_incomplete_data(d8_root: Path) -> None:
    missing, _ = _break_two(d8_root)
    with pytest.raises(DataMissingError, match=missing.name):
        load_domain("D8", data="real", data_root=d8_root)

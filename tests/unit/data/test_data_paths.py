"""Data-root resolution, and refusal of manifest paths that leave the root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from anomalyclaw.data import DataRootError, PathEscapeError, load_domain, resolve_data_root, resolve_in_root


def test_token_path_resolves_inside_root(tmp_path: Path) -> None:
    assert resolve_in_root("{DATA_ROOT}/a/b.png", tmp_path) == tmp_path.resolve() / "a" / "b.png"
    assert resolve_in_root("{DATA_ROOT}//a/b.png", tmp_path) == tmp_path.resolve() / "a" / "b.png"
    assert resolve_in_root("a/b.png", tmp_path) == tmp_path.resolve() / "a" / "b.png"


@pytest.mark.parametrize("raw", ["{DATA_ROOT}/../secret.png", "{DATA_ROOT}/a/../../secret.png",
                                 "/etc/passwd", "../x.png"])
def test_paths_escaping_the_root_are_refused(raw: str, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(PathEscapeError, match="root|absolute"):
        resolve_in_root(raw, root)


def test_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "x.png").write_bytes(b"x")
    os.symlink(outside, root / "link")
    with pytest.raises(PathEscapeError, match="outside the data root"):
        resolve_in_root("{DATA_ROOT}/link/x.png", root)
    (root / "real").mkdir()
    os.symlink(root / "real", root / "inner")  # a symlink that stays inside is fine
    assert resolve_in_root("{DATA_ROOT}/inner/y.png", root) == (root / "real" / "y.png").resolve()


def test_data_root_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resolve_data_root(None) is None
    monkeypatch.setenv("ANOMALYCLAW_DATA", str(tmp_path / "env"))
    assert resolve_data_root(None) == tmp_path / "env"
    assert resolve_data_root(tmp_path / "arg") == tmp_path / "arg"


def test_real_data_without_root_is_a_clear_error() -> None:
    with pytest.raises(DataRootError, match="ANOMALYCLAW_DATA"):
        load_domain("D9", data="real")


def test_root_that_is_a_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(DataRootError, match="not a directory"):
        resolve_data_root(f)

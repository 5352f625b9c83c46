"""Shared fixtures: one small generated proxy suite per test session (D4 and the paired D7)."""

from __future__ import annotations

from pathlib import Path

import pytest

SUITE_CODES = ("D4", "D7")


@pytest.fixture(scope="session")
def proxy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding proxy domains D4 and D7 for seed 0, generated once per session."""
    from anomalyclaw.data.proxy import generate_suite

    cache = tmp_path_factory.mktemp("proxy-cache")
    built = generate_suite(SUITE_CODES, seed=0, cache_dir=cache, workers=1)
    assert all(built.values())
    return cache


@pytest.fixture(autouse=True)
def _no_user_data_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never see the developer's own data root or anomalyclaw home."""
    monkeypatch.delenv("ANOMALYCLAW_DATA", raising=False)
    monkeypatch.setenv("ANOMALYCLAW_HOME", str(tmp_path / "home"))

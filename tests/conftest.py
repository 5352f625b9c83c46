"""Shared test fixtures: where ../shared lives, and a writer for small records folders."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
UPSTREAM_RUN = "qwen35vl27b_v12_test"


def shared_dir() -> Path:
    """``$ANOMALYCLAW_SHARED`` if set, else ``<repo root>/../shared``."""
    env = os.environ.get("ANOMALYCLAW_SHARED")
    return Path(env) if env else REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def upstream_results_dir() -> Path:
    """The shipped Qwen3.5-VL-27B per-item records; skip locally if absent, fail on CI."""
    path = shared_dir() / "upstream" / "results" / UPSTREAM_RUN
    if not path.is_dir():
        msg = f"upstream results not found at {path} (set ANOMALYCLAW_SHARED to the shared folder)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


RecordsWriter = Callable[..., Path]


@pytest.fixture
def write_records(tmp_path: Path) -> RecordsWriter:
    """Write ``{file stem: [record dicts]}`` as ``<stem>.json`` files into a fresh folder."""
    counter = iter(range(1_000_000))

    def write(files: dict[str, Any], name: str | None = None) -> Path:
        folder = tmp_path / (name or f"run{next(counter)}")
        folder.mkdir(parents=True)
        for stem, content in files.items():
            text = content if isinstance(content, str) else json.dumps(content)
            (folder / f"{stem}.json").write_text(text, encoding="utf-8")
        return folder

    return write


def _make_record(item_id: str, domain: str, label: int | None, direct: float | None,
                 refutation: float | None, **extra: Any) -> dict[str, Any]:
    """One record dict in upstream naming."""
    rec: dict[str, Any] = {"item_id": item_id, "domain_code": domain, "label_gt": label,
                           "mode": "anomaly_detection", "direct_score": direct, "v9_score": refutation,
                           "error": None}
    if direct is not None and refutation is not None:
        rec["anomaly_score"] = 0.5 * direct + 0.5 * refutation
    rec.update(extra)
    return rec


@pytest.fixture
def make_record() -> Callable[..., dict[str, Any]]:
    """Factory: ``make_record(item_id, domain, label, direct, refutation, **extra)`` → upstream dict."""
    return _make_record


@pytest.fixture(autouse=True)
def _no_wandb_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands log to W&B by default; tests opt in (tests/unit/eval/test_eval_tracking.py)."""
    monkeypatch.setenv("WANDB_MODE", "disabled")


@pytest.fixture(autouse=True)
def _own_call_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test gets an empty model-call cache, so no answer leaks from one test into another."""
    monkeypatch.setenv("ANOMALYCLAW_CALL_CACHE", str(tmp_path_factory.mktemp("calls")))


class PolicyRun(NamedTuple):
    """A real small run in a temporary home: ``python -m anomalyclaw.run`` (policy backend, proxy D9)."""

    home: Path
    db_url: str
    run_id: str


@pytest.fixture(scope="session")
def policy_run(tmp_path_factory: pytest.TempPathFactory) -> PolicyRun:
    """Six proxy D9 test items scored by the policy backend into a temporary SQLite store.

    The proxy images are copied from the shared cache (``~/.anomalyclaw/cache``, read only) when
    it holds them, else generated; expert indexes are fitted into the temporary home. Tests that
    load the domain again must set ``ANOMALYCLAW_HOME`` to ``home``.
    """
    import shutil

    from anomalyclaw.data.proxy import proxy_dir
    from anomalyclaw.run import main
    from db import Store

    root = tmp_path_factory.mktemp("policy-run")
    home, url = root / "home", f"sqlite:///{root / 'runs.db'}"
    shared = proxy_dir("D9", 0, Path.home() / ".anomalyclaw" / "cache")
    if (shared / "manifest.json").is_file():
        shutil.copytree(shared, proxy_dir("D9", 0, home / "cache"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANOMALYCLAW_HOME", str(home))
        mp.setenv("WANDB_MODE", "disabled")
        code = main(["--domain", "D9", "--data", "proxy", "--max-normals", "8", "--split", "test",
                     "--backend", "policy", "--limit", "6", "--out", str(root / "out"), "--db", url,
                     "--no-threshold"])
    assert code == 0
    (run,) = Store(url).runs("D9")
    return PolicyRun(home, url, run.run_id)

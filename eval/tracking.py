"""Experiment tracking behind one small protocol: W&B when wanted, a no-op otherwise.

Every ``run``, ``evolve`` and ``table1`` goes through a :class:`Tracker` from :func:`make_tracker`.
The no-op tracker costs nothing (tests, ``--no-wandb``, ``WANDB_DISABLED`` / ``WANDB_MODE=disabled``).
The W&B tracker logs the run config, per-item tables, per-domain AUROC (labelled records only),
evolution rounds with their deltas, and each rulebook version as an Artifact ``rulebook-<domain>``
(type ``rulebook``, the exported markdown; alias ``version-N``; metadata: version, parent, status).

Offline by default: with no ``WANDB_API_KEY`` and no netrc entry for the W&B host, the environment
gets ``WANDB_MODE=offline`` (DESIGN.md §6: passing ``mode='offline'`` alone still probes the network).
Runs land in ``<WANDB_DIR>/wandb/offline-run-*``, uploadable later with ``wandb sync``. ``WANDB_DIR``,
``WANDB_DATA_DIR``, ``WANDB_CACHE_DIR`` and ``WANDB_CONFIG_DIR`` default under ``$ANOMALYCLAW_HOME``
(else the working directory); values already set are kept.

Lineage: online, the run that logs a child version uses the parent's artifact as its input, so W&B's
graph mirrors the store's parent → child links. Offline, W&B refuses ``use_artifact``; the parent is
then named in the child's metadata (``parent_artifact``) only.
"""

from __future__ import annotations

import math
import netrc
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from anomalyclaw.record import Record

__all__ = ["NoopTracker", "Tracker", "WandbTracker", "configure_wandb_env", "log_table1", "make_tracker",
           "wandb_disabled"]

PROJECT = "anomalyclaw"
ITEM_COLUMNS = ("item_id", "domain", "split", "label", "anomaly_score", "direct_score", "refutation_score",
                "rulebook_version", "n_turns", "error")


class Tracker(Protocol):
    """Where a command reports what it did (see the module docstring)."""

    def log_config(self, config: Mapping[str, Any]) -> None:
        """Add to the run config (backend, model, domain, rulebook version, data_source, ...)."""

    def log_records(self, records: Sequence[Record], *, key: str = "items") -> None:
        """A per-item table, and per-domain AUROC in the summary when labels exist."""

    def log_table(self, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Any table (rounds, Table 1)."""

    def log_metrics(self, metrics: Mapping[str, Any]) -> None:
        """One step of scalar metrics (e.g. one evolution round)."""

    def log_rulebook(self, domain: str, markdown: str, *, version: int, parent: int | None,
                     metadata: Mapping[str, Any] | None = None) -> None:
        """One rulebook version as an Artifact whose input is its parent's."""

    def finish(self) -> None:
        """Close the run (files flushed)."""


class NoopTracker:
    """Does nothing, at no cost."""

    def log_config(self, config: Mapping[str, Any]) -> None:  # noqa: D102
        pass

    def log_records(self, records: Sequence[Record], *, key: str = "items") -> None:  # noqa: D102
        pass

    def log_table(self, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:  # noqa: D102
        pass

    def log_metrics(self, metrics: Mapping[str, Any]) -> None:  # noqa: D102
        pass

    def log_rulebook(self, domain: str, markdown: str, *, version: int, parent: int | None,  # noqa: D102
                     metadata: Mapping[str, Any] | None = None) -> None:
        pass

    def finish(self) -> None:  # noqa: D102
        pass


def wandb_disabled() -> bool:
    """``WANDB_DISABLED`` truthy or ``WANDB_MODE=disabled``."""
    flag = os.environ.get("WANDB_DISABLED", "").strip().lower() in ("1", "true", "yes")
    return flag or os.environ.get("WANDB_MODE", "").strip().lower() == "disabled"


def _has_credentials() -> bool:
    if os.environ.get("WANDB_API_KEY"):
        return True
    host = os.environ.get("WANDB_BASE_URL", "https://api.wandb.ai").split("://")[-1].split("/")[0]
    try:
        return netrc.netrc().authenticators(host) is not None
    except (FileNotFoundError, netrc.NetrcParseError, OSError):  # no or unreadable netrc: no credentials
        return False


def configure_wandb_env() -> str:
    """Set W&B's folders (unless set) and offline mode when no credentials exist; returns the mode."""
    home = os.environ.get("ANOMALYCLAW_HOME")
    base = Path(home) if home else Path.cwd()
    os.environ.setdefault("WANDB_DIR", str(base))
    wdir = Path(os.environ["WANDB_DIR"]) / "wandb"
    dirs = (("WANDB_DATA_DIR", "data"), ("WANDB_CACHE_DIR", "cache"), ("WANDB_CONFIG_DIR", "config"))
    for var, sub in dirs:
        os.environ.setdefault(var, str(wdir / sub))
    wdir.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("WANDB_MODE") and not _has_credentials():
        os.environ["WANDB_MODE"] = "offline"
    os.environ.setdefault("WANDB_SILENT", "true")
    return os.environ.get("WANDB_MODE", "online")


def _domain_aurocs(records: Sequence[Record]) -> dict[str, float]:
    from eval.metrics import OneClassWarning, auroc

    by: dict[str, tuple[list[int], list[float]]] = {}
    for r in records:
        if r.label is not None and r.anomaly_score is not None and r.error is None:
            ys, ss = by.setdefault(r.domain_code, ([], []))
            ys.append(int(r.label))
            ss.append(float(r.anomaly_score))
    out = {}
    for d, (ys, ss) in by.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OneClassWarning)
            a = auroc(ys, ss)
        if math.isfinite(a):
            out[d] = a
    return out


class WandbTracker:
    """A live W&B run (online or offline). Build it with :func:`make_tracker`."""

    def __init__(self, run: Any, mode: str) -> None:
        import wandb

        self._wandb, self.run, self.mode = wandb, run, mode

    def log_config(self, config: Mapping[str, Any]) -> None:  # noqa: D102
        self.run.config.update(dict(config), allow_val_change=True)

    def log_records(self, records: Sequence[Record], *, key: str = "items") -> None:  # noqa: D102
        rows = [[r.item_id, r.domain_code, r.split, r.label, r.anomaly_score, r.direct_score,
                 r.refutation_score, r.rulebook_version, r.n_turns, r.error] for r in records]
        self.log_table(key, ITEM_COLUMNS, rows)
        for d, a in _domain_aurocs(records).items():
            self.run.summary[f"auroc/{d}"] = a

    def log_table(self, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:  # noqa: D102
        self.run.log({key: self._wandb.Table(columns=list(columns), data=[list(r) for r in rows])})

    def log_metrics(self, metrics: Mapping[str, Any]) -> None:  # noqa: D102
        self.run.log(dict(metrics))

    def log_rulebook(self, domain: str, markdown: str, *, version: int, parent: int | None,  # noqa: D102
                     metadata: Mapping[str, Any] | None = None) -> None:
        name = f"rulebook-{domain}"
        parent_ref = f"{name}:version-{parent}" if parent is not None else None
        if parent_ref is not None and self.mode != "offline":
            try:
                self.run.use_artifact(parent_ref)
            except (self._wandb.errors.CommError, ValueError) as exc:  # parent never logged: no input edge
                metadata = {**(metadata or {}), "parent_missing": str(exc)[:200]}
        art = self._wandb.Artifact(name, type="rulebook", metadata={
            **dict(metadata or {}), "domain": domain, "version": version, "parent": parent,
            "parent_artifact": parent_ref})
        with art.new_file(f"{domain}.v{version}.md", mode="w", encoding="utf-8") as f:
            f.write(markdown)
        self.run.log_artifact(art, aliases=["latest", f"version-{version}"])

    def finish(self) -> None:
        """Finish the run and shut W&B's service down: offline, ``run.finish()`` alone can return
        before the service has written the ``.wandb`` log (seen under load)."""
        self.run.finish()
        self._wandb.teardown()


def make_tracker(*, enabled: bool = True, job_type: str, name: str | None = None,
                 config: Mapping[str, Any] | None = None, project: str | None = None) -> Tracker:
    """A W&B tracker, or the no-op one when disabled (flag or environment).

    Args:
        enabled: False for ``--no-wandb``.
        job_type: 'run' | 'evolve' | 'table1' | 'report'.
        name: run name shown in W&B.
        config: initial run config.
        project: W&B project (``WANDB_PROJECT`` or 'anomalyclaw').
    """
    if not enabled or wandb_disabled():
        return NoopTracker()
    mode = configure_wandb_env()
    import wandb

    run = wandb.init(project=project or os.environ.get("WANDB_PROJECT", PROJECT), job_type=job_type,
                     name=name, config=dict(config or {}), reinit="create_new",
                     settings=wandb.Settings(console="off", silent=True, save_code=False))
    return WandbTracker(run, mode)


def log_table1(tables: Sequence[Any], *, enabled: bool = True) -> None:
    """Log store-based Table 1 results (:class:`eval._evolution_table.EvoTable`) as one W&B table."""
    tracker = make_tracker(enabled=enabled, job_type="table1", name="table1")
    cols = ("backend", "model", "data_source", "domain", "n", "version", "direct", "without_evolution",
            "with_evolution")
    rows = []
    for t in tables:
        for d in t.domains:
            rows.append([t.backend, t.model, t.data_source, d.domain, d.n, d.version,
                         *(d.aurocs.get(s) for s in cols[-3:])])
        if t.macro:
            rows.append([t.backend, t.model, t.data_source, "macro", sum(d.n for d in t.domains), None,
                         *(t.macro[s].value if s in t.macro else None for s in cols[-3:])])
    tracker.log_table("table1", cols, rows)
    tracker.finish()

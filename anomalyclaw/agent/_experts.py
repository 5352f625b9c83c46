"""Fit (or load from a cache) a domain's expert probes on its pool of normal images."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anomalyclaw.data import Domain
from anomalyclaw.errors import InputError
from anomalyclaw.images import load_rgb

MIN_NORMALS = 2


def default_cache_dir() -> Path:
    """``$ANOMALYCLAW_HOME/cache/experts`` (default ``~/.anomalyclaw/cache/experts``)."""
    from anomalyclaw.data._paths import home_dir

    return home_dir() / "cache" / "experts"


def fit_experts(
    domain: Domain,
    *,
    max_side: int = 512,
    cache_dir: Path | None = None,
    device: str = "auto",
    max_normals: int | None = None,
) -> Any:
    """``tools.DomainExperts`` for the domain's normal pool, loaded from ``cache_dir`` when built before.

    The index is keyed by the pixels of the normals (``DomainExperts.load_or_fit``), so a
    changed pool never reuses a stale index. ``max_normals`` takes the first N of the pool
    (its order carries no label), for quick runs on a CPU.

    Raises:
        InputError: the domain has fewer than two normal images.
    """
    import tools

    if len(domain.normal_pool) < MIN_NORMALS:
        raise InputError(
            f"domain {domain.spec.code} has {len(domain.normal_pool)} normal images; "
            f"the expert probes need at least {MIN_NORMALS}"
        )
    pool = domain.normal_pool[:max_normals] if max_normals else domain.normal_pool
    normals = [load_rgb(p, max_side) for p in pool]
    return tools.DomainExperts.load_or_fit(normals, cache_dir or default_cache_dir(), device=device)

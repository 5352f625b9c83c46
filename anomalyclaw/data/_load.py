"""``load_domain``: one entry point for real data, the embedded proxy, or whichever is available.

``data='auto'`` (the default) uses real images when every file the domain's manifest names
exists under the data root, and the proxy otherwise; either way it prints one banner line
to stderr so that nobody mistakes proxy numbers for real ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from rich.console import Console

from anomalyclaw.data._check import real_present
from anomalyclaw.data._errors import DataError, DataMissingError
from anomalyclaw.data._manifest import (
    DOMAIN_CODES,
    build_domain,
    normalize_code,
    upstream_entries,
    upstream_spec,
)
from anomalyclaw.data._paths import ENV_DATA, require_data_root, resolve_data_root
from anomalyclaw.data._types import Domain
from anomalyclaw.data.proxy import load_proxy

DataChoice = Literal["auto", "real", "proxy"]


def load_real(code: str, data_root: Path | str | None = None) -> Domain:
    """A real domain from its shipped manifest, with every image file present.

    Raises:
        DataRootError: no data root configured or it does not exist.
        DataMissingError: some files are missing (the first one is named).
        PathEscapeError: a manifest path leaves the root.
    """
    code = normalize_code(code)
    root = require_data_root(data_root)
    domain = build_domain(upstream_spec(code), upstream_entries(code), root)
    missing = [p for i in domain.items for p in (i.query_path, *i.ref_paths) if not p.is_file()]
    if missing:
        raise DataMissingError(
            f"{code}: {len(set(missing))} image files missing under {root}, e.g. {missing[0]}",
            hint=f"run: python -m anomalyclaw.data check --domain {code} --data-root {root}")
    return domain


def load_domain(code: str, *, data: DataChoice = "auto", data_root: Path | str | None = None,
                seed: int = 0, cache_dir: Path | None = None, db_url: str | None = None) -> Domain:
    """Load one benchmark domain as real data or as its embedded proxy.

    Args:
        code: 'D1'..'D12' (case-insensitive).
        data: 'real' (fail if images are missing), 'proxy', or 'auto' (real when complete,
            else proxy, with a one-line banner on stderr).
        data_root: folder that ``{DATA_ROOT}`` stands for; default ``$ANOMALYCLAW_DATA``.
        seed: proxy generation seed.
        cache_dir: proxy cache root; default ``$ANOMALYCLAW_HOME/cache``.
        db_url: store holding registered user domains (a name other than D1..D12 is looked up there;
            ``data`` does not apply to them).

    Returns:
        The Domain; every Item carries ``data_source`` ('real' or 'proxy').
    """
    if str(code).strip().upper() not in DOMAIN_CODES:
        from anomalyclaw.userdata import load_user_domain

        domain = load_user_domain(str(code).strip(), db_url)
        Console(stderr=True, highlight=False).print(
            f"[bold cyan]{domain.spec.code}[/]: your images ({len(domain.items)} items, "
            f"{len(domain.normal_pool)} normal references) from {domain.spec.source_dataset}")
        return domain
    code = normalize_code(code)
    if data == "real":
        return load_real(code, data_root)
    if data == "proxy":
        return load_proxy(code, seed=seed, cache_dir=cache_dir)
    if data != "auto":
        raise DataError(f"unknown data choice {data!r}", hint="use auto, real or proxy")
    root = resolve_data_root(data_root)
    complete, n_missing = real_present(code, root)
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    if complete and root is not None:
        domain = load_real(code, root)
        console.print(f"[bold green]{code}[/]: real data ({len(domain.items)} items) from {root}")
        return domain
    if root is None:
        why = f"no data root ({ENV_DATA} unset, no --data-root)"
    elif n_missing < 0:
        why = f"data root {root} does not exist"
    else:
        why = f"{n_missing} real image files missing under {root}"
    domain = load_proxy(code, seed=seed, cache_dir=cache_dir)
    console.print(f"[bold yellow]{code}[/]: {why} → embedded PROXY data (seed {seed}; synthetic, "
                  "not comparable with real-data results)")
    return domain

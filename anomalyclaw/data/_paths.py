"""Where data lives: the data root, manifest path resolution, the cache folder.

Manifest paths start with ``{DATA_ROOT}/``. They are resolved against one root and must
stay inside it after resolving '..' and symlinks, so a manifest (or a planted symlink)
cannot make the system read files elsewhere on the machine.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

from anomalyclaw.data._errors import DataRootError, PathEscapeError

DATA_ROOT_TOKEN = "{DATA_ROOT}"
ENV_DATA = "ANOMALYCLAW_DATA"
ENV_HOME = "ANOMALYCLAW_HOME"


def resolve_data_root(data_root: Path | str | None = None) -> Path | None:
    """The data root: the argument if given, else ``$ANOMALYCLAW_DATA``, else None.

    Raises:
        DataRootError: the chosen root exists but is not a directory.
    """
    raw = str(data_root) if data_root is not None else os.environ.get(ENV_DATA, "")
    if not raw.strip():
        return None
    root = Path(raw).expanduser()
    if root.exists() and not root.is_dir():
        raise DataRootError(f"data root {root} is not a directory",
                            hint=f"pass --data-root DIR or set {ENV_DATA} to a folder")
    return root


def require_data_root(data_root: Path | str | None = None) -> Path:
    """Like :func:`resolve_data_root` but a root must be configured and exist."""
    root = resolve_data_root(data_root)
    if root is None:
        raise DataRootError("no data root configured",
                            hint=f"pass --data-root DIR or set {ENV_DATA}=DIR")
    if not root.is_dir():
        raise DataRootError(f"data root {root} does not exist",
                            hint=f"pass --data-root DIR or set {ENV_DATA} to an existing folder")
    return root


def resolve_in_root(raw: str, root: Path) -> Path:
    """Resolve one manifest path against ``root``; refuse anything that leaves it.

    Args:
        raw: a manifest path, ``{DATA_ROOT}/sub/file.png`` or a relative ``sub/file.png``.
        root: the data root.

    Returns:
        The absolute, symlink-resolved path (it need not exist).

    Raises:
        PathEscapeError: the path is absolute, or resolves outside the root.
    """
    rel = raw[len(DATA_ROOT_TOKEN):].lstrip("/\\") if raw.startswith(DATA_ROOT_TOKEN) else raw
    if PurePosixPath(rel).is_absolute() or PureWindowsPath(rel).is_absolute():
        raise PathEscapeError(f"manifest path {raw!r} is absolute",
                              hint=f"manifest paths must start with {DATA_ROOT_TOKEN}/")
    base = root.expanduser().resolve()
    path = (base / rel).resolve()
    if not path.is_relative_to(base):
        raise PathEscapeError(
            f"manifest path {raw!r} resolves to {path}, outside the data root {base}",
            hint="'..' and symlinks may not leave the data root; copy the files under it")
    return path


def home_dir() -> Path:
    """anomalyclaw's own folder: ``$ANOMALYCLAW_HOME`` or ``~/.anomalyclaw``."""
    raw = os.environ.get(ENV_HOME, "").strip()
    return Path(raw).expanduser() if raw else Path.home() / ".anomalyclaw"


def default_cache_dir() -> Path:
    """Where generated proxy images are cached: ``<home>/cache``."""
    return home_dir() / "cache"

"""The three folder layouts a user can add, read into one :class:`Source`.

- ``mvtec``: ``train/good/`` normal references; ``test/good/`` and ``test/<defect>/`` items with
  known labels; optional ``ground_truth/<defect>/<stem>_mask.png``.
- ``plain``: ``normal/`` references and ``images/`` unlabeled items.
- ``manifest``: a JSON file in the upstream manifest format; paths relative to its folder (a
  ``{DATA_ROOT}/`` prefix stands for that folder too); its splits are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from anomalyclaw.errors import InputError
from anomalyclaw.userdata._files import CheckReport, inside, list_images

Layout = Literal["mvtec", "plain", "manifest"]


@dataclass
class SourceItem:
    """One query as the source gives it (path inside the folder; label None when unknown)."""

    path: Path
    label: int | None = None
    defect: str | None = None
    mask: Path | None = None
    split: str | None = None
    refs: list[Path] | None = None


@dataclass
class Source:
    """Normals and items read from a folder, before checks and splits."""

    layout: Layout
    root: Path
    normals: list[Path]
    items: list[SourceItem]
    report: CheckReport = field(default_factory=CheckReport)


def detect(path: Path) -> Layout:
    """Which layout ``path`` holds.

    Raises:
        InputError: none of the three.
    """
    if path.is_file() and path.suffix.lower() == ".json":
        return "manifest"
    if (path / "train" / "good").is_dir() and (path / "test").is_dir():
        return "mvtec"
    if (path / "normal").is_dir() and (path / "images").is_dir():
        return "plain"
    raise InputError(
        f"{path}: not a folder layout anomalyclaw knows",
        hint="use an MVTec-style folder (train/good, test/<type>), a plain folder "
        "(normal/, images/) or a manifest .json file",
    )


def read(path: Path) -> Source:
    """Read the layout at ``path`` (a folder, or a manifest file)."""
    layout = detect(path)
    return {"mvtec": _mvtec, "plain": _plain, "manifest": _manifest}[layout](path)


def _mvtec(root: Path) -> Source:
    root = root.resolve()
    src = Source("mvtec", root, [], [])
    src.normals = list_images(root / "train" / "good", root, src.report)
    for sub in sorted(p for p in (root / "test").iterdir() if p.is_dir() and not p.name.startswith(".")):
        good = sub.name == "good"
        for img in list_images(sub, root, src.report):
            mask = root / "ground_truth" / sub.name / f"{img.stem}_mask.png"
            src.items.append(
                SourceItem(
                    img,
                    0 if good else 1,
                    None if good else sub.name,
                    mask if (not good and mask.is_file()) else None,
                )
            )
    return src


def _plain(root: Path) -> Source:
    root = root.resolve()
    src = Source("plain", root, [], [])
    src.normals = list_images(root / "normal", root, src.report)
    src.items = [SourceItem(p) for p in list_images(root / "images", root, src.report)]
    return src


def _manifest(file: Path) -> Source:
    from anomalyclaw.data._manifest import ManifestEntry

    root = file.resolve().parent
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
        entries = [ManifestEntry.model_validate(e) for e in raw]
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(
            f"{file}: not a manifest in the upstream format ({type(exc).__name__})",
            hint="a JSON list of {item_id, query_path, ref_paths, label, split, ...}",
        ) from None

    def local(p: str) -> Path:
        return inside(Path(p.removeprefix("{DATA_ROOT}/")), root)

    src = Source("manifest", root, [], [])
    queries = set()
    for e in entries:
        q = local(e.query_path)
        queries.add(q)
        src.items.append(
            SourceItem(
                q,
                e.label,
                e.anomaly_type,
                local(e.mask_path) if e.mask_path else None,
                e.split_name,
                [local(r) for r in e.ref_paths],
            )
        )
    src.normals = sorted({r for it in src.items for r in it.refs or []} - queries)
    return src

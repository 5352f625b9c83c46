"""Input checks for a user's image folder, run before any work starts.

Every file is checked once: it must stay inside the given folder (no symlink or ``..`` escape),
have a supported extension, and decode completely. Images the agent cannot take as they are —
grayscale, 16-bit, RGBA or palette, or very large — are converted to 8-bit RGB PNG copies under
``$ANOMALYCLAW_HOME/domains/<name>/`` (the originals are never touched) and the conversion is
reported. Problems are collected and raised together, with every path named.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from anomalyclaw.errors import InputError

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
MAX_SIDE = 2048  # larger images are downscaled to this long side
MIN_NORMALS = 2


def domains_home() -> Path:
    """``$ANOMALYCLAW_HOME/domains`` (default ``~/.anomalyclaw/domains``)."""
    from anomalyclaw.data._paths import home_dir

    return home_dir() / "domains"


@dataclass
class CheckReport:
    """What the checks found and did."""

    converted: dict[str, str] = field(default_factory=dict)  # relative path → why
    downscaled: dict[str, str] = field(default_factory=dict)  # relative path → from size
    unreadable: dict[str, str] = field(default_factory=dict)  # relative path → error
    unsupported: list[str] = field(default_factory=list)
    escaped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """JSON-able, for the store and ``domain show``."""
        return {"converted": self.converted, "downscaled": self.downscaled}


def list_images(folder: Path, root: Path, report: CheckReport) -> list[Path]:
    """Image files directly in ``folder`` (sorted); escapes and other formats are noted, not returned."""
    out = []
    for p in sorted(folder.iterdir()):
        rel = os.path.relpath(p, root)
        if p.name.startswith("."):
            continue
        resolved = p.resolve()
        if not resolved.is_relative_to(root):  # a symlink or .. that leads out of the folder
            report.escaped.append(rel)
            continue
        if p.is_dir():
            continue
        if p.suffix.lower() not in EXTENSIONS:
            report.unsupported.append(rel)
            continue
        out.append(p)
    return out


def inside(path: Path, root: Path) -> Path:
    """``path`` resolved, refused when it leaves ``root`` (``..``, absolute paths, symlinks).

    Raises:
        InputError: the path escapes the folder.
    """
    resolved = (root / path).resolve()
    if not resolved.is_relative_to(root):
        raise InputError(
            f"{path}: leaves the folder {root}", hint="paths must stay inside the folder you add"
        )
    return resolved


def normalise(path: Path, root: Path, out_dir: Path, report: CheckReport) -> Path | None:
    """The path the agent should read: the file itself, or an 8-bit RGB copy; None when unreadable."""
    rel = os.path.relpath(path, root)
    try:
        with Image.open(path) as img:
            img.load()
            mode, size = img.mode, img.size
            needs_mode = mode != "RGB"
            needs_size = max(size) > MAX_SIDE
            if not (needs_mode or needs_size):
                return path
            rgb = _to_rgb8(img)
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError) as exc:
        report.unreadable[rel] = f"{type(exc).__name__}: {exc}"[:200]
        return None
    if needs_mode:
        report.converted[rel] = f"{mode} → 8-bit RGB"
    if needs_size:
        scale = MAX_SIDE / max(size)
        rgb = rgb.resize(
            (max(1, round(size[0] * scale)), max(1, round(size[1] * scale))), Image.Resampling.LANCZOS
        )
        report.downscaled[rel] = f"{size[0]}x{size[1]} → {rgb.size[0]}x{rgb.size[1]}"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (hashlib.sha1(rel.encode()).hexdigest()[:16] + ".png")
    rgb.save(target)
    return target


def _to_rgb8(img: Image.Image) -> Image.Image:
    """8-bit RGB from any PIL mode; 16-bit and float images are scaled by their own range."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        import numpy as np

        a = np.asarray(img, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        a = (a - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(a)
        return Image.fromarray(a.astype(np.uint8)).convert("RGB")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        base = Image.new("RGB", img.size, (255, 255, 255))
        rgba = img.convert("RGBA")
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    return img.convert("RGB")


def raise_if_bad(report: CheckReport, n_normals: int) -> None:
    """One error naming every problem, before any work starts."""
    lines = []
    if report.escaped:
        lines.append("leave the folder (symlink or ..): " + ", ".join(report.escaped[:10]))
    if report.unreadable:
        lines.append(
            "unreadable or truncated: "
            + ", ".join(f"{p} ({e})" for p, e in list(report.unreadable.items())[:10])
        )
    if report.unsupported:
        lines.append(
            f"unsupported format (use {', '.join(EXTENSIONS)}): " + ", ".join(report.unsupported[:10])
        )
    if n_normals < MIN_NORMALS:
        lines.append(f"{n_normals} readable normal reference image(s); at least {MIN_NORMALS} are needed")
    if lines:
        raise InputError(
            "the folder cannot be added: " + "; ".join(lines),
            hint="fix or remove these files and run the command again",
        )

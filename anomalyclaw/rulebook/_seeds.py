"""Where seed rulebooks are found: a user folder if set, else the copies shipped in the package.

The package ships ``anomalyclaw/rulebook/seeds/D1.md`` ... ``D12.md`` so an installed wheel finds
them from any directory; the repository's top-level ``rulebooks/`` holds the same files for people
to read and edit. Point ``ANOMALYCLAW_RULEBOOKS`` at a folder (e.g. ``rulebooks``) to seed from
edited copies; a domain missing there falls back to the shipped seed.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from anomalyclaw.errors import InputError
from anomalyclaw.rulebook._markdown import RulebookDoc, parse_rulebook

ENV_SEED_DIR = "ANOMALYCLAW_RULEBOOKS"


def _packaged() -> Path:
    return Path(str(resources.files("anomalyclaw.rulebook") / "seeds"))


def seed_dirs(seed_dir: Path | str | None = None) -> list[Path]:
    """Folders searched for ``<DOMAIN>.md``, first match wins: ``seed_dir``, the env folder, the package."""
    dirs = [Path(d) for d in (seed_dir, os.environ.get(ENV_SEED_DIR)) if d]
    for d in dirs:
        if not d.is_dir():
            raise InputError(f"rulebook folder {d} does not exist",
                             hint=f"fix the path or unset {ENV_SEED_DIR}")
    return [*dirs, _packaged()]


def seed_domains(seed_dir: Path | str | None = None) -> list[str]:
    """Domain codes that have a seed file, in natural order (D1, D2, ..., D12, then names)."""
    names = {p.stem for d in seed_dirs(seed_dir) for p in d.glob("*.md")}
    return sorted(names, key=lambda s: (not (s[:1] == "D" and s[1:].isdigit()), int(s[1:]) if s[1:].isdigit()
                                        else 0, s))


def seed_path(domain: str, seed_dir: Path | str | None = None) -> Path | None:
    """The seed file of ``domain``, or None when there is none."""
    for d in seed_dirs(seed_dir):
        if (p := d / f"{domain}.md").is_file():
            return p
    return None


def load_seed(domain: str, seed_dir: Path | str | None = None) -> RulebookDoc:
    """Parse the seed rulebook of ``domain`` (version 0).

    Raises:
        InputError: no seed file for the domain, or a malformed one.
    """
    path = seed_path(domain, seed_dir)
    if path is None:
        known = ", ".join(seed_domains(seed_dir))
        raise InputError(f"no seed rulebook for domain {domain!r} (have: {known})",
                         hint=f"write {domain}.md in the rulebook format, set {ENV_SEED_DIR} to its folder")
    return parse_rulebook(path.read_text(encoding="utf-8"), source=str(path), domain=domain)

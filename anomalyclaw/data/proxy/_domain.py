"""Proxy domains as typed :class:`Domain` objects, generated on first use and then read from cache."""

from __future__ import annotations

import json
from pathlib import Path

from anomalyclaw.data._errors import ManifestError
from anomalyclaw.data._manifest import build_domain, normalize_code, parse_entries
from anomalyclaw.data._types import Domain, DomainSpec
from anomalyclaw.data.proxy._registry import get_generator
from anomalyclaw.data.proxy._suite import GENERATOR_VERSION, MANIFEST, ensure_domain


def proxy_spec(code: str, seed: int = 0) -> DomainSpec:
    """The DomainSpec of one proxy domain (``data_source='proxy'``)."""
    info = get_generator(normalize_code(code)).info
    return DomainSpec(
        code=info.code, name=info.name, modality=info.modality, reference_type=info.reference_type,
        description=info.description, data_source="proxy", paired=info.paired, about=info.about,
        source_dataset=f"anomalyclaw embedded proxy (scikit-image photos), generator g{GENERATOR_VERSION}, "
                       f"seed {seed}")


def load_proxy(code: str, *, seed: int = 0, cache_dir: Path | None = None) -> Domain:
    """One proxy domain, generating its images into the cache the first time.

    Args:
        code: 'D1'..'D12'.
        seed: generation seed; each seed is its own cached suite.
        cache_dir: cache root; default ``$ANOMALYCLAW_HOME/cache`` or ``~/.anomalyclaw/cache``.

    Raises:
        ManifestError: the cached manifest is unreadable or belongs to another seed/version.
    """
    code = normalize_code(code)
    folder, _ = ensure_domain(code, seed, cache_dir)
    path = folder / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: unreadable proxy manifest ({exc})",
                            hint=f"delete {folder} to regenerate it") from exc
    if doc.get("generator_version") != GENERATOR_VERSION or doc.get("seed") != seed or \
            doc.get("domain_code") != code:
        raise ManifestError(f"{path}: manifest is not {code} seed {seed} generator g{GENERATOR_VERSION}",
                            hint=f"delete {folder} to regenerate it")
    entries = parse_entries(doc.get("items"), str(path))
    return build_domain(proxy_spec(code, seed), entries, folder, normal_pool=list(doc.get("normal_pool", [])))

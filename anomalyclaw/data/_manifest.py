"""Manifests: the shipped CrossDomainVAD-12 files, read into typed Domain objects.

A manifest is a JSON list of entries (``item_id``, ``domain_code``, ``query_path``,
``ref_paths``, ``label``, ``anomaly_type``, ``category``, ``split`` ...). The embedded proxy
writes its own manifests in the same format (plus ``mask_path``), so both go through
:func:`build_domain`.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from anomalyclaw.data._errors import ManifestError, UnknownDomainError
from anomalyclaw.data._paths import resolve_in_root
from anomalyclaw.data._types import DataSource, Domain, DomainSpec, GroundTruth, Item, Split

DOMAIN_CODES: tuple[str, ...] = tuple(f"D{i}" for i in range(1, 13))
_SPLIT_NAMES: dict[str, Split] = {"calibration": "calib", "calib": "calib", "dev": "dev", "test": "test"}


class ManifestEntry(BaseModel):
    """One manifest entry as stored (upstream field names; unknown keys kept)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    item_id: str
    domain_code: str
    query_path: str
    ref_paths: list[str]
    label: int
    anomaly_type: str | None = None
    source_dataset: str = ""
    category: str | None = None
    split: str
    mask_path: str | None = None

    @property
    def split_name(self) -> Split:
        """The split in our naming ('calibration' becomes 'calib')."""
        return _SPLIT_NAMES[self.split]


def normalize_code(code: str) -> str:
    """'d9' / ' D9 ' → 'D9'.

    Raises:
        UnknownDomainError: not one of D1..D12.
    """
    norm = str(code).strip().upper()
    if norm not in DOMAIN_CODES:
        raise UnknownDomainError(f"unknown domain {code!r}", hint=f"use one of {', '.join(DOMAIN_CODES)}")
    return norm


def _upstream_file(name: str) -> Path:
    return Path(str(resources.files("anomalyclaw.data.upstream").joinpath(name)))


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"{path}: file not found") from exc
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}: invalid JSON ({exc})") from exc


def parse_entries(raw: object, source: str) -> tuple[ManifestEntry, ...]:
    """Validate a manifest's JSON list.

    Raises:
        ManifestError: not a list, an entry is malformed, or a split name is unknown.
    """
    if not isinstance(raw, list):
        raise ManifestError(f"{source}: expected a JSON list of entries")
    try:
        entries = tuple(ManifestEntry.model_validate(e) for e in raw)
    except ValidationError as exc:
        raise ManifestError(f"{source}: malformed entry ({exc.errors()[0]['msg']})") from exc
    for e in entries:
        if e.split not in _SPLIT_NAMES:
            raise ManifestError(f"{source}: {e.item_id} has unknown split {e.split!r}")
    return entries


@cache
def upstream_entries(code: str) -> tuple[ManifestEntry, ...]:
    """The shipped manifest of one domain, checked against ``split_ids.json``."""
    code = normalize_code(code)
    matches = sorted(Path(str(resources.files("anomalyclaw.data.upstream"))).glob(f"{code}_*_manifest.json"))
    if len(matches) != 1:
        raise ManifestError(f"expected one shipped manifest for {code}, found {len(matches)}")
    entries = parse_entries(_read_json(matches[0]), str(matches[0]))
    ids = split_ids()
    for e in entries:
        if e.domain_code != code:
            raise ManifestError(f"{matches[0]}: {e.item_id} has domain_code {e.domain_code!r}")
        if e.item_id not in ids.get(e.split_name, frozenset()):
            raise ManifestError(f"{matches[0]}: {e.item_id} is not in split_ids.json[{e.split!r}]")
    return entries


@lru_cache(maxsize=1)
def split_ids() -> dict[Split, frozenset[str]]:
    """``split_ids.json`` in our split naming."""
    raw = _read_json(_upstream_file("split_ids.json"))
    if not isinstance(raw, dict):
        raise ManifestError("split_ids.json: expected an object of split → ids")
    return {_SPLIT_NAMES[k]: frozenset(v) for k, v in raw.items()}


@lru_cache(maxsize=1)
def domain_config() -> dict[str, dict[str, str]]:
    """``domain_config.json``: per code its name, source dataset, modality, reference type, description."""
    raw = _read_json(_upstream_file("domain_config.json"))
    if not isinstance(raw, dict):
        raise ManifestError("domain_config.json: expected an object keyed by domain code")
    return raw


def upstream_spec(code: str) -> DomainSpec:
    """The DomainSpec of a real domain, from ``domain_config.json``."""
    code = normalize_code(code)
    cfg = domain_config()[code]
    return DomainSpec(
        code=code, name=cfg["name"], modality=cfg["modality"], reference_type=cfg["reference_type"],
        description=cfg["description"], source_dataset=cfg["source_dataset"], data_source="real",
        paired=code == "D7",
        about=(f"Real images of {cfg['source_dataset']} as listed by the CrossDomainVAD-12 manifest "
               "(jam-cc/AnomalyClaw, CC BY-NC 4.0); the images themselves come from the user's data root."))


def entry_paths(entries: tuple[ManifestEntry, ...]) -> list[str]:
    """Every distinct raw image path a manifest names (queries, then references), in first-seen order."""
    seen: dict[str, None] = {}
    for e in entries:
        seen.setdefault(e.query_path, None)
    for e in entries:
        for r in e.ref_paths:
            seen.setdefault(r, None)
    return list(seen)


def item_order_key(item_id: str) -> str:
    """A stable order that does not follow the label.

    Upstream ids are numbered normals first, so sorting by id would group items by label;
    any consumer that walks items in order (online evolution, batching) would see that.
    """
    return hashlib.sha256(item_id.encode()).hexdigest()


def build_domain(spec: DomainSpec, entries: tuple[ManifestEntry, ...], root: Path,
                 normal_pool: list[str] | None = None) -> Domain:
    """Resolve a manifest against ``root`` into a Domain (label-blind item order; labels kept apart).

    Args:
        spec: the domain's spec; its ``data_source`` is stamped on every item.
        entries: the manifest entries.
        root: the folder ``{DATA_ROOT}`` stands for.
        normal_pool: raw paths of the normal pool; default: every reference that is never a query.

    Raises:
        PathEscapeError: a path leaves the root.
    """
    source: DataSource = spec.data_source
    memo: dict[str, Path] = {}

    def resolve(raw: str) -> Path:  # references repeat a lot; resolve each path once
        if raw not in memo:
            memo[raw] = resolve_in_root(raw, root)
        return memo[raw]

    items: list[Item] = []
    truth: dict[str, GroundTruth] = {}
    for e in sorted(entries, key=lambda x: item_order_key(x.item_id)):
        items.append(Item(
            item_id=e.item_id, domain_code=spec.code, split=e.split_name,
            query_path=resolve(e.query_path), ref_paths=tuple(resolve(r) for r in e.ref_paths),
            category=e.category, data_source=source))
        truth[e.item_id] = GroundTruth(
            item_id=e.item_id, label=e.label, anomaly_type=e.anomaly_type,
            mask_path=resolve(e.mask_path) if e.mask_path else None)
    if normal_pool is None:
        queries = {e.query_path for e in entries}
        normal_pool = sorted({r for e in entries for r in e.ref_paths} - queries)
    pool = tuple(resolve(p) for p in normal_pool)
    return Domain(spec=spec, items=tuple(items), truth=truth, normal_pool=pool)

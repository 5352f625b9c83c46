"""From a checked folder to a stored user domain, and back to a :class:`Domain`.

Items get neutral ids (``<name>_0001`` …, numbered in a seeded random order, so neither the id
nor the order says which folder an image came from). Splits come from the source when it has them
(manifests), else they are drawn from the seed, stratified by label when labels exist, in the
benchmark's 1 : 2 : 6 calib : dev : test proportions. Each item gets up to 10 references drawn
from the normal pool with the same seed. The original relative path of every image is kept in
the stored report for ``domain show`` and exports, never in anything a model reads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from anomalyclaw.data import DOMAIN_CODES, Domain, DomainSpec, GroundTruth, Item
from anomalyclaw.errors import InputError
from anomalyclaw.userdata._files import domains_home, normalise, raise_if_bad
from anomalyclaw.userdata._layouts import read

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
NEUTRAL = (
    "Images of one kind of object or scene. Normal images vary in ordinary ways; an anomaly is "
    "anything a careful inspector would flag as not belonging to a normal image of this kind."
)
SHARES = (1 / 9, 2 / 9)  # calib, dev; the rest is test
N_REFS = 10


def check_name(name: str) -> str:
    """A valid new domain name (letters, digits, - and _; not a benchmark code).

    Raises:
        InputError: the name is not allowed.
    """
    if not NAME.match(name):
        raise InputError(
            f"domain name {name!r} is not allowed",
            hint="start with a letter; then letters, digits, - or _; at most 64 characters",
        )
    if name.upper() in DOMAIN_CODES:
        raise InputError(f"{name!r} is a benchmark domain code", hint="pick another name")
    return name


def _splits(labels: list[int | None], rng: np.random.Generator) -> list[str]:
    out = ["test"] * len(labels)
    for group in ({i for i, y in enumerate(labels) if y == v} for v in (0, 1, None)):
        order = [sorted(group)[j] for j in rng.permutation(len(group))]
        n_cal, n_dev = round(len(order) * SHARES[0]), round(len(order) * SHARES[1])
        for k, i in enumerate(order):
            out[i] = "calib" if k < n_cal else "dev" if k < n_cal + n_dev else "test"
    return out


def build_payload(
    name: str, path: Path, *, description: str | None = None, modality: str = "RGB", seed: int = 0
) -> dict[str, Any]:
    """Read, check and normalise ``path``; the row the store keeps for domain ``name``.

    Raises:
        InputError: a layout problem, an escaping path, unreadable files, too few normals, no items.
    """
    check_name(name)
    src = read(Path(path).expanduser())
    out_dir = domains_home() / name / "images"
    rel: dict[str, str] = {}

    def norm(p: Path) -> Path | None:
        got = normalise(p, src.root, out_dir, src.report)
        if got is not None:
            rel[str(got)] = str(p.relative_to(src.root))
        return got

    normals = [q for q in (norm(p) for p in src.normals) if q is not None]
    kept = [(it, q) for it, q in ((it, norm(it.path)) for it in src.items) if q is not None]
    raise_if_bad(src.report, len(normals))
    if not kept:
        raise InputError(f"{path}: no query images found", hint="put the images to score in test/ or images/")
    rng = np.random.default_rng(seed)
    kept = [kept[i] for i in rng.permutation(len(kept))]
    given = all(it.split for it, _ in kept)
    splits = [it.split for it, _ in kept] if given else _splits([it.label for it, _ in kept], rng)
    items, truth, origins = [], [], {}
    for n, ((it, q), split) in enumerate(zip(kept, splits, strict=True), 1):
        iid = f"{name}_{n:04d}"
        refs = (
            [r for r in (norm(r) for r in it.refs or []) if r is not None]
            if it.refs
            else [normals[j] for j in rng.choice(len(normals), min(N_REFS, len(normals)), replace=False)]
        )
        items.append(
            {"item_id": iid, "split": split, "query_path": str(q), "ref_paths": [str(r) for r in refs]}
        )
        origins[iid] = rel[str(q)]
        if it.label is not None:
            truth.append(
                {
                    "item_id": iid,
                    "label": it.label,
                    "anomaly_type": it.defect,
                    "mask_path": str(it.mask) if it.mask else None,
                }
            )
    spec = DomainSpec(
        code=name,
        name=name,
        modality=modality,
        reference_type="normal images of the same kind",
        description=description or NEUTRAL,
        source_dataset=str(src.root),
        data_source="user",
        about=f"user images from {src.root} ({src.layout} layout)",
    )
    return {
        "name": name,
        "source": str(src.root),
        "layout": src.layout,
        "split_seed": None if given else seed,
        "spec": spec.model_dump(mode="json"),
        "items": items,
        "truth": truth,
        "normals": [str(p) for p in normals],
        "report": {
            **src.report.as_dict(),
            "origins": origins,
            "splits_from": "source" if given else f"seed {seed}",
        },
    }


def domain_from_payload(row: dict[str, Any]) -> Domain:
    """The Domain a stored user domain stands for."""
    spec = DomainSpec.model_validate(row["spec"])
    items = tuple(
        Item(
            item_id=i["item_id"],
            domain_code=spec.code,
            split=i["split"],
            query_path=Path(i["query_path"]),
            ref_paths=tuple(Path(r) for r in i["ref_paths"]),
            data_source="user",
        )
        for i in row["items"]
    )
    truth = {
        t["item_id"]: GroundTruth(
            item_id=t["item_id"],
            label=t["label"],
            anomaly_type=t.get("anomaly_type"),
            mask_path=Path(t["mask_path"]) if t.get("mask_path") else None,
        )
        for t in row["truth"]
    }
    return Domain(spec=spec, items=items, truth=truth, normal_pool=tuple(Path(p) for p in row["normals"]))

"""The plug-in shape of one proxy domain, and how one sample is drawn from it.

A generator draws a *normal* scene from a seeded RNG, and can put an anomaly into a scene.
Sensor noise is added last, with the same noise for the clean and the anomalous version, so
that the two differ only where the anomaly is (tests check this against the mask).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

from anomalyclaw.data.proxy._ops import to_uint8


@dataclass(frozen=True)
class ProxyInfo:
    """What a proxy domain is.

    Attributes:
        code: 'D1'..'D12'.
        name: human name of the domain it stands in for.
        modality: imaging modality as the model is told it.
        reference_type: how references relate to queries.
        description: neutral domain context the model reads: what normal looks like here.
        about: for people only: what this proxy is made of and what it is not.
        categories: sub-categories (each has its own normal references).
        paired: each query has its own 'before' image (change detection).
    """

    code: str
    name: str
    modality: str
    reference_type: str
    description: str
    about: str
    categories: tuple[str, ...]
    paired: bool = False


@dataclass
class Scene:
    """A normal scene before sensor noise: float32 image in [0, 1], (H, W) grey or (H, W, 3).

    ``state`` is whatever the generator needs to put an anomaly in later (a layout, a height
    field); ``before`` is the paired 'before' image for change detection.
    """

    image: np.ndarray
    state: Any = None
    before: np.ndarray | None = None


@dataclass
class Defect:
    """An anomalous version of a scene: image (same frame), alpha mask (H, W) and its kind."""

    image: np.ndarray
    mask: np.ndarray
    kind: str


class ProxyDomain(ABC):
    """One proxy generator. Subclasses set ``info`` and ``noise`` and draw scenes and defects."""

    info: ProxyInfo
    noise: float = 0.01

    @abstractmethod
    def normal(self, rng: np.random.Generator, category: str) -> Scene:
        """Draw one normal scene of ``category``; every draw must differ (pose, light, content)."""

    @abstractmethod
    def anomaly(self, scene: Scene, rng: np.random.Generator, category: str) -> Defect:
        """Put one anomaly into ``scene`` (do not modify it in place)."""


@dataclass(frozen=True)
class Sample:
    """One generated image, ready to write.

    Attributes:
        image: (H, W, 3) or (H, W) uint8.
        category: its sub-category.
        mask: (H, W) bool, True = anomalous; None for normals.
        kind: anomaly kind; None for normals.
        clean: the same image without the anomaly (same noise); None for normals.
        before: the paired 'before' image, when the domain is paired.
    """

    image: np.ndarray
    category: str
    mask: np.ndarray | None = None
    kind: str | None = None
    clean: np.ndarray | None = None
    before: np.ndarray | None = None


MIN_MASK_PX = 6


def draw_sample(gen: ProxyDomain, rng: np.random.Generator, category: str, anomalous: bool) -> Sample:
    """Draw one normal or anomalous sample; the anomalous one comes with its clean twin and mask."""
    scene = gen.normal(rng, category)
    noise_seed = int(rng.integers(2**63))
    before = None
    if scene.before is not None:
        before = to_uint8(scene.before, np.random.default_rng(noise_seed + 1), gen.noise)
    clean = to_uint8(scene.image, np.random.default_rng(noise_seed), gen.noise)
    if not anomalous:
        return Sample(image=clean, category=category, before=before)
    for _ in range(8):
        d = gen.anomaly(scene, rng, category)
        mask = d.mask > 0.5
        if mask.sum() >= MIN_MASK_PX:
            break
    else:
        raise RuntimeError(f"{gen.info.code}: could not place a visible anomaly in 8 tries")
    img = to_uint8(d.image, np.random.default_rng(noise_seed), gen.noise)
    return Sample(image=img, category=category, mask=mask, kind=d.kind, clean=clean, before=before)

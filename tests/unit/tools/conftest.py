"""Shared real-image fixtures for the tools tests: brick crops as a 'domain', a pasted defect.

Everything is built from scikit-image's bundled photos; the experts are fitted once per
session so the whole folder stays fast on two shared cores.
"""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data as skdata

from anomalyclaw.data import DomainSpec
from tools import BBox, DomainExperts, ToolContext

SIDE = 160
DEFECT = (60, 92, 90, 122)  # rows r0:r1, cols c0:c1 of the pasted patch in a SIDE x SIDE query


def rgb(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.stack([a] * 3, -1) if a.ndim == 2 else a)


def crop(img: np.ndarray, y: int, x: int, side: int = SIDE) -> np.ndarray:
    return np.ascontiguousarray(img[y : y + side, x : x + side])


@pytest.fixture(scope="session")
def brick() -> np.ndarray:
    return rgb(skdata.brick())


@pytest.fixture(scope="session")
def normals(brick) -> list[np.ndarray]:
    """Five normal brick crops (the 'domain' normals; 5 x 784 patches stay under the coreset size)."""
    spots = [(0, 0), (0, 300), (300, 0), (340, 340), (60, 220)]
    return [crop(brick, y, x) for y, x in spots]


@pytest.fixture(scope="session")
def base(brick) -> np.ndarray:
    """A clean brick crop used as the query's first reference."""
    return crop(brick, 200, 200)


@pytest.fixture(scope="session")
def defect(base) -> np.ndarray:
    """``base`` with a 32x32 patch of the coffee photo pasted in (a foreign-object defect)."""
    out = base.copy()
    r0, r1, c0, c1 = DEFECT
    out[r0:r1, c0:c1] = rgb(skdata.coffee())[200 : 200 + r1 - r0, 200 : 200 + c1 - c0]
    return out


@pytest.fixture(scope="session")
def defect_box() -> BBox:
    r0, r1, c0, c1 = DEFECT
    return BBox(x0=c0 / SIDE, y0=r0 / SIDE, x1=c1 / SIDE, y1=r1 / SIDE)


@pytest.fixture(scope="session")
def shifted(brick) -> np.ndarray:
    """A clean copy of ``base``'s scene, shifted by a few pixels (not a defect)."""
    return crop(brick, 206, 195)


@pytest.fixture(scope="session")
def spec() -> DomainSpec:
    return DomainSpec(
        code="T1",
        name="test bricks",
        modality="RGB",
        reference_type="normal set",
        description="Brick wall crops.",
        data_source="proxy",
    )


@pytest.fixture(scope="session")
def paired_spec() -> DomainSpec:
    return DomainSpec(
        code="T7",
        name="test change",
        modality="satellite RGB",
        reference_type="temporal pair",
        description="Before/after pairs.",
        data_source="proxy",
        paired=True,
    )


@pytest.fixture(scope="session")
def experts(normals) -> DomainExperts:
    return DomainExperts.fit(normals, device="cpu")


@pytest.fixture()
def make_ctx(spec, experts, base, normals):
    """Build a fresh ToolContext (fresh memo) for a query; references default to base + 2 normals."""

    def make(query, references=None, *, use_experts=True, spec_=None, **kw) -> ToolContext:
        refs = tuple(references) if references is not None else (base, normals[0], normals[1])
        return ToolContext(
            query=query, references=refs, spec=spec_ or spec, experts=experts if use_experts else None, **kw
        )

    return make

"""Shared fixtures: a tiny real gravel domain and its scorer (fitting probes once per session)."""

from __future__ import annotations

import pytest
from evo_domain import build


@pytest.fixture(scope="session")
def gravel(tmp_path_factory):
    """6 normal-pool images, 1+1 items per split."""
    return build(tmp_path_factory.mktemp("gravel"), n_pool=6, per_split=1)


@pytest.fixture(scope="session")
def experts_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("experts")

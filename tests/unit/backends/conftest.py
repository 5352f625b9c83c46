"""Shared helpers for backend tests: a tiny image and a scripted engine that records requests."""

import numpy as np
import pytest

from anomalyclaw.agent._pixels import to_model_image


@pytest.fixture
def images():
    """Three distinct small images as dspy.Image (query, ref 1, ref 2)."""
    rng = np.random.default_rng(0)
    return [to_model_image(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)) for _ in range(3)]

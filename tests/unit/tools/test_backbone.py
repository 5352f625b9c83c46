"""The frozen backbone: right weights and preprocessing, patch features, cache and batching."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage import data as skdata

from tools import BadToolInput
from tools.backbone import EMBED_DIM, FEATURE_DIM, GRID, get_backbone, resolve_device

CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
CUP_CLASSES = {967, 968, 504}  # espresso, cup, coffee mug


@pytest.fixture(scope="module")
def bb():
    return get_backbone("cpu")


def test_imagenet_classes_prove_weights_and_preprocessing(bb):
    cat = bb.feature(skdata.chelsea()).logits
    cup = bb.feature(skdata.coffee()).logits
    assert int(np.argmax(cat)) in CAT_CLASSES
    assert int(np.argmax(cup)) in CUP_CLASSES
    # confident, not a lucky argmax over a flat distribution
    assert torch.softmax(torch.from_numpy(cat), 0).max() > 0.5


def test_patch_features_are_unit_norm_grid(bb):
    f = bb.feature(skdata.astronaut())
    assert f.patches.shape == (GRID, GRID, FEATURE_DIM)
    assert f.embedding.shape == (EMBED_DIM,)
    assert np.allclose(np.linalg.norm(f.patches, axis=-1), 1.0, atol=1e-4)
    assert np.isclose(np.linalg.norm(f.embedding), 1.0, atol=1e-4)


def test_patch_grid_follows_the_image_frame(bb):
    """A bright square in the top-left quadrant changes the top-left patches, not the bottom-right."""
    img = np.full((128, 128, 3), 90, np.uint8)
    marked = img.copy()
    marked[8:40, 8:40] = 250
    a, b = bb.feature(img).patches, bb.feature(marked).patches
    change = 1 - (a * b).sum(-1)
    assert change[: GRID // 2, : GRID // 2].mean() > 5 * change[GRID // 2 :, GRID // 2 :].mean()


def test_cache_hits_by_pixels_and_batches_misses(bb):
    imgs = [np.ascontiguousarray(skdata.astronaut()[i * 7 : i * 7 + 96, 100:196]) for i in range(3)]
    calls = bb.forward_calls
    first = bb.features(imgs)
    assert bb.forward_calls == calls + 1  # three misses, one batched forward pass
    again = bb.features([img.copy() for img in imgs])  # same pixels, different arrays
    assert bb.forward_calls == calls + 1
    assert all(np.array_equal(x.patches, y.patches) for x, y in zip(first, again, strict=True))


def test_duplicate_images_in_one_call_forward_once(bb):
    img = np.ascontiguousarray(skdata.coffee()[:100, :100])
    n = bb.images_forwarded
    out = bb.features([img, img, img])
    assert bb.images_forwarded == n + 1 and len(out) == 3


def test_auto_device_prefers_cuda_when_present():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu").type == "cpu"


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((32, 32), np.uint8),
        np.zeros((32, 32, 3), np.float32),
        np.zeros((4, 32, 3), np.uint8),
        "not an image",
    ],
)
def test_bad_images_are_rejected_with_a_reason(bb, bad):
    with pytest.raises(BadToolInput, match="image"):
        bb.features([bad])

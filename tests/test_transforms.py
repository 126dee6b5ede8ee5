"""aesthetics_lib.data.transforms: each view's output shapes (odd aspect ratios included), what each view
keeps of the image, seeded reproducibility, and aspect-bucket batching for the native view."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from aesthetics_lib.data.transforms import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    AspectBucketSampler,
    aspect_bucket,
    build_transform,
    denormalize,
    overlaps_box,
    patch_grid,
    short_side_size,
)

SIZES = [(90, 30), (30, 90), (48, 48), (20, 14)]  # (width, height): 3:1, 1:3, square, smaller than the view


def _image(w: int, h: int, seed: int = 0) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8))


@pytest.mark.parametrize("w, h", SIZES)
@pytest.mark.parametrize("train", [False, True])
def test_output_shapes(w: int, h: int, train: bool) -> None:
    img = _image(w, h)
    assert build_transform("warp", 32, train)(img).shape == (3, 32, 32)
    nat = build_transform("native", 32, train, buckets=None)(img)
    assert max(nat.shape[1:]) == 32 and abs(nat.shape[2] / nat.shape[1] - w / h) < 0.25 * w / h
    out = build_transform("double", 32, train, local_size=16)(img)
    assert set(out) == {"image", "local"} and out["image"].shape == (3, 32, 32) and out["local"].shape == (3, 16, 16)
    patches = build_transform("patches", 16, train, num_patches=4)(img)
    assert patches.shape == (4, 3, 16, 16) and patches.dtype == torch.float32


def test_native_keeps_the_aspect_ratio_and_buckets_snap_it() -> None:
    wide = build_transform("native", 64, buckets=None)(_image(90, 30))
    assert wide.shape == (3, 21, 64)
    snapped = build_transform("native", 64)(_image(91, 29))  # ~3.14:1 -> the 3:1 bucket
    assert snapped.shape == (3, 16, 64)
    assert build_transform("native", 64)(_image(29, 91)).shape == (3, 64, 16)


def test_values_are_normalised_from_unit_range() -> None:
    white = Image.new("RGB", (20, 20), (255, 255, 255))
    x = build_transform("warp", 8)(white)
    expected = (1 - torch.tensor(IMAGENET_MEAN)) / torch.tensor(IMAGENET_STD)
    assert torch.allclose(x[:, 0, 0], expected, atol=1e-5)
    raw = build_transform("warp", 8, normalize=False)(white)
    assert float(raw.min()) == 1.0 and float(raw.max()) == 1.0
    assert torch.allclose(denormalize(x), raw, atol=1e-5)


def test_double_local_is_at_original_resolution() -> None:
    stripes = np.zeros((40, 120, 3), dtype=np.uint8)
    stripes[:, ::2] = 255  # one-pixel vertical stripes: only a full-resolution crop keeps them
    img = Image.fromarray(stripes)
    out = build_transform("double", 16, train=False, normalize=False)(img)
    local_contrast = (out["local"][0, :, 1:] - out["local"][0, :, :-1]).abs().mean()
    global_contrast = (out["image"][0, :, 1:] - out["image"][0, :, :-1]).abs().mean()
    assert local_contrast > 0.9 and global_contrast < 0.2


def test_double_columns_share_one_flip() -> None:
    img = _image(16, 16, seed=2)  # same size as the view: global warp == centre/only crop
    t = build_transform("double", 16, train=True, color_jitter=0, normalize=False)
    flipped = 0
    for seed in range(8):
        torch.manual_seed(seed)
        out = t(img)
        assert torch.allclose(out["image"], out["local"], atol=1 / 255)
        flipped += int(not torch.allclose(out["image"], build_transform("warp", 16, normalize=False)(img), atol=1 / 255))
    assert 0 < flipped < 8  # the flip is random, and applied to both columns alike


def test_patches_eval_grid_spans_a_long_image() -> None:
    positions = patch_grid(300, 100, 100, 3)  # a 1:3 tall image: patches top, middle, bottom
    assert positions == [(0, 0), (100, 0), (200, 0)]
    grid = patch_grid(150, 150, 100, 5)
    assert len(set(grid)) == 5 and (0, 0) in grid and (50, 50) in grid
    t = build_transform("patches", 16, train=False, num_patches=3, short_side=16, normalize=False)
    img = np.zeros((48, 16, 3), dtype=np.uint8)
    img[:16] = 255  # top third white, rest black
    out = t(Image.fromarray(img))
    assert float(out[0].mean()) == pytest.approx(1.0) and float(out[2].mean()) == pytest.approx(0.0)


@pytest.mark.parametrize("h, w", [(160, 53), (53, 160), (107, 160), (160, 160), (61, 160), (160, 99)])
def test_short_side_size_is_the_size_torchvision_resizes_to(h: int, w: int) -> None:
    from torchvision.transforms.v2 import functional as F

    assert short_side_size(h, w, 72) == tuple(F.resize(torch.zeros(1, h, w), 72, antialias=True).shape[-2:])


@pytest.mark.parametrize("size, box, want", [
    ((60, 180), (52, 0, 60, 180), [0, 0, 0, 1, 1, 1]),  # 2 x 4 grid, 6 cells taken: the bottom row holds a bottom band
    ((180, 60), (0, 0, 180, 8), [0, 0, 0, 0, 0, 0]),  # one centred column misses a band along the left edge
    ((90, 90), (0, 0, 10, 10), [1, 0, 0, 0, 0, 0]),  # 3 x 2 grid: only the top-left patch reaches the corner
])
def test_grid_patches_on_a_box(size: tuple, box: tuple, want: list) -> None:
    h, w = size
    t = build_transform("patches", 16, train=False, num_patches=6, short_side=24, normalize=False)
    on = t.grid_patches_on(h, w, box)
    assert on.dtype == bool and on.tolist() == [bool(v) for v in want]
    img = np.zeros((h, w, 3), dtype=np.uint8)
    img[box[0]:box[2], box[1]:box[3]] = 255
    patches = t(Image.fromarray(img))
    assert all(float(patches[k].max()) > 0.5 for k in np.flatnonzero(on))  # each patch said to hold the box shows it
    assert list(overlaps_box([0, 10, 20], 0, 10, (10, 0, 20, 5))) == [False, True, False]  # bottom and right excluded


def test_a_subclass_of_the_patches_view_chooses_where_patches_are_cut() -> None:
    base = build_transform("patches", 8, train=True, num_patches=2, short_side=16, augment=False, normalize=False)

    class Corners(type(base)):
        def positions(self, height, width):
            return [(0, 0), (height - 8, width - 8)]

    view = Corners(8, 2, 16, True, False, 0.0, False)
    img = torch.randint(0, 256, (3, 16, 32), dtype=torch.uint8)  # shorter side already 16: no resizing
    out = view(img)
    assert torch.allclose(out[0], img[:, :8, :8] / 255.0, atol=1e-6) and torch.allclose(out[1], img[:, 8:, 24:] / 255.0, atol=1e-6)


@pytest.mark.parametrize("view", ["warp", "double", "patches", "native"])
def test_training_randomness_is_reproducible_from_torch_seed(view: str) -> None:
    t = build_transform(view, 24, train=True)
    img = _image(60, 40, seed=1)

    def flat(o):
        return torch.cat([v.flatten() for v in o.values()]) if isinstance(o, dict) else o.flatten()

    torch.manual_seed(5)
    a = [flat(t(img)) for _ in range(4)]
    torch.manual_seed(5)
    b = [flat(t(img)) for _ in range(4)]
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert any(not torch.equal(a[0], x) for x in a[1:])  # ... and it does vary between draws


def test_eval_is_deterministic_and_augmentation_can_be_turned_off() -> None:
    img = _image(50, 40)
    for view in ("warp", "double", "patches", "native"):
        t = build_transform(view, 24, train=False)
        first, second = t(img), t(img)
        if isinstance(first, dict):
            assert all(torch.equal(first[k], second[k]) for k in first)
        else:
            assert torch.equal(first, second)
    off = build_transform("warp", 24, train=True, augment=False)
    assert torch.equal(off(img), build_transform("warp", 24, train=False)(img))


def test_aspect_bucket_sampler_batches_stack() -> None:
    sizes = [(30, 90), (31, 88), (90, 30), (88, 31), (50, 50), (49, 51), (30, 92)]  # (height, width)
    images = [_image(w, h, seed=i) for i, (h, w) in enumerate(sizes)]
    t = build_transform("native", 32)

    class Tiny(torch.utils.data.Dataset):
        def __len__(self):
            return len(images)

        def __getitem__(self, i):
            return t(images[i])

        def sizes(self):
            return np.array(sizes)

    sampler = AspectBucketSampler(Tiny(), batch_size=2)
    torch.manual_seed(0)
    batches = list(sampler)
    assert sorted(i for b in batches for i in b) == list(range(len(sizes)))
    assert len(batches) == len(sampler) == 4  # buckets of 3, 2, 2 items
    for b in batches:
        assert len({aspect_bucket(*sizes[i]) for i in b}) == 1
    torch.manual_seed(0)
    shapes = [tuple(x.shape) for x in DataLoader(Tiny(), batch_sampler=sampler)]
    assert {s[0] for s in shapes} <= {1, 2} and len(shapes) == 4
    torch.manual_seed(0)
    assert list(sampler) == batches  # reproducible from torch's seed
    assert len(AspectBucketSampler(sizes, batch_size=2, drop_last=True)) == 3


def test_unknown_view_is_refused() -> None:
    with pytest.raises(ValueError, match="expected view in"):
        build_transform("squash", 32)

"""The deletion test: removing a region, its moved copies, and what a scorer that does or does not
look at the region gives."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from aesthetics_lib import deletion


def photo_with_square(seed: int = 0, size: tuple[int, int] = (48, 64)) -> tuple[Image.Image, np.ndarray]:
    """A smooth grey gradient with a bright red square, and the square's mask."""
    h, w = size
    rng = np.random.default_rng(seed)
    base = np.linspace(60, 140, w)[None, :, None] * np.ones((h, 1, 3))
    y, x = int(rng.integers(4, h - 16)), int(rng.integers(4, w - 16))
    mask = np.zeros((h, w), dtype=np.float32)
    mask[y : y + 10, x : x + 10] = 1.0
    base[mask > 0] = (250, 20, 20)
    return Image.fromarray(base.astype(np.uint8)), mask


def redness(images):
    """A scorer that looks only at red pixels: the share of the photo that is strongly red."""
    return np.array([float(np.mean(np.asarray(im)[..., 0].astype(int) - np.asarray(im)[..., 1] > 150)) * 100
                     for im in images])


def mean_brightness(images):
    """A scorer that looks at every pixel alike."""
    return np.array([float(np.asarray(im).mean()) for im in images])


def test_removing_a_region_fills_it_from_its_surroundings_and_keeps_the_rest():
    image, mask = photo_with_square()
    out = deletion.remove_region(image, mask)
    before, after = np.asarray(image).astype(int), np.asarray(out).astype(int)
    assert out.size == image.size and out.mode == "RGB"
    assert np.array_equal(before[mask == 0], after[mask == 0]), "pixels outside the region are untouched"
    filled = after[mask > 0]
    assert filled[:, 0].max() < 160 and abs(filled[:, 0] - filled[:, 1]).max() < 10, "no red left: grey from around it"
    assert np.array_equal(np.asarray(deletion.remove_region(image, mask, seed=3)),
                          np.asarray(deletion.remove_region(image, mask, seed=3))), "the noise is seeded"
    empty = deletion.remove_region(image, np.zeros_like(mask))
    assert np.array_equal(np.asarray(empty), before), "an empty region gives a copy"


def test_remove_region_refuses_a_mask_of_another_size_or_the_whole_image():
    image, mask = photo_with_square()
    with pytest.raises(ValueError, match=r"photo's size \(48, 64\).*\(10, 10\)"):
        deletion.remove_region(image, np.ones((10, 10)))
    with pytest.raises(ValueError, match="whole image"):
        deletion.remove_region(image, np.ones_like(mask))


def test_moved_regions_keep_the_shape_inside_the_image_and_off_the_region():
    _, mask = photo_with_square(1)
    moved = deletion.moved_regions(mask, n=5, seed=0)
    assert len(moved) == 5
    for m in moved:
        assert m.sum() == mask.sum(), "the whole shape, inside the image"
        assert (m & (mask > 0)).sum() <= deletion.MAX_OVERLAP * mask.sum()
        ys, xs = np.nonzero(m)
        assert ys.max() - ys.min() == 9 and xs.max() - xs.min() == 9, "the same shape"
    assert all(np.array_equal(a, b) for a, b in zip(moved, deletion.moved_regions(mask, n=5, seed=0)))
    assert deletion.moved_regions(np.ones((8, 8)), n=3) == [], "no place left for a region that fills the image"
    assert deletion.moved_regions(np.zeros((8, 8)), n=3) == []


def test_a_scorer_that_looks_at_the_region_depends_on_it_and_one_that_does_not_barely():
    photos = [photo_with_square(seed) for seed in range(6)]
    images, masks = [p[0] for p in photos], [p[1] for p in photos]
    removed = deletion.removals(images, masks, grow=0)
    red = deletion.deletion_test(redness, removed)
    assert list(red.columns) == ["score", "without", "drop", "moved", "drop_elsewhere", "lift"]
    assert (red["drop"] > 1).all() and (red["without"] < 0.5).all(), "the red square is what the scorer sees"
    assert (red["drop_elsewhere"] < 0.5).all() and (red["lift"] > 1).all()
    summary = deletion.deletion_summary(red, n_boot=200)
    assert summary["verdict"] == "above" and summary["lowered"] == 1.0 and summary["photos"] == summary["compared"] == 6
    assert summary["drop"][1] <= summary["drop"][0] <= summary["drop"][2]
    flat = deletion.deletion_summary(deletion.deletion_test(mean_brightness, removed), n_boot=200)
    assert flat["lift"][0] < summary["lift"][0] / 5, "a scorer of every pixel alike depends on the region far less"


def test_removals_name_the_photo_whose_mask_does_not_fit():
    image, mask = photo_with_square()
    with pytest.raises(ValueError, match="one mask per photo"):
        deletion.removals([image, image], [mask])
    with pytest.raises(ValueError, match="photo 1"):
        deletion.removals([image, image], [mask, mask[:10]])


def test_a_photo_with_no_room_for_a_moved_copy_is_left_out_of_the_comparison():
    image, mask = photo_with_square()
    big = np.zeros_like(mask)
    big[:, :40] = 1.0  # more than half the width: no copy fits off it
    removed = deletion.removals([image, image], [mask, big])
    assert removed.moved == [deletion.N_MOVED, 0] and [len(v) for v in removed.variants] == [2 + deletion.N_MOVED, 2]
    table = deletion.deletion_test(redness, removed)
    assert table["moved"].tolist()[1] == 0 and np.isnan(table["lift"].iloc[1])
    summary = deletion.deletion_summary(table, n_boot=50)
    assert summary["photos"] == 2 and summary["compared"] == 1


def test_grown_adds_a_rim_of_the_given_width():
    mask = np.zeros((9, 9))
    mask[4, 4] = 1.0
    assert [int(deletion.grown(mask, k).sum()) for k in (0, 1, 2)] == [1, 5, 13], "a cross, then a diamond"
    assert deletion.grown(np.zeros((4, 4)), 2).sum() == 0
    with pytest.raises(ValueError, match=r"\[H, W\]"):
        deletion.grown(np.zeros((2, 3, 3)))


def test_agreement_is_the_srcc_of_a_map_with_the_drop_over_the_photos_with_a_map():
    table = pd.DataFrame({"drop": [0.1, 0.4, 0.2, 0.8, 0.5, 0.3]})
    rho, low, high, photos = deletion.agreement([1.0, 4.0, 2.0, 8.0, np.nan, 3.0], table, n_boot=200)
    assert rho == pytest.approx(1.0) and photos == 5, "the NaN photo is left out"
    assert low == pytest.approx(1.0) and high == pytest.approx(1.0), "every resample is as monotone"
    rho, _, _, _ = deletion.agreement([6.0, 3.0, 5.0, 1.0, 2.0, 4.0], table, n_boot=200)
    assert rho == pytest.approx(-1.0)
    with pytest.raises(ValueError, match=r"one map value per photo of the table \(6\)"):
        deletion.agreement([1.0, 2.0], table)

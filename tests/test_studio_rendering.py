"""Tests of the studio's rendering (aesthetics_lib.data.studio.rendering): one factor row in, one
photo and its subject mask out."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from aesthetics_lib.data import studio as S
from aesthetics_lib.data.studio.apps_truth import _clean_row
from aesthetics_lib.data.studio.rendering import RHYTHM_CYCLES, band_box, image_size, render


def _clean(**overrides) -> dict:
    """A well-made studio photo with chosen factors changed."""
    row = _clean_row(3)
    row.update(overrides)
    return row


def test_render_is_deterministic_and_seed_sensitive():
    row = S.sample_factors(1, seed=4).iloc[0].to_dict()
    im1, m1 = render(row, 80)
    im2, m2 = render(row, 80)
    assert np.array_equal(im1, im2) and np.array_equal(m1, m2)
    im3, _ = render({**row, "render_seed": row["render_seed"] + 1}, 80)
    assert not np.array_equal(im1, im3)


def test_rendered_images_have_the_declared_size_and_subject_mask():
    rows = S.sample_factors(12, 7)
    rows = rows[rows["placement"].isin(["thirds", "centre", "free"])]
    for row in rows.to_dict("records"):
        image, mask = render(row, 96)
        w, h = image_size(row["aspect"], 96)
        assert image.shape == (h, w, 3) and image.dtype == np.uint8
        assert mask.shape == (h, w) and 0 <= mask.min() and mask.max() <= 1
        cx, cy = int(row["subject_x"] * w), int(row["subject_y"] * h)
        assert mask[min(cy, h - 1), min(cx, w - 1)] > 0.5  # the mask covers the subject's centre


def test_fine_detail_lives_at_native_resolution_only():
    """The subject's texture vanishes in a 2x downscale and sensor noise shrinks with the downscale
    factor, while a native-resolution crop keeps both (the double-column lesson)."""
    def rms(a, b):
        return float(np.sqrt(np.mean((a.astype(float) - b.astype(float)) ** 2)))

    def down(im, k):  # antialiased, as data pipelines resize
        h, w = im.shape[:2]
        return np.asarray(Image.fromarray(im).resize((w // k, h // k), Image.BILINEAR))

    row = _clean(subject_x=0.5, subject_y=0.5, subject_size=0.3)
    flat, mask = render({**row, "texture": 0.0}, 160)
    woven, _ = render({**row, "texture": 1.0}, 160)
    ys, xs = np.nonzero(mask > 0.99)
    crop = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    assert rms(flat[crop], woven[crop]) > 8  # visible at native resolution, inside a local crop
    assert rms(down(flat, 2), down(woven, 2)) < 0.25 * rms(flat, woven)

    clean, _ = render({**row, "noise": 0.0}, 160)
    noisy, _ = render({**row, "noise": 0.05}, 160)
    native = rms(clean, noisy)
    assert rms(clean[:64, :64], noisy[:64, :64]) == pytest.approx(native, rel=0.15)
    assert rms(down(clean, 4), down(noisy, 4)) < 0.35 * native


def test_long_side_cue_survives_a_square_warp_only_for_moderate_aspect_ratios():
    def warp_diff(aspect):
        crisp, _ = render(_clean(aspect=aspect, band=True, rhythm=1.0, noise=0.0), 192)
        soft, _ = render(_clean(aspect=aspect, band=True, rhythm=0.0, noise=0.0), 192)
        native = np.abs(crisp.astype(float) - soft.astype(float)).mean()
        size = 96
        wc = np.asarray(Image.fromarray(crisp).resize((size, size), Image.BILINEAR, reducing_gap=None), float)
        ws = np.asarray(Image.fromarray(soft).resize((size, size), Image.BILINEAR, reducing_gap=None), float)
        return np.abs(wc - ws).mean() / native

    assert warp_diff(3.0) < 0.6 * warp_diff(4 / 3)
    assert RHYTHM_CYCLES > 0


@pytest.mark.parametrize("aspect, side", [(2.5, 0), (1.0, 1), (0.4, 0), (0.4, 1)])
def test_band_box_is_where_the_fence_is_painted(aspect, side):
    # A crisp and a smeared fence differ only in the band: every differing pixel lies in the box,
    # and the box's first and last rows and columns all hold some.
    row = _clean(aspect=aspect, band=True, band_side=side, noise=0.0, softness=0.0, motion_blur=0.0, dof=0.0)
    crisp, _ = render({**row, "rhythm": 1.0}, 120)
    soft, _ = render({**row, "rhythm": 0.0}, 120)
    differs = (crisp != soft).any(-1)
    height, width = differs.shape
    top, left, bottom, right = band_box(row, width, height)
    assert bottom - top == height or right - left == width, "the band runs along a whole side"
    inside = np.zeros_like(differs)
    inside[top:bottom, left:right] = True
    assert differs.any() and not (differs & ~inside).any()
    box = differs[top:bottom, left:right]
    assert box[0].any() and box[-1].any() and box[:, 0].any() and box[:, -1].any()
    assert band_box({**row, "band": False}, width, height) is None


def test_render_names_the_missing_factors():
    row = S.sample_factors(1, seed=0).iloc[0].to_dict()
    del row["subject_x"], row["noise"]
    with pytest.raises(KeyError, match="subject_x.*noise"):
        render(row, 32)

"""Public tests of assignment 1 (run them: ``python -m pytest assignments/a1_feature``).

Each test calls your code first, so an unfinished function fails every test that needs it. The
grader runs these and hidden tests; ``points`` is what a test is worth.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from aesthetics_lib import metrics
from assignments.a1_feature.harness import as_number, feature_values
from assignments.data import course_features, studio_set

ASSIGNMENT = "a1_feature"


@pytest.fixture(scope="module")
def photos(budget):
    """The first 60 practice photos and their ids."""
    s = studio_set("practice", budget)
    return s.images(60), s.image_ids[:60]


@pytest.mark.limit(5)
def test_returns_one_finite_float(submission, photos):
    images, ids = photos
    for image, key in zip(images[:3], ids[:3]):
        as_number(submission.feature(image), f"feature(photo {key})")


def test_declares_name_direction_and_range(submission, photos):
    values = feature_values(submission.feature, *photos)
    assert isinstance(submission.NAME, str) and submission.NAME.strip(), "set NAME to a short name for your feature"
    assert submission.DIRECTION in (1, -1), f"DIRECTION: expected +1 or -1, found {submission.DIRECTION!r}"
    low, high = submission.RANGE
    assert np.isfinite([low, high]).all() and low < high, f"RANGE: expected finite (low, high) with low < high, found {submission.RANGE!r}"
    outside = values[(values < low) | (values > high)]
    assert outside.size == 0, f"{outside.size} of {values.size} values lie outside RANGE {submission.RANGE}: e.g. {outside[:3]}"


def test_deterministic_and_leaves_the_photo_alone(submission, photos):
    image = photos[0][5]
    before = image.copy()
    first = as_number(submission.feature(image), "first call")
    assert np.array_equal(image, before), "feature changed the array it was given: work on a copy"
    second = as_number(submission.feature(image.copy()), "second call")
    assert first == second, f"two calls on the same photo gave {first} and {second}: the feature must be deterministic"


def test_flat_photos(submission):
    for level in (0, 128, 255):
        flat = np.full((64, 80, 3), level, dtype=np.uint8)
        as_number(submission.feature(flat), f"feature of a flat photo of grey level {level}")


def test_varies_over_photos(submission, photos):
    values = feature_values(submission.feature, *photos)
    distinct = np.unique(np.round(values, 12)).size
    assert distinct >= 10, f"only {distinct} distinct values on {values.size} photos: the feature hardly varies"


@pytest.mark.limit(30)
def test_fast_enough(submission, photos):
    images = photos[0][:40]
    submission.feature(images[0])  # warm-up (imports, caches)
    start = time.process_time()  # CPU time: a busy grading machine does not count against you
    for image in images:
        submission.feature(image)
    per_photo = (time.process_time() - start) / len(images)
    assert per_photo <= 0.05, f"{1000 * per_photo:.1f} ms of CPU per photo of {images[0].shape}: expected at most 50 ms"


@pytest.mark.points(2)
def test_srcc_table_uses_the_library(submission, budget):
    feats = course_features("practice", budget).iloc[:200, :5]
    scores = studio_set("practice", budget).mean[:200]
    table = submission.srcc_table(feats, scores, n_boot=200, seed=3)
    assert isinstance(table, pd.DataFrame), f"srcc_table: expected a pandas DataFrame, found {type(table).__name__}"
    missing = {"srcc", "low", "high"} - set(table.columns)
    assert not missing, f"srcc_table: columns {sorted(missing)} are missing"
    assert sorted(map(str, table.index)) == sorted(feats.columns), "srcc_table: expected one row per feature, indexed by its name"
    for name in feats.columns:
        x = feats[name].to_numpy()
        want = metrics.srcc(x, scores)
        low, high = metrics.bootstrap_ci(metrics.srcc, x, scores, n_boot=200, seed=3)
        got = table.loc[name]
        assert abs(got["srcc"] - want) < 1e-9, f"{name}: srcc {got['srcc']} but metrics.srcc gives {want}"
        assert abs(got["low"] - low) < 1e-9 and abs(got["high"] - high) < 1e-9, (
            f"{name}: interval ({got['low']}, {got['high']}) but metrics.bootstrap_ci(metrics.srcc, ..., n_boot=200, "
            f"seed=3) gives ({low}, {high})")
    order = table["srcc"].abs().to_numpy()
    assert (np.diff(order) <= 1e-12).all(), "srcc_table: rows must be sorted by |srcc|, largest first"

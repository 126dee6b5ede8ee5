"""Hidden tests of assignment 1: the feature on photos the student has not seen.

In a real course these stay with the instructor (assignments/README.md). Each test calls the
student's code before anything that could pass on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aesthetics_lib import metrics
from assignments.a1_feature.harness import as_number, feature_values
from assignments.data import course_features, studio_set

ASSIGNMENT = "a1_feature"


@pytest.fixture(scope="module")
def heldout_values(submission, budget):
    """The student's feature on every held-out photo (computed once for the module)."""
    s = studio_set("heldout", budget)
    return feature_values(submission.feature, s.images(), s.image_ids)


@pytest.mark.points(3)
@pytest.mark.limit(120)
def test_signal_on_heldout_photos(submission, heldout_values, budget):
    direction = submission.DIRECTION
    assert direction in (1, -1), f"DIRECTION: expected +1 or -1, found {direction!r}"
    scores = studio_set("heldout", budget).mean
    x = direction * heldout_values
    r = metrics.srcc(x, scores)
    low, high = metrics.bootstrap_ci(metrics.srcc, x, scores, n_boot=budget.n_boot, seed=0)
    assert low > 0, (f"on {len(x)} held-out photos SRCC(DIRECTION * feature, score) = {r:.3f} "
                     f"[{low:.3f}, {high:.3f}]: the 95 % interval is not above 0")


@pytest.mark.limit(120)
def test_not_a_copy_of_a_course_feature(submission, heldout_values, budget):
    course = course_features("heldout", budget)
    close = {}
    for name in course.columns:
        r = metrics.srcc(heldout_values, course[name].to_numpy())
        if np.isfinite(r) and abs(r) >= 0.95:
            close[name] = r
    assert not close, f"the feature ranks the held-out photos like the course's {', '.join(f'{k} (SRCC {v:.3f})' for k, v in close.items())}"


@pytest.mark.limit(120)
def test_range_holds_on_heldout_photos(submission, heldout_values):
    low, high = submission.RANGE
    outside = heldout_values[(heldout_values < low) | (heldout_values > high)]
    assert outside.size == 0, f"{outside.size} held-out values lie outside RANGE {submission.RANGE}: e.g. {outside[:3]}"


@pytest.mark.limit(20)
def test_other_sizes_and_shapes(submission):
    rng = np.random.default_rng(7)
    low, high = submission.RANGE
    for h, w in ((20, 150), (150, 20), (16, 16), (97, 61), (240, 320)):
        image = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        image[h // 4 : h // 2, w // 4 : w // 2] = (200, 60, 40)  # a flat, saturated "subject"
        value = as_number(submission.feature(image), f"feature of a {h} x {w} photo")
        assert low <= value <= high, f"feature of a {h} x {w} photo is {value}, outside RANGE {submission.RANGE}"


@pytest.mark.limit(20)
def test_no_memory_between_calls(submission, budget):
    a, b = studio_set("practice", budget).images(2)
    first = as_number(submission.feature(a), "feature(a)")
    as_number(submission.feature(b), "feature(b)")
    again = as_number(submission.feature(a), "feature(a) again")
    assert first == again, f"feature(a) gave {first}, then {again} after another photo: it must not keep state between calls"


@pytest.mark.limit(60)
def test_srcc_table_order_and_undefined_rows(submission, budget):
    feats = course_features("heldout", budget).iloc[:150, [0, 4, 8]].copy()
    feats["constant"] = 1.0
    scores = studio_set("heldout", budget).mean[:150]
    table = submission.srcc_table(feats, scores, n_boot=100, seed=1)
    assert isinstance(table, pd.DataFrame), f"srcc_table: expected a DataFrame, found {type(table).__name__}"
    assert list(map(str, table.index))[-1] == "constant", (
        f"srcc_table: a constant column has an undefined SRCC and must come last; rows are {list(table.index)}")
    assert np.isnan(table.loc["constant", "srcc"]), "srcc_table: the SRCC of a constant column must be NaN"
    defined = table.drop(index="constant")
    assert (defined["low"] <= defined["srcc"] + 1e-12).all() and (defined["srcc"] <= defined["high"] + 1e-12).all(), (
        "srcc_table: every interval must hold its SRCC")
    assert (np.diff(defined["srcc"].abs().to_numpy()) <= 1e-12).all(), "srcc_table: rows must be sorted by |srcc|"

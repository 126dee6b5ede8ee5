"""Tests of the studio's factors and true quality (aesthetics_lib.data.studio.factors and .quality)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aesthetics_lib.data import studio as S
from aesthetics_lib.data.studio.apps_truth import _clean_row


def _clean(**overrides) -> dict:
    """A well-made studio photo with chosen factors changed."""
    row = _clean_row(3)
    row.update(overrides)
    return row


def test_aspect_ratios_span_1_3_to_3_1_with_modes_near_2_3_and_3_4():
    f = S.sample_factors(3000, 0)
    a = f["aspect"].to_numpy()
    assert a.min() >= 1 / 3 - 1e-9 and a.max() <= 3 + 1e-9
    assert (a > 1.05).mean() > 0.2 and (a < 0.95).mean() > 0.2  # landscape and portrait
    elong = np.maximum(a, 1 / a)
    assert 0.05 < (elong >= 2).mean() < 0.3
    short_over_long = 1 / elong
    hist, edges = np.histogram(short_over_long, bins=np.arange(1 / 3, 1.0001, 0.025))
    mode = (edges[hist.argmax()] + edges[hist.argmax() + 1]) / 2
    assert min(abs(mode - 2 / 3), abs(mode - 3 / 4)) < 0.03


def test_true_quality_is_standard_normal_and_follows_the_factors():
    f = S.sample_factors(3000, 9)
    q = S.true_quality(f)
    assert abs(q.mean()) < 0.1 and abs(q.std() - 1) < 0.1
    good = pd.DataFrame([_clean(subject_x=1 / 3, subject_y=2 / 3)])
    edge = pd.DataFrame([_clean(subject_x=0.04, subject_y=2 / 3)])
    noisy = pd.DataFrame([_clean(subject_x=1 / 3, subject_y=2 / 3, noise=0.06)])
    assert S.quality_raw(good)[0] > S.quality_raw(edge)[0]
    assert S.quality_raw(good)[0] > S.quality_raw(noisy)[0]

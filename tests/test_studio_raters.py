"""Tests of the studio's simulated raters (aesthetics_lib.data.studio.raters).

The targets are the real datasets' statistics quoted in the course plan (CADB: mean of means 2.70,
SD 0.60, median 2.6, rating counts 1,878 / 18,325 / 20,215 / 6,325 / 742; AVA: mean 5.38, SD 0.73,
95.5 % of means in [4, 7] and the pooled vote histogram), never numbers read off the studio itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aesthetics_lib.data import studio as S


def _votes(layout: str, n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    f = S.sample_factors(n, seed, layout)
    q = S.true_quality(f, layout)
    challenge = np.arange(n) % 15 if layout == "ava" else None
    counts = S.simulate_votes(q, f["polarising"].to_numpy(), layout, seed, challenge=challenge)["counts"]
    return f, q, counts


def test_cadb_calibration_matches_the_real_marginals():
    _, _, counts = _votes("cadb", 600, 1)
    means = (counts * np.arange(1, 6)).sum(1) / 5
    assert abs(means.mean() - 2.70) < 0.08
    assert abs(means.std() - 0.60) < 0.08
    assert 2.4 <= np.median(means) <= 2.8
    real = np.array([1878, 18325, 20215, 6325, 742]) / 47485
    pooled = counts.sum(0) / counts.sum()
    assert np.abs(pooled - real).max() < 0.04, pooled.round(3)
    assert set(np.unique(counts.sum(1))) == {5}


def test_ava_calibration_matches_the_real_marginals():
    _, _, counts = _votes("ava", 400, 1)
    n_votes = counts.sum(1)
    means = (counts * np.arange(1, 11)).sum(1) / n_votes
    assert abs(means.mean() - 5.38) < 0.1
    assert abs(means.std() - 0.73) < 0.08
    assert ((means >= 4) & (means <= 7)).mean() > 0.92
    real = np.array([0.013, 0.027, 0.067, 0.167, 0.288, 0.227, 0.117, 0.057, 0.024, 0.014])
    assert np.abs(counts.sum(0) / counts.sum() - real).max() < 0.02
    assert n_votes.min() >= 80 and n_votes.max() <= 520 and 180 < n_votes.mean() < 240


def test_polarising_images_split_the_raters():
    for layout in ("cadb", "ava"):
        f, _, counts = _votes(layout, 1000, 3)
        k = counts.shape[1]
        bins = np.arange(1, k + 1)
        mean = (counts * bins).sum(1) / counts.sum(1)
        sd = np.sqrt((counts * (bins - mean[:, None]) ** 2).sum(1) / counts.sum(1))
        pol = f["polarising"].to_numpy()
        assert 0.04 < pol.mean() < 0.2
        assert sd[pol].mean() > 1.3 * sd[~pol].mean(), layout
        assert S.two_peaked(counts)[pol].mean() > 5 * S.two_peaked(counts)[~pol].mean(), layout


def test_content_bias_and_placement_show_in_the_votes():
    f, _, counts = _votes("cadb", 3000, 4)
    mean = (counts * np.arange(1, 6)).sum(1) / 5
    by_scene = pd.Series(mean).groupby(f["scene"].to_numpy()).mean()
    assert by_scene["landscape"] > by_scene["indoor"] + 0.15
    by_place = pd.Series(mean).groupby(f["placement"].to_numpy()).mean()
    assert by_place["thirds"] > by_place["centre"] and by_place["thirds"] > by_place["edge"] + 0.3

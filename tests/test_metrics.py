"""Properties of aesthetics_lib.metrics, checked against SciPy / scikit-learn references."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.metrics import balanced_accuracy_score

from aesthetics_lib import metrics as M
from aesthetics_lib.data import schema


def _dists(n: int, k: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).dirichlet(np.ones(k), size=n)


# ---------------------------------------------------------------------------- EMD


def test_emd_of_identical_distributions_is_zero():
    p = _dists(20, 10, 0)
    assert M.emd(p, p, r=1) == 0.0
    assert M.emd(p, p, r=2) == 0.0


def test_emd_is_symmetric_and_positive_for_different_distributions():
    p, q = _dists(30, 5, 1), _dists(30, 5, 2)
    for r in (1, 2):
        a, b = M.emd_per_sample(p, q, r), M.emd_per_sample(q, p, r)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-15)
        assert np.all(a > 0)


@pytest.mark.parametrize("k", [5, 10])
def test_emd_r1_is_wasserstein_on_bin_positions_divided_by_k(k):
    p, q = _dists(25, k, 3), _dists(25, k, 4)
    bins = np.arange(1, k + 1)
    ref = [stats.wasserstein_distance(bins, bins, pi, qi) / k for pi, qi in zip(p, q)]
    np.testing.assert_allclose(M.emd_per_sample(p, q, r=1), ref, rtol=1e-12)


@pytest.mark.parametrize("k", [5, 10])
def test_emd_r2_is_energy_distance_over_sqrt_2k(k):
    # scipy's energy distance is sqrt(2 * integral (F - G)^2); on unit-spaced bins the integral is
    # the sum of squared CDF differences, so EMD_2 = energy_distance / sqrt(2K).
    p, q = _dists(25, k, 5), _dists(25, k, 6)
    bins = np.arange(1, k + 1)
    ref = [stats.energy_distance(bins, bins, pi, qi) / math.sqrt(2 * k) for pi, qi in zip(p, q)]
    np.testing.assert_allclose(M.emd_per_sample(p, q, r=2), ref, rtol=1e-10)


def test_emd_accepts_vote_counts_and_tensors_and_returns_float():
    counts = np.array([[0, 1, 5, 17, 38, 36, 15, 6, 5, 1], [2, 3, 10, 30, 40, 20, 5, 2, 1, 1]])
    dist = counts / counts.sum(1, keepdims=True)
    q = _dists(2, 10, 7)
    assert M.emd(counts, q) == pytest.approx(M.emd(dist, q), rel=1e-12)
    value = M.emd(torch.tensor(dist, dtype=torch.float32), torch.tensor(q))
    assert isinstance(value, float)
    assert value == pytest.approx(M.emd(dist, q), rel=1e-6)


def test_emd_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"\(3, 5\) and \(3, 4\)"):
        M.emd(_dists(3, 5, 0), _dists(3, 4, 0))
    bad = _dists(4, 5, 0)
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"index \(2, 1\)"):
        M.emd(bad, _dists(4, 5, 1))


# ---------------------------------------------------------------------------- correlations


def test_srcc_of_a_monotone_transform_is_one():
    x = np.random.default_rng(0).normal(size=200)
    assert M.srcc(x, np.exp(3 * x)) == pytest.approx(1.0)
    assert M.srcc(x, -(x**3)) == pytest.approx(-1.0)
    assert M.lcc(x, np.exp(3 * x)) < 0.99  # Pearson is not rank-invariant


def test_lcc_of_a_linear_transform_is_one():
    x = np.random.default_rng(1).normal(size=200)
    assert M.lcc(x, 2.5 * x - 7) == pytest.approx(1.0)
    assert M.lcc(torch.tensor(x), torch.tensor(-0.5 * x + 1)) == pytest.approx(-1.0)


def test_correlations_of_a_constant_are_nan():
    y = np.arange(10.0)
    assert math.isnan(M.srcc(np.full(10, 3.0), y))
    assert math.isnan(M.lcc(np.full(10, 3.0), y))


# ---------------------------------------------------------------------------- accuracy


def test_threshold_trap():
    # 3.49 vs 3.51 are nearly equal but fall on opposite sides of 3.5: a "wrong" prediction;
    # 4.9 is far off but on the right side: a "right" one.
    assert M.accuracy([3.49], [3.51], threshold=3.5) == 0.0
    assert M.accuracy([4.9], [3.51], threshold=3.5) == 1.0
    assert M.mse([3.49], [3.51]) < M.mse([4.9], [3.51])


def test_a_mean_on_the_threshold_counts_as_good_despite_float_rounding():
    m = float(schema.dist_mean([0.0, 0.4, 0.6, 0.0, 0.0]))  # 2.6 up to rounding
    assert M.binarize([m, np.nextafter(2.6, 0), 2.6, 2.59], 2.6).tolist() == [True, True, True, False]


def test_balanced_accuracy_matches_sklearn_and_is_half_for_a_constant():
    rng = np.random.default_rng(2)
    y = rng.normal(5.4, 0.7, size=300)
    p = y + rng.normal(0, 0.5, size=300)
    ref = balanced_accuracy_score(y >= 5.0, p >= 5.0)
    assert M.balanced_accuracy(p, y, 5.0) == pytest.approx(ref)
    assert M.balanced_accuracy(np.full(300, 5.5), y, 5.0) == pytest.approx(0.5)
    assert M.accuracy(np.full(300, 5.5), y, 5.0) == pytest.approx(np.mean(y >= 5.0))


# ---------------------------------------------------------------------------- bootstrap


def _noisy(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return x + rng.normal(size=n), x


@pytest.mark.parametrize("fn", [M.srcc, M.lcc, M.mse])
def test_bootstrap_ci_contains_the_estimate_and_narrows_with_more_data(fn):
    widths = []
    for n in (100, 2000):
        pred, target = _noisy(n, n)
        low, high = M.bootstrap_ci(fn, pred, target, n_boot=300, seed=0)
        assert low <= fn(pred, target) <= high
        widths.append(high - low)
    assert widths[1] < widths[0] / 2  # width shrinks like 1/sqrt(n): about 4.5x here


def test_bootstrap_is_deterministic_and_seed_dependent():
    pred, target = _noisy(200, 0)
    a = M.bootstrap_ci(M.srcc, pred, target, n_boot=200, seed=3)
    assert a == M.bootstrap_ci(M.srcc, pred, target, n_boot=200, seed=3)
    assert a != M.bootstrap_ci(M.srcc, pred, target, n_boot=200, seed=4)


@pytest.mark.parametrize(
    "fn",
    [
        M.srcc,
        M.lcc,
        M.mse,
        functools.partial(M.accuracy, threshold=0.0),
        functools.partial(M.balanced_accuracy, threshold=0.0),
        M.mean_of,
    ],
)
def test_vectorised_bootstrap_equals_calling_the_metric_per_resample(fn):
    pred, target = _noisy(60, 1)
    pred = np.round(pred, 1)  # ties, so that average ranks matter for SRCC
    fast = M.bootstrap_ci(fn, pred, target, n_boot=150, seed=0)
    slow = M.bootstrap_ci(lambda a, b: fn(a, b), pred, target, n_boot=150, seed=0)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-12)


def test_bootstrap_leaves_out_resamples_where_srcc_is_undefined():
    pred, target = [1.0, 1.0, 1.0, 2.0], [1.0, 2.0, 3.0, 4.0]  # many resamples have a constant pred
    fast = M.bootstrap_ci(M.srcc, pred, target, n_boot=200, seed=0)
    slow = M.bootstrap_ci(lambda a, b: M.srcc(a, b), pred, target, n_boot=200, seed=0)
    assert np.all(np.isfinite(fast))
    np.testing.assert_allclose(fast, slow, rtol=1e-9)
    assert all(math.isnan(v) for v in M.bootstrap_ci(M.srcc, [2.0, 2.0, 2.0], [1.0, 2.0, 3.0], n_boot=50))


def test_vectorised_bootstrap_of_emd_equals_the_loop():
    p, q = _dists(40, 5, 8), _dists(40, 5, 9)
    fn = functools.partial(M.emd, r=1)
    fast = M.bootstrap_ci(fn, p, q, n_boot=100, seed=0)
    slow = M.bootstrap_ci(lambda a, b: M.emd(a, b, r=1), p, q, n_boot=100, seed=0)
    np.testing.assert_allclose(fast, slow, rtol=1e-12)


# ---------------------------------------------------------------------------- evaluations


def test_evaluate_predictions_keys_and_consistency():
    q = _dists(120, 5, 10)
    p = 0.6 * q + 0.4 * _dists(120, 5, 11)
    res = M.evaluate_predictions(p, q, threshold=2.6)
    assert set(res) == set(M.METRIC_KEYS)
    assert res["emd2"] == pytest.approx(M.emd(p, q, 2))
    assert res["mse"] == pytest.approx(np.mean((schema.dist_mean(p) - schema.dist_mean(q)) ** 2))
    assert all(isinstance(v, float) for v in res.values())

    with_ci = M.evaluate_predictions(p, q, threshold=2.6, ci=True, n_boot=100)
    assert set(with_ci) == set(M.METRIC_KEYS) | {f"{k}_ci" for k in M.METRIC_KEYS}
    for key in M.METRIC_KEYS:
        low, high = with_ci[f"{key}_ci"]
        assert low <= with_ci[key] <= high


def test_format_ci_shows_the_estimate_and_its_interval():
    res = {"srcc": 0.61234, "srcc_ci": (0.58111, 0.64049), "mse": 0.25}
    assert M.format_ci(res, "srcc") == "0.612 [0.581, 0.64]"
    assert M.format_ci(res, "mse") == "0.25"


def test_evaluate_predictions_with_means_only_reports_emd_as_nan():
    q = _dists(50, 10, 12)
    p = _dists(50, 10, 13)
    full = M.evaluate_predictions(p, q, threshold=5.0)
    means_only = M.evaluate_predictions(None, q, threshold=5.0, pred_mean=schema.dist_mean(p))
    assert math.isnan(means_only["emd1"]) and math.isnan(means_only["emd2"])
    for key in ("mse", "srcc", "lcc", "accuracy"):
        assert means_only[key] == pytest.approx(full[key])


def test_naive_baseline():
    q = _dists(200, 5, 14)
    tm = schema.dist_mean(q)
    res = M.naive_baseline(float(tm.mean()), q, threshold=2.6)
    assert math.isnan(res["srcc"]) and math.isnan(res["lcc"]) and math.isnan(res["emd2"])
    assert res["mse"] == pytest.approx(np.var(tm))  # predicting the mean: MSE = variance
    assert res["balanced_accuracy"] == pytest.approx(0.5)

    train = _dists(300, 5, 15)
    with_dist = M.naive_baseline(None, q, threshold=2.6, train_dist=train)
    assert with_dist["emd2"] == pytest.approx(M.emd(np.tile(train.mean(0), (200, 1)), q))
    assert with_dist["mse"] == pytest.approx(np.mean((schema.dist_mean(train.mean(0)) - tm) ** 2))


def test_split_half_reliability_grows_with_the_number_of_raters():
    rng = np.random.default_rng(0)
    quality = rng.normal(size=300)

    def votes(n_raters: int) -> np.ndarray:
        scores = np.clip(np.round(3 + quality[:, None] + rng.normal(0, 1.2, (300, n_raters))), 1, 5)
        return np.stack([(scores == s).sum(1) for s in range(1, 6)], 1)

    few, many = (M.split_half_reliability(votes(n), n_splits=5) for n in (6, 60))
    assert 0 < few["lcc_half"] < many["lcc_half"] < 1
    assert many["lcc_full"] > many["lcc_half"]  # the full panel is more reliable than a half
    noise = np.stack([rng.multinomial(40, [0.1, 0.2, 0.4, 0.2, 0.1]) for _ in range(300)])
    assert abs(M.split_half_reliability(noise, n_splits=5)["srcc_half"]) < 0.15
    unanimous = np.eye(5, dtype=int)[rng.integers(0, 5, 300)] * 7  # every rater agrees: halves equal
    assert M.split_half_reliability(unanimous, n_splits=2)["srcc_half"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="integer vote counts"):
        M.split_half_reliability(_dists(10, 5, 0))


def test_true_means_from_float32_histograms_keep_their_ties() -> None:
    """Means derived from float32 vote histograms are rounded: equal vote means stay tied (SRCC)
    and a mean equal to the threshold counts as reaching it (accuracy), as with the exact means."""
    votes = np.array([[0, 2, 3, 0, 0], [0, 3, 1, 1, 0], [1, 0, 2, 2, 0], [0, 0, 1, 3, 1]], dtype=np.float32)
    dist = votes / votes.sum(1, keepdims=True)  # means 2.6, 2.6, 3.0, 4.0
    exact = (votes * np.arange(1, 6)).sum(1) / votes.sum(1)
    pred = np.array([2.0, 3.0, 2.5, 4.5])
    derived = M.evaluate_predictions(None, dist, 2.6, pred_mean=pred)
    given = M.evaluate_predictions(None, None, 2.6, pred_mean=pred, true_mean=exact)
    assert derived["srcc"] == pytest.approx(given["srcc"], abs=1e-12)
    assert derived["accuracy"] == given["accuracy"]


def test_strict_threshold_is_samp_nets_convention() -> None:
    """At a mean equal to the threshold, ``>=`` (AVA's convention, the default) calls it good and
    ``strict=True`` (``>``, SAMP-Net's code) calls it bad."""
    true = np.array([2.6, 2.6, 3.0, 2.0])
    pred = np.array([2.7, 2.5, 3.1, 2.6])
    assert M.binarize(true, 2.6).tolist() == [True, True, True, False]
    assert M.binarize(true, 2.6, strict=True).tolist() == [False, False, True, False]
    assert M.accuracy(pred, true, 2.6) == 0.5  # 2.5 vs 2.6 and 2.6 vs 2.0 disagree
    assert M.accuracy(pred, true, 2.6, strict=True) == 0.75  # 2.7 vs 2.6 disagrees


def test_float32_means_at_the_threshold_reach_it() -> None:
    """Datasets keep means in float32, where 2.6 is 2.5999999: still "good" at threshold 2.6."""
    means = np.array([2.6, 2.4, 3.0], dtype=np.float32)
    assert float(means[0]) < 2.6
    assert M.binarize(means, 2.6).tolist() == [True, False, True]
    assert M.binarize(means, 2.6, strict=True).tolist() == [False, False, True]
    assert M.accuracy(np.array([2.7, 2.5, 3.1]), means, 2.6) == 1.0


def test_attribute_agreement_is_the_srcc_over_the_labelled_photos():
    rng = np.random.default_rng(0)
    labels = rng.choice([-0.6, -0.2, 0.0, 0.2, 0.6], size=(60, 3))
    labels[:10, 1] = np.nan  # no label at all: left out like a 0
    labels[:, 2] = 0.0
    labels[:4, 2] = [0.2, -0.2, 0.6, 0.4]  # only 4 labelled photos
    pred = np.nan_to_num(labels) + rng.normal(0, 0.3, size=labels.shape)
    rows = M.attribute_agreement(pred, labels, ["a", "b", "c"], n_boot=200)
    for j, row in enumerate(rows[:2]):
        known = np.isfinite(labels[:, j]) & (labels[:, j] != 0)
        assert row["labelled"] == int(known.sum())
        assert row["srcc"] == pytest.approx(M.srcc(pred[known, j], labels[known, j]))
        assert (row["low"], row["high"]) == pytest.approx(M.bootstrap_ci(M.srcc, pred[known, j], labels[known, j], n_boot=200))
    assert rows[2]["labelled"] == 4 and np.isnan(rows[2]["srcc"]) and np.isnan(rows[2]["low"])
    with pytest.raises(ValueError, match=r"expected pred and labels \[N, 2\]"):
        M.attribute_agreement(pred, labels, ["a", "b"])

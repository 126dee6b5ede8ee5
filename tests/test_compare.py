"""Paired comparisons and the reliability ceiling."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from scipy import stats

from aesthetics_lib import metrics as M
from aesthetics_lib.compare import PairedDifference, interval_side, paired_bootstrap, reliability_ceiling


def _data(n: int = 400, seed: int = 0):
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=n)
    good = truth + rng.normal(scale=0.6, size=n)
    bad = truth + rng.normal(scale=1.5, size=n)
    return truth, bad, good


def test_paired_interval_matches_scipy_bootstrap() -> None:
    truth, bad, good = _data()
    ours = paired_bootstrap(M.srcc, bad, good, truth, n_boot=4000, seed=0)

    def stat(a, b, t):
        return stats.spearmanr(b, t)[0] - stats.spearmanr(a, t)[0]

    ref = stats.bootstrap((bad, good, truth), stat, paired=True, vectorized=False, n_resamples=4000,
                          method="percentile", random_state=np.random.default_rng(1))
    assert ours.difference == pytest.approx(stat(bad, good, truth), abs=1e-9)
    assert ours.low == pytest.approx(ref.confidence_interval.low, abs=0.02)
    assert ours.high == pytest.approx(ref.confidence_interval.high, abs=0.02)
    assert ours.verdict == "higher"


def test_pairing_narrows_the_interval_and_verdicts_follow_it() -> None:
    truth, bad, good = _data(seed=3)
    same = paired_bootstrap(M.mse, good, good + 1e-9, truth, n_boot=500)
    assert same.verdict == "no clear difference" and same.low <= same.difference <= same.high
    worse = paired_bootstrap(M.mse, good, bad, truth, n_boot=500)
    assert worse.verdict == "higher" and worse.low > 0  # b's MSE is higher
    assert paired_bootstrap(M.srcc, good, bad, truth, n_boot=500).verdict == "lower"
    assert "(lower)" in str(PairedDifference(-0.1, -0.2, -0.05))


def test_paired_bootstrap_refuses_mismatched_predictions() -> None:
    with pytest.raises(ValueError, match="same shape"):
        paired_bootstrap(M.srcc, np.zeros(5), np.zeros(6), np.zeros(5))


@pytest.mark.parametrize("metric", [M.srcc, M.lcc, M.mse, functools.partial(M.emd, r=1)])
def test_paired_bootstrap_of_a_library_metric_equals_calling_it_per_resample(metric) -> None:
    truth, bad, good = _data(n=80, seed=5)
    bad, good = np.round(bad, 1), np.round(good, 1)  # ties, so that average ranks matter for SRCC
    if metric is not M.srcc and metric is not M.lcc and metric is not M.mse:  # EMD: distributions
        rng = np.random.default_rng(2)
        bad, good, truth = (rng.dirichlet(np.ones(5), size=80) for _ in range(3))
    fast = paired_bootstrap(metric, bad, good, truth, n_boot=300)
    slow = paired_bootstrap(lambda p, t: metric(p, t), bad, good, truth, n_boot=300)  # a plain callable: one call per resample
    np.testing.assert_allclose([fast.difference, fast.low, fast.high], [slow.difference, slow.low, slow.high], rtol=1e-9, atol=1e-12)


def test_paired_srcc_leaves_out_the_same_constant_resamples_as_the_loop() -> None:
    a, b, t = [1.0, 1.0, 1.0, 2.0, 2.0], [1.0, 2.0, 3.0, 3.0, 3.0], [1.0, 2.0, 3.0, 4.0, 5.0]
    fast = paired_bootstrap(M.srcc, a, b, t, n_boot=300)
    slow = paired_bootstrap(lambda p, q: M.srcc(p, q), a, b, t, n_boot=300)
    np.testing.assert_allclose([fast.low, fast.high], [slow.low, slow.high], rtol=1e-9, atol=1e-12)


def test_reliability_ceiling_is_the_square_root() -> None:
    assert reliability_ceiling(0.81) == pytest.approx(0.9)
    assert reliability_ceiling(0.0) == 0.0
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        reliability_ceiling(1.2)


def test_ceiling_from_simulated_votes_matches_the_truth() -> None:
    """Raters = consensus + independent noise: sqrt(reliability of 10 votes) is about the SRCC of the
    10-vote mean with the consensus."""
    rng = np.random.default_rng(0)
    consensus = rng.normal(size=3000)
    votes = np.clip(np.round(3 + consensus[:, None] + rng.normal(scale=1.0, size=(3000, 10))), 1, 5).astype(int)
    counts = np.stack([(votes == k).sum(1) for k in range(1, 6)], 1)
    rel = M.split_half_reliability(counts, n_splits=10, seed=0)
    assert reliability_ceiling(rel["srcc_full"]) == pytest.approx(M.srcc(votes.mean(1), consensus), abs=0.03)


def test_mean_interval_matches_scipy_bootstrap() -> None:
    values = np.random.default_rng(2).gamma(2.0, size=150)
    mean, low, high = M.mean_ci(values, n_boot=4000)
    ref = stats.bootstrap((values,), np.mean, n_resamples=4000, method="percentile", random_state=0).confidence_interval
    assert mean == pytest.approx(values.mean())
    assert low == pytest.approx(ref.low, abs=0.03) and high == pytest.approx(ref.high, abs=0.03)
    assert M.mean_ci([0.4])[0] == 0.4 and np.isnan(M.mean_ci([0.4])[1]) and np.isnan(M.mean_ci([])[0])


def test_interval_side() -> None:
    assert interval_side(0.0, 0.1, 0.3) == "above"
    assert interval_side(0.5, 0.1, 0.3) == "below"
    assert interval_side(0.2, 0.1, 0.3) == "not distinguishable"
    assert interval_side(0.2, float("nan"), float("nan")) == "not distinguishable"


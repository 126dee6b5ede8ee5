"""Evaluation metrics for aesthetics predictions: EMD, MSE, SRCC, LCC, binary accuracy, bootstrap
confidence intervals, the predict-the-training-mean baseline and a split-half noise ceiling.

Every function accepts NumPy arrays, torch tensors (detached and copied to the CPU) or sequences,
computes in float64 and returns plain Python floats, so results print and log the same everywhere.
The definitions follow NIMA (Talebi & Milanfar 2018) and SAMP-Net (Zhang et al. 2021): EMD r=1 and
r=2 over cumulative distributions, MSE of the mean scores, Spearman (SRCC) and Pearson (LCC)
correlation, and binary accuracy at a threshold (5.0 on AVA, 2.6 on CADB).

Introduced in notebooks/04_metrics_and_losses.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
from scipy import stats

#: Tolerance of the accuracy threshold. A mean computed as ``sum(i * p_i)`` can come out as
#: 2.5999999999999996 instead of 2.6, and a mean stored in float32 (as datasets keep them) is
#: 2.5999999 (float32 resolves about 2.4e-7 near 2.6); without a tolerance such an image would
#: silently change class. 1e-6 is far below any difference of vote means (multiples of 1/raters).
THRESHOLD_TOL = 1e-6

#: Largest number of resampled indices held in memory at once by :func:`bootstrap_ci`.
_BOOT_CHUNK_ELEMENTS = 2_000_000
#: Resampled indices a metric evaluated all resamples at once sees per call: its temporaries then
#: stay in the CPU's cache, several times faster than whole chunks (benchmarks/bench_bootstrap.py).
_BOOT_BLOCK_ELEMENTS = 100_000

ArrayLike = Any  # numpy array, torch tensor, or a (nested) sequence of numbers


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------


def _as_array(x: ArrayLike, name: str) -> np.ndarray:
    """Convert a NumPy array, torch tensor or sequence to a float64 array; reject non-finite values."""
    if x is None:
        raise ValueError(f"{name}: expected an array of numbers, found None")
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor (torch is not imported here)
        x = x.detach().cpu().double().numpy()
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected an array of numbers, found {type(x).__name__} ({exc})")
    bad = ~np.isfinite(a)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name}: expected finite values, found {int(bad.sum())} NaN/inf "
            f"(first at index {first[0] if len(first) == 1 else first})"
        )
    return a


def _as_scores(x: ArrayLike, name: str) -> np.ndarray:
    """A 1-D vector of scores ``[N]`` (a ``[N, 1]`` column is flattened)."""
    a = _as_array(x, name)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise ValueError(f"{name}: expected a vector of scores [N], found shape {a.shape}")
    return a


def _as_dist(x: ArrayLike, name: str) -> np.ndarray:
    """Distributions ``[N, K]`` (a single ``[K]`` is a batch of one), normalised to sum to 1.

    Vote counts are accepted too: each row is divided by its sum.
    """
    a = _as_array(x, name)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"{name}: expected distributions of shape [N, K] or [K], found {a.shape}")
    if a.shape[1] < 2:
        raise ValueError(f"{name}: expected at least 2 score bins, found shape {a.shape}")
    if (a < 0).any():
        row = int(np.argwhere(a < 0)[0][0])
        raise ValueError(f"{name}: expected non-negative probabilities, found a negative one in row {row}")
    total = a.sum(1, keepdims=True)
    if (total <= 0).any():
        row = int(np.argwhere(total[:, 0] <= 0)[0][0])
        raise ValueError(f"{name}: row {row} sums to 0; expected a distribution (or vote counts)")
    return a / total


def _pair(pred: ArrayLike, target: ArrayLike, where: str) -> tuple[np.ndarray, np.ndarray]:
    x = _as_scores(pred, f"{where}: pred")
    y = _as_scores(target, f"{where}: target")
    if x.shape != y.shape:
        raise ValueError(f"{where}: pred and target must have the same length, found {len(x)} and {len(y)}")
    if len(x) == 0:
        raise ValueError(f"{where}: expected at least one item, found none")
    return x, y


def _means(dist: np.ndarray) -> np.ndarray:
    """Mean score of distributions ``[N, K] -> [N]`` over bins 1..K (:func:`~aesthetics_lib.data.schema.dist_mean`)."""
    from aesthetics_lib.data.schema import dist_mean

    return dist_mean(dist)


def _target_means(dist: np.ndarray) -> np.ndarray:
    """Mean scores of the raters' distributions, rounded to 6 decimals: histograms stored in float32
    give 2.5999999 and 2.6000001 for the same mean of votes, which would break exact ties (SRCC)
    and put a mean equal to the threshold on either side of it (accuracy)."""
    return np.round(_means(dist), 6)


# --------------------------------------------------------------------------------------------
# point metrics
# --------------------------------------------------------------------------------------------


def emd_per_sample(p: ArrayLike, q: ArrayLike, r: float = 2) -> np.ndarray:
    """Earth mover's distance of each pair of score distributions. ``[N, K], [N, K] -> [N]``.

    ``EMD_r(p, q) = (1/K * sum_k |CDF_p(k) - CDF_q(k)|^r)^(1/r)``, the normalised form used by NIMA
    (Talebi & Milanfar 2018) and SAMP-Net (Zhang et al. 2021). Rows are normalised to sum to 1, so
    vote counts work as well; a single ``[K]`` vector is a batch of one. With r=1 this equals the
    1-Wasserstein distance between the distributions on bin positions 1..K, divided by K.
    Introduced in notebooks/04_metrics_and_losses.
    """
    if not r >= 1:
        raise ValueError(f"emd: expected r >= 1 (r=1 or r=2 in the literature), found r={r}")
    P = _as_dist(p, "emd: p")
    Q = _as_dist(q, "emd: q")
    if P.shape != Q.shape:
        raise ValueError(f"emd: p and q must have the same shape [N, K], found {P.shape} and {Q.shape}")
    d = np.abs(np.cumsum(P, 1) - np.cumsum(Q, 1))
    return np.mean(d**r, axis=1) ** (1.0 / r)


def emd(p: ArrayLike, q: ArrayLike, r: float = 2) -> float:
    """EMD_r averaged over a batch (see :func:`emd_per_sample`). ``[N, K], [N, K] -> float``.

    Introduced in notebooks/04_metrics_and_losses.
    """
    return float(np.mean(emd_per_sample(p, q, r)))


def mse(pred_mean: ArrayLike, true_mean: ArrayLike) -> float:
    """Mean squared error between predicted and true mean scores. ``[N], [N] -> float``.

    Introduced in notebooks/04_metrics_and_losses.
    """
    x, y = _pair(pred_mean, true_mean, "mse")
    return float(np.mean((x - y) ** 2))


def srcc(pred: ArrayLike, target: ArrayLike) -> float:
    """Spearman rank correlation (``scipy.stats.spearmanr``). ``[N], [N] -> float`` in [-1, 1].

    Returns NaN when either input is constant or has fewer than 2 items: a rank correlation divides
    by the spread of the ranks, which is zero for a constant. Introduced in
    notebooks/04_metrics_and_losses.
    """
    x, y = _pair(pred, target, "srcc")
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(stats.spearmanr(x, y).statistic)


def lcc(pred: ArrayLike, target: ArrayLike) -> float:
    """Pearson linear correlation (``scipy.stats.pearsonr``). ``[N], [N] -> float`` in [-1, 1].

    Returns NaN when either input is constant or has fewer than 2 items. Introduced in
    notebooks/04_metrics_and_losses.
    """
    x, y = _pair(pred, target, "lcc")
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(stats.pearsonr(x, y).statistic)


def binarize(mean: ArrayLike, threshold: float, *, strict: bool = False) -> np.ndarray:
    """Binary "good" labels: ``mean >= threshold`` (within :data:`THRESHOLD_TOL`). ``[N] -> bool [N]``.

    The convention of Murray et al. (2012) for AVA: an image whose mean is at or above the threshold
    is "good". ``strict=True`` asks for ``mean > threshold`` instead, the convention of SAMP-Net's
    code for CADB (where a mean of exactly 2.6 is common, so the two differ). Introduced in
    notebooks/04_metrics_and_losses.
    """
    m = _as_scores(mean, "binarize: mean")
    if strict:
        return m > float(threshold) + THRESHOLD_TOL
    return m >= float(threshold) - THRESHOLD_TOL


def accuracy(pred_mean: ArrayLike, true_mean: ArrayLike, threshold: float, *, strict: bool = False) -> float:
    """Binary classification accuracy at ``threshold``. ``[N], [N] -> float`` in [0, 1].

    Both predicted and true means are turned into "good" (``>= threshold``) or "bad" labels, and the
    fraction of agreeing labels is returned (threshold 5.0 on AVA, 2.6 on CADB).

    The threshold trap: on CADB a true mean of 3.51 and a prediction of 3.49 differ by 0.02, far
    below any rater's resolution, yet at threshold 3.5 they fall on opposite sides and the
    prediction counts as wrong; a prediction of 4.9 for a 3.51 image counts as right. Accuracy
    rewards being on the right side of an arbitrary line, not being close; and with imbalanced
    classes (70% of AVA is above 5) a constant prediction already scores high, so report
    :func:`balanced_accuracy` and the naive baseline beside it. ``strict``: see :func:`binarize`.
    Introduced in notebooks/04_metrics_and_losses.
    """
    x, y = _pair(pred_mean, true_mean, "accuracy")
    return float(np.mean(binarize(x, threshold, strict=strict) == binarize(y, threshold, strict=strict)))


def balanced_accuracy(pred_mean: ArrayLike, true_mean: ArrayLike, threshold: float) -> float:
    """Balanced accuracy at ``threshold``: the mean of the recall on "good" and on "bad" images.

    ``[N], [N] -> float`` in [0, 1]; 0.5 for any constant prediction when both classes occur. Only
    the classes present in ``true_mean`` are averaged (as ``sklearn.metrics.balanced_accuracy_score``
    does). Introduced in notebooks/04_metrics_and_losses.
    """
    x, y = _pair(pred_mean, true_mean, "balanced_accuracy")
    gp, gt = binarize(x, threshold), binarize(y, threshold)
    recalls = [np.mean(gp[gt == c] == c) for c in (False, True) if np.any(gt == c)]
    return float(np.mean(recalls))


# --------------------------------------------------------------------------------------------
# bootstrap
# --------------------------------------------------------------------------------------------


def _resample_chunks(n: int, n_boot: int, seed: int) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(start, idx[b, n])`` blocks of bootstrap indices; the stream depends only on
    ``(n, n_boot, seed)``, so every metric evaluated with the same seed sees the same resamples."""
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, _BOOT_CHUNK_ELEMENTS // max(n, 1)))
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        yield start, rng.integers(0, n, size=(b, n))


def _rowwise_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row of ``a`` with the same row of ``b``. ``[B, n] x2 -> [B]``."""
    constant = (np.ptp(a, 1) == 0) | (np.ptp(b, 1) == 0)  # as in :func:`lcc`: undefined
    a = a - a.mean(1, keepdims=True)
    b = b - b.mean(1, keepdims=True)
    den = np.sqrt((a * a).sum(1) * (b * b).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a * b).sum(1) / den
    r[constant | ~(den > 0)] = np.nan
    return np.clip(r, -1.0, 1.0)


def _tie_groups(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort order of ``v``, start of each run of equal values in that order, group of each item."""
    order = np.argsort(v, kind="stable")
    sv = v[order]
    new = np.concatenate([[True], sv[1:] != sv[:-1]])
    group = np.empty(len(v), dtype=np.int64)
    group[order] = np.cumsum(new) - 1
    return order, np.flatnonzero(new), group


def _resample_ranks(counts: np.ndarray, groups: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """Average ranks of every item inside each resample, without sorting the resamples.

    ``counts[b, i]`` is how often item i was drawn in resample b. Sorted once, the items of a tie
    group g with ``c_g`` draws in total occupy ranks ``C_g + 1 .. C_g + c_g`` of the resample
    (``C_g`` = draws of all smaller values), so their average rank is ``C_g + (c_g + 1) / 2``:
    exactly what ``scipy.stats.rankdata`` gives the resampled values. ``[b, n] -> [b, n]``.
    """
    order, starts, group = groups
    per_group = np.add.reduceat(counts[:, order], starts, axis=1)
    ranks = np.cumsum(per_group, 1) - per_group + (per_group + 1) / 2.0
    return ranks[:, group]


def _rank_pearson(ra: np.ndarray, rb: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pearson correlation of the ranks ``ra`` and ``rb`` inside each resample (a row of draw counts
    ``w``): the SRCC of every resample. ``[B, n] x3 -> [B]``.

    The ranks of a resample of n draws average ``(n + 1) / 2`` whatever the ties, and they are
    multiples of 1/2, so every sum below is exact in float64 (up to about 200,000 items): a
    resample where either side is constant (all draws in one tie group: no spread) gives exactly 0
    in the denominator and NaN, as :func:`srcc` does.
    """
    mid = (w.shape[1] + 1) / 2.0
    da, db = ra - mid, rb - mid
    wa = w * da
    den = np.sqrt((wa * da).sum(1) * (w * db * db).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (wa * db).sum(1) / den
    r[~(den > 0)] = np.nan
    return np.clip(r, -1.0, 1.0)


def _draw_counts(idx: np.ndarray, n: int) -> np.ndarray:
    """Resample indices ``[b, n]`` -> how often each item was drawn ``[b, n]``."""
    b = idx.shape[0]
    flat = (idx + n * np.arange(b)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)


def _balanced_rows(correct: np.ndarray, good: np.ndarray) -> np.ndarray:
    n_good = good.sum(1)
    n_bad = good.shape[1] - n_good
    with np.errstate(invalid="ignore", divide="ignore"):
        rec_good = (correct & good).sum(1) / n_good
        rec_bad = (correct & ~good).sum(1) / n_bad
    both = np.stack([rec_good, rec_bad], 1)
    return np.nanmean(both, 1)  # rows always contain at least one class


#: Functions declared (:func:`averages_columns`) to equal a library metric of each column of their
#: predictions, averaged over the columns: function -> that metric.
_COLUMN_AVERAGES: dict[Callable, Callable] = {}


def averages_columns(metric: Callable[[Any, Any], float]) -> Callable[[Callable], Callable]:
    """Decorator for ``fn(p, t)`` that equals ``metric(p[:, j], t)`` averaged over the columns ``j``
    of ``p`` (``[N, k]``, or ``[N, k, K]`` distributions; e.g. several seeds' predictions of the same
    photos), ``metric`` one of the library's. :func:`bootstrap_ci` and
    :func:`aesthetics_lib.compare.paired_bootstrap` then evaluate ``fn`` on a whole block of
    resamples at once, as ``metric`` of each column, instead of calling it once per resample (same
    resamples, same values up to the last bits of float64). Returns ``fn`` unchanged. Introduced in
    notebooks/09_convnextv2_sgfm."""

    def declare(fn: Callable) -> Callable:
        _COLUMN_AVERAGES[fn] = metric
        return fn

    return declare


def _columns(metric: Callable, P: np.ndarray, T: np.ndarray) -> Callable[[np.ndarray], np.ndarray] | None:
    """For a library metric, ``idx[b, n] -> [b, k]``: the metric of each column ``P[:, j]`` with ``T``
    on every resample of a block (SRCC ranks ``T`` once per block for all columns; the other metrics
    through :func:`_vectorised`, column by column); None where :func:`_vectorised` has no form."""
    if P.ndim < 2:
        return None
    if metric is srcc and P.ndim == 2 and T.ndim == 1:
        gt, gp = _tie_groups(T), [_tie_groups(P[:, j]) for j in range(P.shape[1])]

        def resampled_srcc_columns(idx: np.ndarray) -> np.ndarray:
            w = _draw_counts(idx, len(T))
            rt = _resample_ranks(w, gt)
            return np.stack([_rank_pearson(_resample_ranks(w, g), rt, w) for g in gp], axis=1)

        return resampled_srcc_columns
    per_column = [_vectorised(metric, np.ascontiguousarray(P[:, j]), T) for j in range(P.shape[1])]
    if any(f is None for f in per_column):
        return None
    return lambda idx: np.stack([f(idx) for f in per_column], axis=1)


def resampled_difference(
    metric: Callable[[Any, Any], float], pred_a: np.ndarray, pred_b: np.ndarray, target: ArrayLike
) -> Callable[[np.ndarray], np.ndarray] | None:
    """``idx[b, n] -> [b]``: ``metric(pred_b, target) - metric(pred_a, target)`` on every resample of
    a block at once, for the library's metrics and the functions declared with
    :func:`averages_columns` (then ``pred_a``/``pred_b`` are ``[N, k]`` or ``[N, k, K]``); None for any
    other callable, or inputs it cannot take (the caller then checks them and loops). What
    :func:`aesthetics_lib.compare.paired_bootstrap` resamples."""
    try:
        target = np.asarray(target, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError):  # e.g. a tensor that requires grad
        return None
    if pred_a.shape != pred_b.shape or pred_a.ndim == 0 or target.ndim == 0 or len(target) != len(pred_a):
        return None
    averaged = _COLUMN_AVERAGES.get(metric)
    if averaged is not None and pred_a.ndim >= 2:  # k columns per arm
        metric, arms, k = averaged, np.concatenate([pred_a, pred_b], axis=1), pred_a.shape[1]
    else:  # one column per arm
        arms, k = np.stack([pred_a, pred_b], axis=1), 1
    columns = _columns(metric, arms, target)
    return None if columns is None else lambda idx: _arm_difference(columns(idx), k)


def _arm_difference(v: np.ndarray, k: int) -> np.ndarray:
    """``[b, 2k]`` (arm a's k columns, then arm b's) -> the mean of b's minus the mean of a's ``[b]``."""
    return v[:, k:].mean(1) - v[:, :k].mean(1)


def _vectorised(fn: Callable, P: np.ndarray, T: np.ndarray) -> Callable[[np.ndarray], np.ndarray] | None:
    """For the library's own metrics, a function ``idx[b, n] -> [b]`` that evaluates all resamples
    of a block at once; None for any other callable (then the bootstrap loops). Functions declared
    with :func:`averages_columns` are evaluated as their metric of each column, averaged."""
    averaged = _COLUMN_AVERAGES.get(fn)
    if averaged is not None:
        columns = _columns(averaged, P, T)
        return None if columns is None else lambda idx: columns(idx).mean(1)
    base, kw = fn, {}
    if isinstance(fn, functools.partial) and not fn.args:
        base, kw = fn.func, dict(fn.keywords)
    if base is srcc and not kw and P.ndim == 1 and T.ndim == 1:
        one_column = _columns(srcc, P[:, None], T)
        return lambda idx: one_column(idx)[:, 0]
    if base is lcc and not kw:
        return lambda idx: _rowwise_pearson(P[idx], T[idx])
    if base is mse and not kw:
        se = (P - T) ** 2
        return lambda idx: se[idx].mean(1)
    if base is mean_of and not kw and P.ndim == 1:
        return lambda idx: P[idx].mean(1)
    if base is emd and set(kw) <= {"r"}:
        per = emd_per_sample(P, T, **kw)
        return lambda idx: per[idx].mean(1)
    if base in (accuracy, balanced_accuracy) and set(kw) == {"threshold"}:
        gp, gt = binarize(P, kw["threshold"]), binarize(T, kw["threshold"])
        correct = gp == gt
        if base is accuracy:
            return lambda idx: correct[idx].mean(1)
        return lambda idx: _balanced_rows(correct[idx], gt[idx])
    return None


def bootstrap_ci(
    fn: Callable[[Any, Any], float],
    pred: ArrayLike,
    target: ArrayLike,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
    *,
    resampled: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of ``fn(pred, target)`` over images.

    ``pred`` and ``target`` are resampled together along their first axis (``[N]`` scores or
    ``[N, K]`` distributions) ``n_boot`` times; the interval is the ``alpha/2`` and ``1 - alpha/2``
    percentiles of the resampled statistic (Efron & Tibshirani 1993). Deterministic given ``seed``,
    and every metric bootstrapped with the same seed and N sees the same resamples. Resamples where
    the statistic is undefined (NaN, e.g. a constant resample for SRCC) are left out; ``(nan, nan)``
    when none is defined. The library's :func:`srcc`, :func:`lcc`, :func:`mse`, :func:`emd`,
    :func:`accuracy`, :func:`balanced_accuracy` and :func:`mean_of` (also as ``functools.partial``
    with keyword arguments) are evaluated for a block of resamples at once (for SRCC the ranks
    inside each resample come from one sort of the data and the draw counts, see
    ``_resample_ranks``), and so are functions declared with :func:`averages_columns`; any other
    callable is called once per resample, unless the caller passes ``resampled``, its value on a
    block of resampled indices (``idx[b, n] -> [b]``, as :func:`resampled_difference` gives).
    Returns ``(low, high)``. Introduced in notebooks/01_handcrafted_features.
    """
    if not (0 < alpha < 1):
        raise ValueError(f"bootstrap_ci: expected 0 < alpha < 1, found alpha={alpha}")
    if int(n_boot) < 1:
        raise ValueError(f"bootstrap_ci: expected n_boot >= 1, found n_boot={n_boot}")
    n_boot = int(n_boot)
    P = _as_array(pred, "bootstrap_ci: pred")
    T = _as_array(target, "bootstrap_ci: target")
    if P.ndim == 0 or T.ndim == 0 or len(P) != len(T):
        raise ValueError(
            f"bootstrap_ci: pred and target must have the same length along axis 0, found shapes "
            f"{P.shape} and {T.shape}"
        )
    n = len(P)
    if n < 2:
        raise ValueError(f"bootstrap_ci: expected at least 2 items to resample, found {n}")
    fast = resampled if resampled is not None else _vectorised(fn, P, T)
    values = np.empty(n_boot, dtype=np.float64)
    block_rows = max(1, _BOOT_BLOCK_ELEMENTS // n)
    for start, idx in _resample_chunks(n, n_boot, seed):
        if fast is not None:
            for first in range(0, len(idx), block_rows):  # every resample is evaluated on its own row
                block = idx[first : first + block_rows]
                values[start + first : start + first + len(block)] = fast(block)
        else:
            for j, rows in enumerate(idx):
                values[start + j] = float(fn(P[rows], T[rows]))
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (math.nan, math.nan)
    low, high = np.percentile(values, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return (float(low), float(high))


def mean_of(values: ArrayLike, _target: ArrayLike) -> float:
    """The mean of ``values`` (``_target`` is ignored): the metric :func:`bootstrap_ci` and
    :func:`aesthetics_lib.compare.paired_bootstrap` take when the per-item values are the scores
    themselves (one IoU per canvas, one pairwise accuracy per burst)."""
    return float(np.mean(values))


def mean_ci(values: ArrayLike, n_boot: int = 1000, alpha: float = 0.05, seed: int = 0) -> tuple[float, float, float]:
    """``(mean, low, high)``: the mean of per-item values (one per photo, burst or canvas) and its
    percentile-bootstrap interval over the items (:func:`bootstrap_ci`, same resamples for the same
    seed and N). With fewer than 2 items the interval is ``(nan, nan)``; with none the mean is nan
    too. Introduced in notebooks/10_explainability.
    """
    v = _as_array(values, "mean_ci: values").astype(np.float64).ravel()
    if len(v) < 2:
        return (float(v.mean()) if len(v) else math.nan, math.nan, math.nan)
    low, high = bootstrap_ci(mean_of, v, v, n_boot=n_boot, alpha=alpha, seed=seed)
    return float(v.mean()), low, high


def attribute_agreement(
    pred: ArrayLike, labels: ArrayLike, names: Sequence[str], n_boot: int = 1000, seed: int = 0, min_labelled: int = 6,
) -> list[dict[str, Any]]:
    """How well predicted attributes follow their labels, one attribute at a time.

    ``pred`` ``[N, A]`` predicted attributes, ``labels`` ``[N, A]`` their labels (NaN where a photo
    has none), ``names`` the A attribute names. Per attribute, over the photos whose label is given
    and not 0 (in AADB and CADB 0 means "does not apply"): ``{"attribute", "labelled" (that number
    of photos), "srcc", "low", "high"}`` with the SRCC's bootstrap interval over those photos
    (:func:`bootstrap_ci`); NaN where fewer than ``min_labelled`` photos are labelled. In the order
    of ``names``. Introduced in notebooks/10_explainability.
    """
    p = _as_array(pred, "attribute_agreement: pred").astype(np.float64)
    t = _as_array(np.nan_to_num(np.asarray(labels, dtype=np.float64), nan=0.0), "attribute_agreement: labels")  # NaN: no label, like 0
    if p.ndim != 2 or p.shape != t.shape or p.shape[1] != len(names):
        raise ValueError(f"attribute_agreement: expected pred and labels [N, {len(names)}] for {len(names)} names, "
                         f"found {p.shape} and {t.shape}")
    rows = []
    for j, name in enumerate(names):
        known = t[:, j] != 0
        rho, low, high = math.nan, math.nan, math.nan
        if known.sum() >= min_labelled:
            rho = srcc(p[known, j], t[known, j])
            low, high = bootstrap_ci(srcc, p[known, j], t[known, j], n_boot=n_boot, seed=seed)
        rows.append({"attribute": str(name), "labelled": int(known.sum()), "srcc": rho, "low": low, "high": high})
    return rows


# --------------------------------------------------------------------------------------------
# whole evaluations
# --------------------------------------------------------------------------------------------

METRIC_KEYS: tuple[str, ...] = ("mse", "emd1", "emd2", "srcc", "lcc", "accuracy", "balanced_accuracy")


def evaluate_predictions(
    pred_dist: ArrayLike | None,
    true_dist: ArrayLike | None,
    threshold: float,
    ci: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
    *,
    pred_mean: ArrayLike | None = None,
    true_mean: ArrayLike | None = None,
    alpha: float = 0.05,
) -> dict[str, Any]:
    """Every metric of the course for one set of predictions. ``[N, K], [N, K] -> dict``.

    Keys: ``mse`` (of the means), ``emd1``, ``emd2``, ``srcc``, ``lcc``, ``accuracy`` and
    ``balanced_accuracy`` (at ``threshold``), all floats; with ``ci=True`` also ``<key>_ci`` =
    ``(low, high)`` percentile-bootstrap intervals, all metrics on the same resamples.

    Means are ``sum_k k * p_k`` over bins 1..K. For a model that predicts only a mean score pass
    ``pred_dist=None, pred_mean=...``: EMD is then reported as NaN. ``pred_mean`` (if given) is used
    for the mean-based metrics even when ``pred_dist`` is given; ``true_mean`` likewise overrides
    the means of ``true_dist`` (and ``true_dist`` may then be None). Introduced in
    notebooks/04_metrics_and_losses.
    """
    P = _as_dist(pred_dist, "evaluate_predictions: pred_dist") if pred_dist is not None else None
    T = _as_dist(true_dist, "evaluate_predictions: true_dist") if true_dist is not None else None
    if pred_mean is not None:
        pm = _as_scores(pred_mean, "evaluate_predictions: pred_mean")
    elif P is not None:
        pm = _means(P)
    else:
        raise ValueError("evaluate_predictions: expected pred_dist or pred_mean, found neither")
    if true_mean is not None:
        tm = _as_scores(true_mean, "evaluate_predictions: true_mean")
    elif T is not None:
        tm = _target_means(T)
    else:
        raise ValueError("evaluate_predictions: expected true_dist or true_mean, found neither")
    if len(pm) != len(tm):
        raise ValueError(
            f"evaluate_predictions: {len(pm)} predictions but {len(tm)} targets; expected the same number"
        )
    has_dist = P is not None and T is not None
    if has_dist and P.shape != T.shape:
        raise ValueError(
            f"evaluate_predictions: pred_dist has shape {P.shape} but true_dist {T.shape}; expected the same"
        )
    if has_dist and len(P) != len(pm):
        raise ValueError(f"evaluate_predictions: pred_dist has {len(P)} rows but pred_mean {len(pm)} items")

    plans: dict[str, tuple[Callable, np.ndarray, np.ndarray] | None] = {
        "mse": (mse, pm, tm),
        "emd1": (functools.partial(emd, r=1), P, T) if has_dist else None,
        "emd2": (functools.partial(emd, r=2), P, T) if has_dist else None,
        "srcc": (srcc, pm, tm),
        "lcc": (lcc, pm, tm),
        "accuracy": (functools.partial(accuracy, threshold=threshold), pm, tm),
        "balanced_accuracy": (functools.partial(balanced_accuracy, threshold=threshold), pm, tm),
    }
    out: dict[str, Any] = {}
    for key, plan in plans.items():
        out[key] = math.nan if plan is None else float(plan[0](plan[1], plan[2]))
    if ci:
        for key, plan in plans.items():
            if plan is None or len(pm) < 2:
                out[f"{key}_ci"] = (math.nan, math.nan)
            else:
                out[f"{key}_ci"] = bootstrap_ci(plan[0], plan[1], plan[2], n_boot, alpha, seed)
    return out


def naive_baseline(
    train_mean: ArrayLike | None,
    true_dist: ArrayLike | None,
    threshold: float,
    train_dist: ArrayLike | None = None,
    ci: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
    *,
    true_mean: ArrayLike | None = None,
) -> dict[str, Any]:
    """The predict-the-training-mean baseline, scored with :func:`evaluate_predictions`.

    ``train_mean`` is a number, or the training set's mean scores (their average is used).
    Every test image gets that same prediction, so:

    - ``srcc`` and ``lcc`` are NaN: a correlation divides by the spread of the predictions, which is
      zero for a constant; the baseline has no ranking at all (think of it as 0, not as missing);
    - ``accuracy`` is the share of test images on the same side of the threshold as the training
      mean (close to the majority-class rate), and ``balanced_accuracy`` is 0.5;
    - ``mse`` is about the variance of the test means: the number any model must beat;
    - ``emd1``/``emd2`` are NaN unless ``train_dist`` is given (``[N, K]`` training distributions
      or their mean ``[K]``): then they are the EMD of predicting the mean training distribution.

    ``train_mean`` may be None when ``train_dist`` is given (the mean of the mean distribution).
    Introduced in notebooks/04_metrics_and_losses.
    """
    mean_dist = None
    if train_dist is not None:
        mean_dist = _as_dist(train_dist, "naive_baseline: train_dist").mean(0)
    if train_mean is not None:
        m = float(np.mean(_as_array(train_mean, "naive_baseline: train_mean")))
    elif mean_dist is not None:
        m = float(_means(mean_dist[None])[0])
    else:
        raise ValueError("naive_baseline: expected train_mean or train_dist, found neither")
    if true_dist is not None:
        T = _as_dist(true_dist, "naive_baseline: true_dist")
        n = len(T)
        if mean_dist is not None and mean_dist.shape[0] != T.shape[1]:
            raise ValueError(
                f"naive_baseline: train_dist has {mean_dist.shape[0]} bins but true_dist {T.shape[1]}"
            )
    elif true_mean is not None:
        T = None
        n = len(_as_scores(true_mean, "naive_baseline: true_mean"))
    else:
        raise ValueError("naive_baseline: expected true_dist or true_mean, found neither")
    pred_dist = np.tile(mean_dist, (n, 1)) if (mean_dist is not None and T is not None) else None
    return evaluate_predictions(
        pred_dist, T, threshold, ci, n_boot, seed, pred_mean=np.full(n, m), true_mean=true_mean
    )


def split_half_reliability(
    counts: ArrayLike, n_splits: int = 20, seed: int = 0
) -> dict[str, float | int]:
    """How well two random halves of the raters agree: a noise ceiling for any model.

    ``counts`` are vote histograms ``[N, K]`` (integer votes per score bin, as in AVA.txt; for
    CADB count each image's 5 ratings). For each of ``n_splits`` random splits every image's votes
    are divided into two halves (sizes ``n // 2`` and ``n - n // 2``), the mean score of each half
    is computed, and the two half-means are correlated across images. Returns the averages over
    splits: ``srcc_half``, ``lcc_half``, the Spearman-Brown step-up to the full panel
    ``srcc_full``, ``lcc_full`` (``2r / (1 + r)``; approximate when halves are unequal, e.g. 2 vs 3
    raters), ``srcc_half_sd`` (spread over splits) and ``n_images`` (images with >= 2 votes, the
    only ones used). A model correlates with the (noisy) vote means at most about
    ``sqrt(lcc_full)`` even if it predicted the raters' true consensus exactly. Each half is drawn
    without replacement (per score bin, ``numpy.random.Generator.hypergeometric``), deterministic
    given ``seed``. Introduced in notebooks/02_ava_exploration.
    """
    C = _as_array(counts, "split_half_reliability: counts")
    if C.ndim != 2 or C.shape[1] < 2:
        raise ValueError(f"split_half_reliability: expected vote counts [N, K], found shape {C.shape}")
    if (C < 0).any() or not np.allclose(C, np.round(C)):
        row = int(np.argwhere((C < 0) | ~np.isclose(C, np.round(C)))[0][0])
        raise ValueError(
            "split_half_reliability: expected non-negative integer vote counts, found "
            f"{C[row].tolist()} in row {row} (pass counts, not normalised distributions)"
        )
    C = np.round(C).astype(np.int64)
    C = C[C.sum(1) >= 2]
    n_img, K = C.shape
    if n_img < 3:
        raise ValueError(f"split_half_reliability: expected >= 3 images with >= 2 votes, found {n_img}")
    n_votes = C.sum(1)
    half = n_votes // 2
    bins = np.arange(1, K + 1, dtype=np.float64)
    rng = np.random.default_rng(seed)
    s_half, l_half = [], []
    for _ in range(int(n_splits)):
        # draw half of each image's votes without replacement, one bin at a time:
        # the number taken from bin k is hypergeometric given what is left (vectorised over images)
        take = np.zeros_like(C)
        left_votes, left_draws = n_votes.copy(), half.copy()
        for k in range(K - 1):
            take[:, k] = rng.hypergeometric(C[:, k], left_votes - C[:, k], left_draws)
            left_votes -= C[:, k]
            left_draws -= take[:, k]
        take[:, K - 1] = left_draws
        sa = take @ bins / half
        sb = (C - take) @ bins / (n_votes - half)
        s_half.append(srcc(sa, sb))
        l_half.append(lcc(sa, sb))
    rs, rl = float(np.nanmean(s_half)), float(np.nanmean(l_half))
    return {
        "srcc_half": rs,
        "lcc_half": rl,
        "srcc_full": 2 * rs / (1 + rs),
        "lcc_full": 2 * rl / (1 + rl),
        "srcc_half_sd": float(np.nanstd(s_half)),
        "n_images": int(n_img),
    }


def format_ci(result: Mapping[str, Any], key: str, digits: int = 3) -> str:
    """``"0.612 [0.581, 0.64]"``: ``key`` of an :func:`evaluate_predictions` result with its interval
    when there is one, numbers through ``notebook.fmt``. Introduced in notebooks/04_metrics_and_losses.
    """
    from .notebook import fmt

    text = fmt(result[key], digits)
    if f"{key}_ci" in result:
        lo, hi = result[f"{key}_ci"]
        text += f" [{fmt(lo, digits)}, {fmt(hi, digits)}]"
    return text

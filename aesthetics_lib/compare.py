"""Comparing two models on the same photos, and the ceiling the votes allow.

- :func:`paired_bootstrap`: the difference of a metric between two models scored on the same items,
  with a paired percentile-bootstrap interval (the items are resampled once per draw and *both*
  models are scored on the resample, so the photos' shared difficulty cancels) and a verdict
  printed from the interval;
- :func:`interval_side`: where an interval lies with respect to a bar (above, below, or not
  distinguishable from it);
- :func:`reliability_ceiling`: the noise ceiling of a model's correlation with the vote means,
  ``sqrt(reliability)`` of the full panel (:func:`aesthetics_lib.metrics.split_half_reliability`).

Introduced in notebooks/05_dcnn (paired comparisons) and 00_welcome (the ceiling from the votes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from aesthetics_lib.metrics import bootstrap_ci, resampled_difference


@dataclass(frozen=True)
class PairedDifference:
    """``metric(b) - metric(a)`` (``difference``) with its interval ``(low, high)``; ``verdict`` is
    ``"higher"`` or ``"lower"`` when the interval excludes 0, else ``"no clear difference"``."""

    difference: float
    low: float
    high: float

    @property
    def ci(self) -> tuple[float, float]:
        return (self.low, self.high)

    @property
    def verdict(self) -> str:
        if self.low > 0:
            return "higher"
        if self.high < 0:
            return "lower"
        return "no clear difference"

    def __str__(self) -> str:
        from aesthetics_lib.notebook import fmt

        return f"{fmt(self.difference)} [{fmt(self.low)}, {fmt(self.high)}] ({self.verdict})"


def paired_bootstrap(
    metric: Callable[[Any, Any], float],
    pred_a: Any,
    pred_b: Any,
    target: Any,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> PairedDifference:
    """``metric(pred_b, target) - metric(pred_a, target)`` with a paired percentile-bootstrap interval.

    ``pred_a``/``pred_b``: ``[N]`` scores (or ``[N, K]`` distributions) of two models for the same N
    items, ``target`` their ``[N]`` (or ``[N, K]``) truth; ``metric`` any ``fn(pred, target) ->
    float`` of :mod:`aesthetics_lib.metrics` (``srcc``, ``mse``, ``emd`` ...). The resamples are
    :func:`~aesthetics_lib.metrics.bootstrap_ci`'s (deterministic given ``seed``); the library's
    metrics, and functions declared with :func:`~aesthetics_lib.metrics.averages_columns` (the
    seed-averaged metrics of :mod:`aesthetics_lib.ablation`), are evaluated on a whole block of
    resamples at once (:func:`~aesthetics_lib.metrics.resampled_difference`), any other ``metric``
    once per resample. Introduced in notebooks/05_dcnn.
    """
    a, b = np.asarray(pred_a, dtype=np.float64), np.asarray(pred_b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired_bootstrap: expected predictions of the same shape, found {a.shape} and {b.shape}")
    pair = np.stack([a, b], axis=1)

    def diff(p: np.ndarray, t: Any) -> float:
        return float(metric(p[:, 1], t) - metric(p[:, 0], t))

    low, high = bootstrap_ci(diff, pair, target, n_boot=n_boot, alpha=alpha, seed=seed,
                             resampled=resampled_difference(metric, a, b, target))
    return PairedDifference(diff(pair, np.asarray(target)), low, high)


def reliability_ceiling(reliability: float) -> float:
    """The noise ceiling of a model's correlation with the vote means: ``sqrt(reliability)``.

    ``reliability`` is the full panel's (stepped-up split-half) correlation, ``srcc_full`` or
    ``lcc_full`` of :func:`~aesthetics_lib.metrics.split_half_reliability`: the squared correlation
    between a panel's mean and the consensus of an endless panel, so a model that predicted that
    consensus exactly would correlate with the vote means at about its square root. Introduced in
    notebooks/00_welcome."""
    r = float(reliability)
    if not (0.0 <= r <= 1.0):
        raise ValueError(f"reliability_ceiling: expected a reliability in [0, 1], found {r}")
    return math.sqrt(r)


def interval_side(bar: float, low: float, high: float) -> str:
    """``"above"`` when the interval ``[low, high]`` lies above ``bar``, ``"below"`` when it lies
    below it, else ``"not distinguishable"`` (also for a NaN interval). Introduced in
    notebooks/10_explainability (a CAM's mass on the subject against the random-map bar).
    """
    if low > bar:
        return "above"
    if high < bar:
        return "below"
    return "not distinguishable"

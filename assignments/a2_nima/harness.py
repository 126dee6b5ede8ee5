"""What assignment 2 provides: cached features of the studio photos, split for training and testing,
the naive prediction, and scoring a trained head.

The features are the course's 13 hand-crafted ones (notebooks/01_handcrafted_features), computed
once per photo and cached (:func:`assignments.data.course_features`): a frozen, cheap "backbone", so
the head trains in a second. They are standardised with the training photos' statistics only
(sharpness, whose spread covers orders of magnitude, on a log scale first) and clipped to +-5.
Introduced in assignments/a2_nima/starter.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from assignments.data import Budget, course_features, studio_set

#: Features put on a log scale before standardising (their values span orders of magnitude).
LOG_FEATURES: tuple[str, ...] = ("sharpness",)
#: Standardised features are clipped to +-CLIP.
CLIP = 5.0


@dataclass(frozen=True)
class FeatureSplit:
    """Features and score distributions of training and test photos: ``x_train`` ``[N, F]``,
    ``dist_train`` ``[N, K]``, ``x_test`` ``[M, F]``, ``dist_test`` ``[M, K]`` (float64); ``names``
    the F feature names and ``description`` where the photos come from."""

    x_train: np.ndarray
    dist_train: np.ndarray
    x_test: np.ndarray
    dist_test: np.ndarray
    names: tuple[str, ...]
    description: str


def standardize(train: pd.DataFrame, *others: pd.DataFrame) -> list[np.ndarray]:
    """``[train, *others]`` as float64 arrays, standardised with the mean and SD of ``train``
    (:data:`LOG_FEATURES` on a log scale first), clipped to +-:data:`CLIP`."""

    def prepared(frame: pd.DataFrame) -> np.ndarray:
        x = frame.to_numpy(dtype=np.float64).copy()
        for name in LOG_FEATURES:
            if name in frame.columns:
                j = list(frame.columns).index(name)
                x[:, j] = np.log(np.maximum(x[:, j], 0.0) + 1e-4)
        return x

    base = prepared(train)
    mean, sd = base.mean(0), base.std(0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    return [np.clip((prepared(f) - mean) / sd, -CLIP, CLIP) for f in (train, *others)]


def practice_split(budget: str | Budget | None = None, val_fraction: float = 0.2) -> FeatureSplit:
    """The practice photos, the last ``val_fraction`` of them held back as the test photos (what the
    notebook and the public tests use)."""
    feats = course_features("practice", budget)
    dist = studio_set("practice", budget).dist
    n_val = int(round(len(feats) * val_fraction))
    if not 0 < n_val < len(feats):
        raise ValueError(f"practice_split: val_fraction={val_fraction} leaves no training or no test photos")
    cut = len(feats) - n_val
    x_train, x_test = standardize(feats.iloc[:cut], feats.iloc[cut:])
    return FeatureSplit(x_train, dist[:cut].copy(), x_test, dist[cut:].copy(), tuple(feats.columns),
                        f"practice photos: {cut} to train, the last {n_val} to test")


def heldout_split(budget: str | Budget | None = None) -> FeatureSplit:
    """All practice photos to train, the held-out photos to test (what the hidden tests use)."""
    train, test = course_features("practice", budget), course_features("heldout", budget)
    x_train, x_test = standardize(train, test)
    return FeatureSplit(x_train, studio_set("practice", budget).dist.copy(), x_test, studio_set("heldout", budget).dist.copy(),
                        tuple(train.columns), f"{len(train)} practice photos to train, {len(test)} held-out photos to test")


def naive_prediction(dist_train: np.ndarray, n: int) -> np.ndarray:
    """The naive baseline's prediction for ``n`` photos: the mean training distribution for every
    photo (as :func:`aesthetics_lib.metrics.naive_baseline` scores it). ``-> [n, K]``."""
    mean = np.asarray(dist_train, dtype=np.float64)
    mean = (mean / mean.sum(1, keepdims=True)).mean(0)
    return np.tile(mean, (n, 1))


def predict(head: nn.Module, x: np.ndarray) -> np.ndarray:
    """A head's predicted distributions for features ``x`` ``[N, F]``: ``[N, K]`` float64, in eval
    mode and without gradients (the head's mode is restored)."""
    was_training = head.training
    head.eval()
    try:
        with torch.no_grad():
            out = head(torch.as_tensor(np.asarray(x), dtype=torch.float32))
    finally:
        head.train(was_training)
    return out.detach().double().numpy()

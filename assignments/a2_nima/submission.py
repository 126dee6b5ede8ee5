"""Assignment 2: the EMD loss written by hand, and a NIMA head that beats the naive baseline.

Fill in everything marked ``TODO``; starter.ipynb walks you through it. Check your work with
``python -m pytest assignments/a2_nima`` (the public tests). The grader also runs hidden tests.

The contract the tests check:

- ``emd_loss(pred, target, r)``: the earth mover's distance of NIMA (Talebi & Milanfar 2018),
  ``EMD_r(p, q) = (1/K * sum_k |CDF_p(k) - CDF_q(k)|^r)^(1/r)`` for each row, averaged over the batch.
  ``pred`` and ``target`` are ``[B, K]`` tensors of probabilities (not renormalised); the result is a
  0-d tensor with gradients, equal to ``aesthetics_lib.losses.emd_loss`` within 1e-6 for every
  ``r >= 1`` (so are its gradients). Identical distributions give 0 with a finite gradient. Inputs
  that are not two ``[B, K]`` tensors of the same shape, or ``r < 1``, raise ``ValueError``. Write it
  with torch operations only; do not call the library's EMD.
- ``NimaHead(in_features, num_bins)``: NIMA's head, one linear layer and a softmax:
  ``[B, F] -> [B, K]`` probabilities (dropout before the layer is allowed; no hidden layers).
- ``train_head(features, dists, seed=...)``: trains a ``NimaHead`` with *your* ``emd_loss``;
  deterministic given ``seed``. On the held-out photos its predicted distributions must have a lower
  EMD than the naive baseline (the mean training distribution for every photo), with a paired 95 %
  bootstrap interval of the difference below 0.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def emd_loss(pred: torch.Tensor, target: torch.Tensor, r: float = 2) -> torch.Tensor:
    """EMD_r between predicted and target score distributions: ``[B, K], [B, K] -> []``."""
    raise NotImplementedError("emd_loss: write the EMD here")


class NimaHead(nn.Module):
    """NIMA's head: ``[B, F]`` features -> ``[B, K]`` softmax probabilities over the score bins."""

    def __init__(self, in_features: int, num_bins: int = 10, dropout: float = 0.0) -> None:
        super().__init__()
        # TODO: the layers

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("NimaHead.forward: write the head here")


def train_head(features: np.ndarray, dists: np.ndarray, seed: int = 0, epochs: int = 300) -> NimaHead:
    """Train a :class:`NimaHead` on ``features`` ``[N, F]`` (already standardised) to predict
    ``dists`` ``[N, K]``, with your :func:`emd_loss`; deterministic given ``seed``. Returns it in
    eval mode."""
    raise NotImplementedError("train_head: write the training loop here")

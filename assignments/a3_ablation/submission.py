"""Assignment 3: a saliency fusion or a pooling pattern of your own, plugged into a course model and
measured in an ablation with seeds and paired intervals.

Fill in everything marked ``TODO``; starter.ipynb walks you through it. Check your work with
``python -m pytest assignments/a3_ablation`` (the public tests). Your idea does not have to win: the
grade is for a module that keeps the contract and for an honest measurement.

Choose ONE kind (``KIND``) and write its part:

- ``"fusion"``: ``SaliencyFusion(channels)``, a module ``forward(x, s) -> [B, C, h, w]`` with
  ``x`` ``[B, C, h, w]`` (the final model's fused feature map) and ``s`` ``[B, 1, h, w]`` (its
  saliency, in [0, 1]). It replaces SGFM in ``sgfm_lite0``. Contract: the output has x's shape
  (any B, h, w >= 1), gradients reach x and every parameter, eval mode is deterministic, at most
  ``2 * C**2 + 100 * C`` parameters, and the output depends on ``s`` (for some parameter values).
- ``"pattern"``: ``pattern_masks(h, w)``, a composition pattern as a bool tensor ``[n, h, w]``
  (2 <= n <= 16 partitions, the same n for every size): every pixel in exactly one partition, no
  partition empty for h, w >= 8, and not one of SAMP-Net's eight patterns. It becomes the ninth
  pattern of ``sampnet``'s multi-pattern pooling.

Then ``run_ablation``, the measurement (the same for both kinds); see its docstring.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

#: TODO: "fusion" or "pattern".
KIND: str | None = None


class SaliencyFusion(nn.Module):
    """For ``KIND = "fusion"``: ``x [B, C, h, w], s [B, 1, h, w] -> [B, C, h, w]``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        # TODO (fusion): the layers

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("SaliencyFusion.forward: write your fusion here (or choose KIND = 'pattern')")


def pattern_masks(h: int, w: int) -> torch.Tensor:
    """For ``KIND = "pattern"``: your pattern's partitions on an ``h x w`` grid, bool ``[n, h, w]``."""
    raise NotImplementedError("pattern_masks: write your pattern here (or choose KIND = 'fusion')")


def run_ablation(train_and_predict: Callable[[str, int], np.ndarray], target: np.ndarray, seeds: Sequence[int],
                 n_boot: int = 1000, seed: int = 0) -> dict:
    """Compare the course model's head (arm ``"original"``) with yours (arm ``"variant"``).

    ``train_and_predict(arm, s)`` trains one arm with seed ``s`` and returns its predicted mean
    scores ``[N]`` of the evaluation photos, whose raters' means are ``target`` ``[N]``. Train each
    arm once with each of ``seeds`` (at least 2), then return a dict:

    - ``"srcc"``: ``{"original": [...], "variant": [...]}``, the SRCC (``aesthetics_lib.metrics.srcc``)
      of each seed's predictions with ``target``, in the order of ``seeds``;
    - ``"difference"``: the variant's mean SRCC over the seeds minus the original's;
    - ``"ci"``: ``(low, high)``, a **paired** 95 % bootstrap interval of that difference over the
      photos: each resample of the photos scores both arms, every seed
      (``aesthetics_lib.compare.paired_bootstrap`` with ``n_boot`` and ``seed`` does this);
    - ``"seed_sd"``: the seed-to-seed SD of one run's SRCC, pooled over the two arms
      (``sqrt`` of the mean of the two arms' variances, ``ddof=1``);
    - ``"seed_noise"``: ``2 * seed_sd * sqrt(2 / len(seeds))``, twice the spread that a difference of
      two seed-means has from seed luck alone;
    - ``"verdict"``: ``"higher"`` or ``"lower"`` when the interval excludes 0 **and** the difference is
      larger than ``seed_noise`` (in absolute value), else ``"no clear difference"``.
    """
    raise NotImplementedError("run_ablation: write the measurement here")

"""Assignment 3, reference solution (kind "fusion"): salient-region channel attention.

SGFM modulates every position from the saliency at that position. This module asks a different
question: *which channels* describe the salient subject? It averages the feature map under the
saliency (a saliency-weighted pooling; uniform when the map is flat), maps that vector through a
small bottleneck to one gate per channel (squeeze-and-excitation, Hu et al. 2018, with the
saliency deciding where to squeeze), and scales the channels by ``1 + tanh(gate)``. The last layer
starts at zero, so the module starts as the identity and learns how much the subject should count.

``run_ablation`` trains both arms with every seed and reports per-seed SRCCs, the paired interval of
the seed-averaged difference and the verdict rule of notebooks/09_convnextv2_sgfm.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import rankdata
from torch import nn

from aesthetics_lib import metrics
from aesthetics_lib.compare import paired_bootstrap

KIND = "fusion"
ARMS = ("original", "variant")


class SaliencyFusion(nn.Module):
    """Salient-region channel attention: ``x [B, C, h, w], s [B, 1, h, w] -> [B, C, h, w]``."""

    def __init__(self, channels: int, reduction: int = 4) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        self.squeeze = nn.Linear(channels, hidden)
        self.excite = nn.Linear(hidden, channels)
        nn.init.zeros_(self.excite.weight)
        nn.init.zeros_(self.excite.bias)

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        weights = s.to(x.dtype) + 1e-3  # a flat (all-zero) saliency pools uniformly
        weights = weights / weights.sum(dim=(2, 3), keepdim=True)
        subject = (x * weights).sum(dim=(2, 3))  # [B, C]: the features under the saliency
        gate = torch.tanh(self.excite(F.relu(self.squeeze(subject))))
        return x * (1 + gate[:, :, None, None])


def pattern_masks(h: int, w: int) -> torch.Tensor:
    """Not used (this solution's kind is "fusion")."""
    raise NotImplementedError("this solution's KIND is 'fusion'")


def seed_srcc(pred: np.ndarray, target: np.ndarray) -> float:
    """SRCC of each column of ``pred`` ``[N, seeds]`` with ``target`` ``[N]``, averaged over the
    seeds (as ``metrics.srcc`` per column: Pearson correlation of average ranks)."""
    rp = rankdata(pred, axis=0)
    rt = rankdata(target)
    rp, rt = rp - rp.mean(0), rt - rt.mean()
    den = np.sqrt((rp**2).sum(0) * (rt**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.mean((rp * rt[:, None]).sum(0) / den))


def run_ablation(train_and_predict: Callable[[str, int], np.ndarray], target: np.ndarray, seeds: Sequence[int],
                 n_boot: int = 1000, seed: int = 0) -> dict:
    """Both arms with every seed; per-seed SRCCs, the paired interval of the seed-averaged SRCC
    difference, the seed noise and the verdict (see the starter's docstring)."""
    seeds = [int(s) for s in seeds]
    if len(seeds) < 2:
        raise ValueError(f"run_ablation: expected at least 2 seeds (to measure the seed noise), found {seeds}")
    target = np.asarray(target, dtype=np.float64)
    preds = {}
    for arm in ARMS:
        columns = []
        for s in seeds:
            p = np.asarray(train_and_predict(arm, s), dtype=np.float64).reshape(-1)
            if p.shape != target.shape:
                raise ValueError(f"run_ablation: {arm} with seed {s} predicted {p.shape[0]} scores for {target.shape[0]} photos")
            columns.append(p)
        preds[arm] = np.stack(columns, axis=1)  # [N, seeds]
    per_seed = {arm: [metrics.srcc(preds[arm][:, j], target) for j in range(len(seeds))] for arm in ARMS}
    paired = paired_bootstrap(seed_srcc, preds["original"], preds["variant"], target, n_boot=n_boot, seed=seed)
    difference = float(np.mean(per_seed["variant"]) - np.mean(per_seed["original"]))
    seed_sd = math.sqrt(float(np.mean([np.var(per_seed[arm], ddof=1) for arm in ARMS])))
    seed_noise = 2 * seed_sd * math.sqrt(2 / len(seeds))
    clear = (paired.low > 0 or paired.high < 0) and abs(difference) > seed_noise
    verdict = ("higher" if difference > 0 else "lower") if clear else "no clear difference"
    return {"srcc": per_seed, "difference": difference, "ci": (paired.low, paired.high), "seed_sd": seed_sd,
            "seed_noise": seed_noise, "verdict": verdict}

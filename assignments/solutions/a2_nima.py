"""Assignment 2, reference solution: the EMD loss by hand and a NIMA head trained with it.

Beating the naive baseline on EMD is harder than it looks: the targets are histograms of 5 votes, so
most of a prediction's EMD is the raters' noise, and a head that fits the training photos' noise
predicts sharper distributions than the truth and loses to the mean training distribution. Two
habits make the head safe: it **starts as the naive baseline** (zero weights, bias = the log of the
mean training distribution, so its first prediction is the baseline's), and it **stops early**: a
fifth of the training photos is held back and the weights with the lowest EMD on them are kept.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn


def emd_loss(pred: torch.Tensor, target: torch.Tensor, r: float = 2) -> torch.Tensor:
    """EMD_r between predicted and target score distributions: ``[B, K], [B, K] -> []``.

    ``(1/K * sum_k |CDF_pred(k) - CDF_target(k)|^r)^(1/r)`` per row, averaged over the batch. The
    root is taken only where its argument is positive: the root's derivative is infinite at 0, so
    identical distributions would otherwise get a NaN gradient.
    """
    if not isinstance(pred, torch.Tensor):
        raise ValueError(f"emd_loss: expected pred to be a tensor [B, K], found {type(pred).__name__}")
    target = torch.as_tensor(target, dtype=pred.dtype, device=pred.device)
    if pred.ndim != 2 or pred.shape != target.shape:
        raise ValueError(f"emd_loss: expected pred and target of the same shape [B, K], found "
                         f"{tuple(pred.shape)} and {tuple(target.shape)}")
    if not r >= 1:
        raise ValueError(f"emd_loss: expected r >= 1, found r={r}")
    gap = (torch.cumsum(pred, dim=-1) - torch.cumsum(target, dim=-1)).abs()
    inner = gap.pow(r).mean(dim=-1)
    positive = inner > 0
    safe = torch.where(positive, inner, torch.ones_like(inner))
    per_row = torch.where(positive, safe.pow(1.0 / r), torch.zeros_like(inner))
    return per_row.mean()


class NimaHead(nn.Module):
    """NIMA's head: dropout, one linear layer, softmax. ``[B, F] -> [B, K]``."""

    def __init__(self, in_features: int, num_bins: int = 10, dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.linear = nn.Linear(in_features, num_bins)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.dropout(x)).softmax(dim=-1)


def train_head(features: np.ndarray, dists: np.ndarray, seed: int = 0, epochs: int = 300,
               lr: float = 0.01, val_fraction: float = 0.2) -> NimaHead:
    """Full-batch Adam on :func:`emd_loss` (r = 2), from the naive baseline, keeping the epoch with
    the lowest EMD on a held-back ``val_fraction`` of the photos. Deterministic given ``seed``."""
    x = torch.as_tensor(np.asarray(features), dtype=torch.float32)
    d = torch.as_tensor(np.asarray(dists), dtype=torch.float32)
    d = d / d.sum(dim=1, keepdim=True)
    order = torch.as_tensor(np.random.default_rng(seed).permutation(len(x)))
    n_val = int(round(len(x) * val_fraction))
    val, train = order[:n_val], order[n_val:]
    torch.manual_seed(seed)
    head = NimaHead(x.shape[1], d.shape[1])
    with torch.no_grad():
        head.linear.weight.zero_()
        head.linear.bias.copy_(torch.log(d[train].mean(dim=0).clamp_min(1e-6)))
    optimizer = torch.optim.Adam(head.parameters(), lr=lr)
    best, best_state = float("inf"), copy.deepcopy(head.state_dict())
    for _ in range(epochs):
        head.train()
        optimizer.zero_grad()
        loss = emd_loss(head(x[train]), d[train])
        loss.backward()
        optimizer.step()
        if n_val:
            head.eval()
            with torch.no_grad():
                val_emd = float(emd_loss(head(x[val]), d[val]))
            if val_emd < best:
                best, best_state = val_emd, copy.deepcopy(head.state_dict())
    if n_val:
        head.load_state_dict(best_state)
    return head.eval()

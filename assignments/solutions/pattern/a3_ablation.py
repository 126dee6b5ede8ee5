"""Assignment 3, second reference solution (kind "pattern"): horizon bands.

SAMP-Net's eight patterns split the frame in halves, quadrants, diagonals, a centre and the 3 x 3
thirds grid, but none of them pools whole horizontal bands at the thirds: the top, middle and bottom
third of the frame. Landscape photographers place the horizon on one of the two lines between these
bands, so the band pattern lets the head compare sky, middle ground and foreground directly.

The measurement (``run_ablation``) is the one of the fusion solution.
"""

from __future__ import annotations

import torch
from torch import nn

from assignments.solutions.a3_ablation import run_ablation  # noqa: F401  (the same measurement)

KIND = "pattern"


class SaliencyFusion(nn.Module):
    """Not used (this solution's kind is "pattern")."""

    def __init__(self, channels: int) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("this solution's KIND is 'pattern'")


def pattern_masks(h: int, w: int) -> torch.Tensor:
    """Top, middle and bottom third of an ``h x w`` grid: bool ``[3, h, w]``. A row belongs to the
    band holding its centre (integer arithmetic, so the bands partition the grid exactly)."""
    rows = (3 * (2 * torch.arange(h) + 1)) // (2 * h)  # floor(3 * (y + 0.5) / h) in 0..2
    bands = torch.stack([rows == k for k in range(3)])  # [3, h]
    return bands[:, :, None].expand(3, h, w).clone()

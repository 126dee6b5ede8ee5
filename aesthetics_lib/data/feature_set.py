"""Precomputed features as a dataset: train a small head on a frozen backbone's features without
running the backbone every epoch (CMU's frozen DCNN in notebooks/05_dcnn, NIMA's head in 07_nima).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset


class FeatureSet(Dataset):
    """``features[i]`` with the labels of image ``i`` of ``ds`` (an :class:`~aesthetics_lib.data.IAADataset`
    or anything with ``targets()``, ``means()``, ``num_bins`` and ``threshold``). Items are
    ``{"image": [F], "dist": [K], "mean": []}``, so the trainer and ``predict`` read it like images."""

    def __init__(self, features: torch.Tensor, ds: Any) -> None:
        features = torch.as_tensor(features)
        dist = torch.as_tensor(np.asarray(ds.targets()))
        if features.ndim < 2 or len(features) != len(dist):
            raise ValueError(
                f"FeatureSet: expected one feature row per image ([{len(dist)}, F]), got {tuple(features.shape)}"
            )
        self.features, self.dist, self.mean = features, dist, torch.as_tensor(np.asarray(ds.means()))
        self.num_bins, self.threshold = ds.num_bins, ds.threshold
        self.image_ids = list(getattr(ds, "image_ids", range(len(dist))))

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"image": self.features[i], "dist": self.dist[i], "mean": self.mean[i]}

    def targets(self) -> np.ndarray:
        """``[N, K]`` vote distributions."""
        return self.dist.numpy()

    def means(self) -> np.ndarray:
        """``[N]`` mean scores."""
        return self.mean.numpy()

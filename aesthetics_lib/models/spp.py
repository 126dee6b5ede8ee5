"""Spatial pyramid pooling for images of any size and aspect ratio (He et al., ECCV 2014 /
TPAMI 2015), used for aesthetics by e.g. Mai et al. (MNA-CNN, CVPR 2016).

The backbone's last map ``[B, C, h, w]`` is max-pooled into an ``n x n`` grid for every pyramid
level ``n`` (default 1, 2, 4: 21 cells), giving a vector of fixed length ``C * sum(n^2)`` whatever
``h`` and ``w`` are; so the image need not be warped to a square. Introduced in
notebooks/06_aspect_ratio.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from aesthetics_lib.models.heads import AestheticModel, AttributeHead, BackboneMap, DistributionHead, mean_from_dist
from aesthetics_lib.models.registry import register_model


class SpatialPyramidPool(nn.Module):
    """``[B, C, h, w] -> [B, C * sum(n * n for n in levels)]`` by adaptive max (or average)
    pooling to ``n x n`` per level, cells flattened level by level (row-major in each level).

    Maps smaller than a level's grid are handled by adaptive pooling (cells then repeat pixels).
    """

    def __init__(self, levels: Sequence[int] = (1, 2, 4), pool: str = "max") -> None:
        super().__init__()
        if pool not in ("max", "avg"):
            raise ValueError(f"SpatialPyramidPool: expected pool 'max' or 'avg', got {pool!r}")
        if not levels or any(int(n) < 1 for n in levels):
            raise ValueError(f"SpatialPyramidPool: expected positive levels, got {tuple(levels)}")
        self.levels = tuple(int(n) for n in levels)
        self.pool = pool

    def output_features(self, channels: int) -> int:
        """Length of the pooled vector for a map with ``channels`` channels."""
        return channels * sum(n * n for n in self.levels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fn = F.adaptive_max_pool2d if self.pool == "max" else F.adaptive_avg_pool2d
        return torch.cat([fn(x, n).flatten(1) for n in self.levels], dim=1)


@register_model("spp")
class SPPNet(AestheticModel):
    """``[B, 3, H, W]`` at native size (any H, W; a batch shares one size: use aspect buckets)
    -> ``{"dist": [B, K], "mean": [B]}`` (+ ``"attributes"`` with ``attribute_names``).

    Head: SPP vector -> dropout -> ``hidden`` fully connected layers -> K softmax.
    """

    view = "native"

    def __init__(
        self,
        num_bins: int = 5,
        attribute_names: Sequence[str] = (),
        backbone: str = "resnet18",
        pretrained: bool | str = False,
        levels: Sequence[int] = (1, 2, 4),
        pool: str = "max",
        hidden: Sequence[int] = (256,),
        dropout: float = 0.5,
    ) -> None:
        super().__init__(num_bins, attribute_names)
        self.backbone = BackboneMap(backbone, pretrained)
        self.spp = SpatialPyramidPool(levels, pool)
        f = self.spp.output_features(self.backbone.out_channels)
        self.head = DistributionHead(f, num_bins, hidden=hidden, dropout=dropout)
        self.attribute_head = (
            AttributeHead(f, len(self.attribute_names), hidden=hidden) if self.attribute_names else None
        )

    def cam_target_layers(self) -> list[nn.Module]:
        return [self.backbone.tap]

    def forward(self, images: torch.Tensor, **extras) -> dict[str, torch.Tensor]:
        """Extras are not used (and ignored)."""
        self._check_images(images)
        feat = self.spp(self.backbone(images))
        dist = self.head(feat)
        out = {"dist": dist, "mean": mean_from_dist(dist)}
        if self.attribute_head is not None:
            out["attributes"] = self.attribute_head(feat)
        return out

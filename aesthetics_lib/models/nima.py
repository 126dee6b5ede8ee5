"""NIMA: Neural Image Assessment (Talebi & Milanfar, IEEE TIP 2018).

A backbone, global average pooling, dropout 0.75, one linear layer to K bins and a softmax: the
model predicts the whole distribution of votes, trained with the EMD loss (r = 2). The mean and
the standard deviation of the prediction give the score and how controversial the image is.
Introduced in notebooks/07_nima.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from aesthetics_lib.models.heads import AestheticModel, AttributeHead, BackboneMap, DistributionHead, mean_from_dist
from aesthetics_lib.models.registry import register_model


@register_model("nima")
class NIMA(AestheticModel):
    """``[B, 3, S, S]`` (warped, ImageNet-normalised) -> ``{"dist": [B, K], "mean": [B]}``
    (+ ``"attributes": [B, A]`` with ``attribute_names``).

    ``backbone`` is any timm name (default ``efficientnet_lite0``, the course's offline pretrained
    backbone with ``pretrained="package"``; the paper used Inception-v2, VGG16, MobileNet).
    """

    view = "warp"

    def __init__(
        self,
        num_bins: int = 5,
        attribute_names: Sequence[str] = (),
        backbone: str = "efficientnet_lite0",
        pretrained: bool | str = False,
        dropout: float = 0.75,
    ) -> None:
        super().__init__(num_bins, attribute_names)
        self.backbone = BackboneMap(backbone, pretrained)
        c = self.backbone.out_channels
        self.head = DistributionHead(c, num_bins, dropout=dropout)
        self.attribute_head = AttributeHead(c, len(self.attribute_names)) if self.attribute_names else None

    def cam_target_layers(self) -> list[nn.Module]:
        return [self.backbone.tap]

    def forward(self, images: torch.Tensor, **extras) -> dict[str, torch.Tensor]:
        """Extras are not used (and ignored)."""
        self._check_images(images)
        feat = self.backbone(images).mean((2, 3))
        dist = self.head(feat)
        out = {"dist": dist, "mean": mean_from_dist(dist)}
        if self.attribute_head is not None:
            out["attributes"] = self.attribute_head(feat)
        return out

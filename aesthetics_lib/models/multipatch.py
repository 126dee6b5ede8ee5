"""Aspect-ratio-preserving multi-patch network (Wang, Wang, Yamasaki & Aizawa, "Aspect-ratio-
preserving multi-patch image aesthetics score prediction", CVPR Workshops 2019).

Several square patches are cut from the un-warped image; one shared backbone predicts a score
distribution for each patch (``patch_dist``); the image's distribution is their average. Trained
with MPEMD (``aesthetics_lib.losses.mpemd_loss``, "avg" or "ada"). Introduced in
notebooks/06_aspect_ratio.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from aesthetics_lib.models.heads import AestheticModel, AttributeHead, BackboneMap, DistributionHead, mean_from_dist
from aesthetics_lib.models.registry import register_model


@register_model("multipatch")
class MultiPatchNet(AestheticModel):
    """``[B, P, 3, S, S]`` patches -> ``{"patch_dist": [B, P, K], "dist": [B, K], "mean": [B]}``
    (+ ``"attributes"`` ``[B, A]``, averaged over patches, with ``attribute_names``).

    A plain ``[B, 3, H, W]`` batch is one patch per image (``P = 1``), so scoring a whole image
    and Grad-CAM work with the same model.
    """

    view = "patches"

    def __init__(
        self,
        num_bins: int = 5,
        attribute_names: Sequence[str] = (),
        backbone: str = "resnet18",
        pretrained: bool | str = False,
        dropout: float = 0.5,
        hidden: Sequence[int] = (),
    ) -> None:
        super().__init__(num_bins, attribute_names)
        self.backbone = BackboneMap(backbone, pretrained)
        c = self.backbone.out_channels
        self.head = DistributionHead(c, num_bins, hidden=hidden, dropout=dropout)
        self.attribute_head = AttributeHead(c, len(self.attribute_names)) if self.attribute_names else None

    def cam_target_layers(self) -> list[nn.Module]:
        return [self.backbone.tap]

    def forward(self, images: torch.Tensor, **extras) -> dict[str, torch.Tensor]:
        """Extras are not used (and ignored)."""
        self._check_images(images, (4, 5))
        x = images if images.ndim == 5 else images.unsqueeze(1)
        b, p = x.shape[:2]
        feat = self.backbone(x.flatten(0, 1)).mean((2, 3))
        patch_dist = self.head(feat).view(b, p, -1)
        dist = patch_dist.mean(1)
        out = {"dist": dist, "mean": mean_from_dist(dist), "patch_dist": patch_dist}
        if self.attribute_head is not None:
            out["attributes"] = self.attribute_head(feat).view(b, p, -1).mean(1)
        return out

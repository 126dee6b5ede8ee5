"""Deep CNNs for aesthetics: RAPID's single and double column networks (Lu, Lin, Jin, Yang & Wang,
"RAPID: Rating pictorial aesthetics using deep learning", ACM MM 2014) and the CMU variant
(a frozen pretrained feature extractor with a small fully connected head).

* ``columns=1``: one column on the whole image warped to a square (view ``warp``).
* ``columns=2``: RAPID's double column (view ``double``): a *global* column on the warped image and
  a *local* column on a random crop at native resolution (batch key ``local``), features
  concatenated before the head. The columns have their own weights unless ``share_columns=True``.
* ``head``: ``"distribution"`` (``dist`` [B, K] + ``mean``), ``"regression"`` (``mean`` only, in
  (1, K) as ``1 + (K - 1) * sigmoid``: there is no ``dist``), or ``"binary"`` (``logits`` [B, 2] and
  ``prob_good`` [B]: no ``dist`` nor ``mean``; the "a small CNN overfits a binary label" lesson).
* ``freeze_backbone=True``: CMU's variant: pretrained features frozen (no gradient, BatchNorm
  statistics fixed), head ``fc 128-10-out`` with BatchNorm and dropout 0.2.
* ``backbone="shallow"``: a tiny CNN trained from scratch
  (:class:`aesthetics_lib.pretrained.ShallowCNN`); ``widths`` sets its blocks' widths (one number per
  conv3x3-BN-ReLU-maxpool block; default 16-32-64). RAPID's columns had four convolutional layers of
  64 filters.

Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from aesthetics_lib.models.heads import (
    AestheticModel,
    AttributeHead,
    BackboneMap,
    BinaryHead,
    DistributionHead,
    RegressionHead,
    mean_from_dist,
)
from aesthetics_lib.models.registry import register_model

HEADS = ("distribution", "regression", "binary")


@register_model("dcnn")
class DCNN(AestheticModel):
    """``[B, 3, S, S]`` (+ ``local=[B, 3, s, s]`` when ``columns=2``) -> a dict whose keys depend on
    ``head`` (see the module docstring), + ``"attributes"`` ``[B, A]`` with ``attribute_names``."""

    def __init__(
        self,
        num_bins: int = 5,
        attribute_names: Sequence[str] = (),
        backbone: str = "resnet18",
        pretrained: bool | str = False,
        columns: int = 1,
        head: str = "distribution",
        freeze_backbone: bool = False,
        hidden: Sequence[int] | None = None,
        dropout: float | None = None,
        batchnorm: bool | None = None,
        share_columns: bool = False,
        widths: Sequence[int] | None = None,
    ) -> None:
        super().__init__(num_bins, attribute_names)
        if columns not in (1, 2):
            raise ValueError(f"DCNN: expected columns 1 or 2, got {columns!r}")
        if head not in HEADS:
            raise ValueError(f"DCNN: expected head in {HEADS}, got {head!r}")
        self.columns = columns
        self.head_kind = head
        self.freeze_backbone = bool(freeze_backbone)
        self.view = self.view_for(columns)
        self.extra_inputs = () if columns == 1 else ("local",)
        hidden = tuple(hidden) if hidden is not None else ((128, 10) if freeze_backbone else ())
        dropout = float(dropout) if dropout is not None else (0.2 if freeze_backbone else 0.5)
        batchnorm = bool(batchnorm) if batchnorm is not None else self.freeze_backbone

        if widths is not None and backbone != "shallow":
            raise ValueError(f"DCNN: widths= sets the 'shallow' backbone's blocks; backbone {backbone!r} has its own")
        column = {"widths": tuple(int(c) for c in widths)} if widths is not None else {}
        self.backbone = BackboneMap(backbone, pretrained, **column)
        self.backbone_local: BackboneMap | None = None
        if columns == 2 and not share_columns:
            self.backbone_local = BackboneMap(backbone, pretrained, **column)
        self.share_columns = bool(share_columns)
        feat = self.backbone.out_channels * columns
        if head == "distribution":
            self.head = DistributionHead(feat, num_bins, hidden, dropout, batchnorm)
        elif head == "regression":
            self.head = RegressionHead(feat, num_bins, hidden, dropout, batchnorm)
        else:
            self.head = BinaryHead(feat, hidden, dropout, batchnorm)
        self.attribute_head = AttributeHead(feat, len(self.attribute_names)) if self.attribute_names else None
        if self.freeze_backbone:
            for p in self._backbones().parameters():
                p.requires_grad_(False)
            self._backbones().eval()

    @classmethod
    def view_for(cls, columns: int = 1, **kwargs) -> str:
        """``warp`` for one column, ``double`` for two."""
        return "warp" if columns == 1 else "double"

    def _backbones(self) -> nn.ModuleList:
        return nn.ModuleList([m for m in (self.backbone, self.backbone_local) if m is not None])

    def train(self, mode: bool = True) -> "DCNN":
        """As :meth:`nn.Module.train`, but a frozen backbone stays in eval mode."""
        super().train(mode)
        if self.freeze_backbone:
            self._backbones().eval()
        return self

    def cam_target_layers(self) -> list[nn.Module]:
        """The global column's last map (the local column sees another image: the crop)."""
        return [self.backbone.tap]

    def forward(self, images: torch.Tensor, local: torch.Tensor | None = None, **extras) -> dict[str, torch.Tensor]:
        """``local`` is required with ``columns=2``; other extras are ignored."""
        self._check_images(images)
        feats = [self.backbone(images).mean((2, 3))]
        if self.columns == 2:
            if local is None:
                raise ValueError(
                    "DCNN(columns=2).forward: expected local=Tensor[B, 3, s, s] (the native-resolution "
                    "crop that the 'double' view builds), found none"
                )
            self._check_images(local)
            column = self.backbone_local if self.backbone_local is not None else self.backbone
            feats.append(column(local).mean((2, 3)))
        feat = torch.cat(feats, dim=1)
        out: dict[str, torch.Tensor] = {}
        if self.head_kind == "distribution":
            dist = self.head(feat)
            out["dist"], out["mean"] = dist, mean_from_dist(dist)
        elif self.head_kind == "regression":
            out["mean"] = self.head(feat)
        else:
            logits = self.head(feat)
            out["logits"], out["prob_good"] = logits, logits.softmax(-1)[:, 1]
        if self.attribute_head is not None:
            out["attributes"] = self.attribute_head(feat)
        return out

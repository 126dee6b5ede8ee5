"""SAMP-Net: saliency-augmented multi-pattern pooling for image composition assessment
(Zhang, Niu, Zhang et al., "Image composition assessment with saliency-augmented multi-pattern
pooling", BMVC 2021; the CADB dataset's baseline).

The backbone map (ResNet-18: ``512 x 7 x 7`` at 224 px; ``512 x 4 x 4`` at 128 px) is pooled in 8
composition patterns, each a partition of the frame:

======  ========================  ==========================================================
index   name                      partitions
======  ========================  ==========================================================
0       ``halves_horizontal``     top, bottom
1       ``halves_vertical``       left, right
2       ``diagonal``              upper-right, lower-left of the top-left -> bottom-right line
3       ``anti_diagonal``         upper-left, lower-right of the top-right -> bottom-left line
4       ``centre_surround``       centre (the middle half of each side), surround
5       ``quadrants``             top-left, top-right, bottom-left, bottom-right
6       ``triangles``             top, left, right, bottom (cut by both diagonals)
7       ``thirds``                the 3 x 3 rule-of-thirds grid, row by row
======  ========================  ==========================================================

A pixel belongs to the partition holding its centre; centres exactly on a line go to the second
partition listed (bottom, right, lower-left, lower-right ...), so every pattern partitions the map
exactly (:func:`pattern_masks`). The pooling itself uses area weights: the masks are drawn on a
grid ``supersample`` (8) times finer (56 x 56 for a 7 x 7 map, the paper's saliency size) and
averaged back, so a map pixel cut by a line shares its feature between partitions by area, and no
partition is empty even on a 2 x 2 map. Each partition's average feature gets its average saliency
appended (spectral residual, :mod:`aesthetics_lib.saliency`, on the fine grid); per pattern a
bias-free linear layer (the paper's conv with the pattern's grid as kernel) maps the partitions to
the pattern feature (``pattern_dim``, 1024 for ResNet-18: twice the backbone width); the 8 pattern
features are summed with weights from a softmax over 8 logits predicted from the pooled map
(``pattern_weights``). The attribute branch (AAFF) splits the fused feature into an attribute
feature (-> attributes, tanh) and a composition feature, re-weighted by a learnt 2-way sigmoid gate
(``attribute_gate``) before the score head (-> K bins, softmax). ``use_saliency=False`` is the
ablation without saliency. Differences from the authors' code: partitions here are exact (their
diagonal patterns drop the diagonal pixels) and each partition appends its mean saliency rather
than its raw saliency pixels. Introduced in notebooks/08_sampnet.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from aesthetics_lib.data.schema import SAMPNET_ATTRIBUTES
from aesthetics_lib.models.heads import AestheticModel, BackboneMap, mean_from_dist, saliency_at
from aesthetics_lib.models.registry import register_model

PATTERN_NAMES: tuple[str, ...] = (
    "halves_horizontal",
    "halves_vertical",
    "diagonal",
    "anti_diagonal",
    "centre_surround",
    "quadrants",
    "triangles",
    "thirds",
)
#: Partition names of each pattern, in mask order.
PARTITION_NAMES: tuple[tuple[str, ...], ...] = (
    ("top", "bottom"),
    ("left", "right"),
    ("upper_right", "lower_left"),
    ("upper_left", "lower_right"),
    ("centre", "surround"),
    ("top_left", "top_right", "bottom_left", "bottom_right"),
    ("top", "left", "right", "bottom"),
    tuple(f"third_{r}{c}" for r in range(3) for c in range(3)),
)
PARTITION_COUNTS: tuple[int, ...] = tuple(len(p) for p in PARTITION_NAMES)


def pattern_masks(h: int, w: int, device: torch.device | str | None = None) -> list[torch.Tensor]:
    """The 8 composition patterns on an ``h x w`` map: a list of 8 bool tensors
    ``[n_p, h, w]`` (``n_p`` = 2, 2, 2, 2, 2, 4, 4, 9), one mask per partition; in every pattern
    each pixel is in exactly one partition. Order as in :data:`PATTERN_NAMES` /
    :data:`PARTITION_NAMES`. Integer arithmetic on pixel centres, so the result is exact."""
    if h < 1 or w < 1:
        raise ValueError(f"pattern_masks: expected a positive size, got {h} x {w}")
    y = torch.arange(h, device=device).view(h, 1).expand(h, w)
    x = torch.arange(w, device=device).view(1, w).expand(h, w)
    # pixel centre in units of the map: v = (2y + 1) / (2h), u = (2x + 1) / (2w)
    yy, xx = 2 * y + 1, 2 * x + 1
    top = yy < h  # v < 1/2
    left = xx < w  # u < 1/2
    above_diag = yy * w < xx * h  # v < u: upper-right of the main diagonal
    above_anti = xx * h + yy * w < 2 * h * w  # u + v < 1: upper-left of the anti-diagonal
    centre = (2 * (yy - h).abs() < h) & (2 * (xx - w).abs() < w)  # |v - 1/2| < 1/4, |u - 1/2| < 1/4
    row3 = (3 * yy) // (2 * h)  # floor(3 v) in 0..2
    col3 = (3 * xx) // (2 * w)
    masks = [
        torch.stack([top, ~top]),
        torch.stack([left, ~left]),
        torch.stack([above_diag, ~above_diag]),
        torch.stack([above_anti, ~above_anti]),
        torch.stack([centre, ~centre]),
        torch.stack([top & left, top & ~left, ~top & left, ~top & ~left]),
        torch.stack(
            [
                above_diag & above_anti,  # top
                ~above_diag & above_anti,  # left
                above_diag & ~above_anti,  # right
                ~above_diag & ~above_anti,  # bottom
            ]
        ),
        torch.stack([(row3 == r) & (col3 == c) for r in range(3) for c in range(3)]),
    ]
    return masks


def partition_weights(h: int, w: int, supersample: int = 8, device: torch.device | str | None = None) -> torch.Tensor:
    """Area weights of the 27 partitions on an ``h x w`` map: ``[27, h, w]`` in [0, 1], the
    fraction of each pixel inside each partition (masks drawn ``supersample`` times finer and
    averaged). Within each pattern the weights sum to 1 at every pixel."""
    fine = torch.cat(pattern_masks(h * supersample, w * supersample, device=device)).float()
    return F.avg_pool2d(fine.unsqueeze(0), supersample).squeeze(0)


class MultiPatternPool(nn.Module):
    """Saliency-augmented multi-pattern pooling.

    ``x`` ``[B, C, h, w]``, ``saliency`` ``[B, 1, s*h, s*w]`` (or None) -> ``(feature [B, D],
    pattern_weights [B, 8])``. Per pattern: partition means (+ mean saliency) -> bias-free
    linear -> ReLU -> dropout; patterns summed with softmax weights from ``weight_logits`` [B, 8].
    """

    def __init__(
        self, channels: int, out_dim: int, use_saliency: bool = True, dropout: float = 0.5, supersample: int = 8
    ) -> None:
        super().__init__()
        self.use_saliency = use_saliency
        self.supersample = supersample
        per_part = channels + (1 if use_saliency else 0)
        self.pattern_layers = nn.ModuleList(
            nn.Linear(per_part * n, out_dim, bias=False) for n in PARTITION_COUNTS
        )
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.out_dim = out_dim

    def partition_features(self, x: torch.Tensor, saliency: torch.Tensor | None) -> torch.Tensor:
        """``[B, C(+1), 27]``: the area-weighted mean feature (and mean saliency) of each partition."""
        b, c, h, w = x.shape
        s = self.supersample
        fine = torch.cat(pattern_masks(h * s, w * s, device=x.device)).to(x.dtype)  # [27, sH, sW]
        area = F.avg_pool2d(fine.unsqueeze(0), s).squeeze(0)  # [27, h, w]
        area = area / area.sum((1, 2), keepdim=True).clamp_min(1e-12)
        parts = torch.einsum("bchw,phw->bcp", x, area)
        if self.use_saliency:
            if saliency is None or saliency.shape[-2:] != (h * s, w * s):
                raise ValueError(
                    f"MultiPatternPool: expected saliency [B, 1, {h * s}, {w * s}], "
                    f"found {None if saliency is None else tuple(saliency.shape)}"
                )
            fine = fine / fine.sum((1, 2), keepdim=True).clamp_min(1.0)
            sal = torch.einsum("bhw,phw->bp", saliency[:, 0].to(x.dtype), fine)
            parts = torch.cat([parts, sal.unsqueeze(1)], dim=1)
        return parts

    def forward(
        self, x: torch.Tensor, saliency: torch.Tensor | None, weight_logits: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        parts = self.dropout(self.partition_features(x, saliency))
        feats, start = [], 0
        for layer, n in zip(self.pattern_layers, PARTITION_COUNTS):
            p = parts[:, :, start : start + n].transpose(1, 2).flatten(1)  # partition-major
            feats.append(self.dropout(F.relu(layer(p))))
            start += n
        weights = weight_logits.softmax(-1)
        fused = (torch.stack(feats, dim=1) * weights.unsqueeze(-1)).sum(1)
        return fused, weights


@register_model("sampnet")
class SAMPNet(AestheticModel):
    """``[B, 3, S, S]`` (warped, ImageNet-normalised; optional ``saliency=[B, 1, H, W]``) ->
    ``{"dist": [B, K], "mean": [B], "pattern_weights": [B, 8]}`` + ``"attributes": [B, A]`` (tanh)
    and ``"attribute_gate": [B, 2]`` with ``attribute_names`` (default the 6 of
    ``schema.SAMPNET_ATTRIBUTES``). Saliency is computed from the images when not given.

    ``channels``: when set, a 1 x 1 convolution (+ batch norm + ReLU) first maps the backbone's map
    to this many channels. The paper pools ResNet-18's 512 channels; a wider backbone (EfficientNet-
    Lite0's 1280, the ImageNet backbone that ships offline) would make the per-pattern layers, which
    see every partition's feature at once, tens of millions of weights, so the course's SAMP-Net
    reduces it (a simplification of ours, not the paper's)."""

    view = "warp"

    def __init__(
        self,
        num_bins: int = 5,
        attribute_names: Sequence[str] = SAMPNET_ATTRIBUTES,
        backbone: str = "resnet18",
        pretrained: bool | str = False,
        pattern_dim: int | None = None,
        channels: int | None = None,
        use_saliency: bool = True,
        dropout: float = 0.5,
        supersample: int = 8,
    ) -> None:
        super().__init__(num_bins, attribute_names)
        self.use_saliency = bool(use_saliency)
        self.extra_inputs = ("saliency",) if use_saliency else ()
        self.optional_inputs = self.extra_inputs
        self.supersample = int(supersample)
        self.backbone = BackboneMap(backbone, pretrained)
        c = self.backbone.out_channels
        self.reduce: nn.Module = nn.Identity()
        if channels is not None:
            self.reduce = nn.Sequential(nn.Conv2d(c, int(channels), 1, bias=False), nn.BatchNorm2d(int(channels)),
                                        nn.ReLU(inplace=True))
            c = int(channels)
        d = int(pattern_dim) if pattern_dim is not None else 2 * c
        self.pattern_dim = d
        self.pattern_weight_layer = nn.Sequential(
            nn.Dropout(dropout) if dropout > 0 else nn.Identity(), nn.Linear(c, len(PATTERN_NAMES), bias=False)
        )
        self.pool = MultiPatternPool(c, d, self.use_saliency, dropout, self.supersample)
        drop = lambda: nn.Dropout(dropout) if dropout > 0 else nn.Identity()  # noqa: E731
        a = len(self.attribute_names)
        if a:
            att_dim = 512 if d >= 1024 else d // 2
            self.att_feature = nn.Sequential(nn.Linear(d, att_dim, bias=False), nn.ReLU(inplace=True), drop())
            self.att_pred = nn.Linear(att_dim, a, bias=False)
            self.com_feature = nn.Sequential(nn.Linear(d, d - att_dim, bias=False), nn.ReLU(inplace=True), drop())
            self.gate = nn.Linear(d, 2, bias=False)
        self.score_head = nn.Sequential(
            nn.Linear(d, d, bias=False),
            nn.ReLU(inplace=True),
            drop(),
            nn.Linear(d, c, bias=False),
            nn.ReLU(inplace=True),
            nn.Linear(c, num_bins, bias=False),
        )

        self._init_weights()

    def _init_weights(self) -> None:
        """He (Kaiming) initialisation for the bias-free layers followed by ReLU, so the deep
        bias-free head does not start with vanishing outputs; the last layers keep PyTorch's."""
        relu_layers = [*self.pool.pattern_layers, self.score_head[0], self.score_head[3]]
        if self.attribute_names:
            relu_layers += [self.att_feature[0], self.com_feature[0]]
        for layer in relu_layers:
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")

    def cam_target_layers(self) -> list[nn.Module]:
        return [self.backbone.tap]

    def forward(
        self, images: torch.Tensor, saliency: torch.Tensor | None = None, **extras
    ) -> dict[str, torch.Tensor]:
        """Other extras are ignored."""
        self._check_images(images)
        fmap = self.reduce(self.backbone(images))
        h, w = fmap.shape[-2:]
        sal = None
        if self.use_saliency:
            s = self.supersample
            sal = saliency_at(images, (h * s, w * s), saliency)
        logits = self.pattern_weight_layer(fmap.mean((2, 3)))
        fused, weights = self.pool(fmap, sal, logits)
        out: dict[str, torch.Tensor] = {"pattern_weights": weights}
        if self.attribute_names:
            att = self.att_feature(fused)
            com = self.com_feature(fused)
            gate = torch.sigmoid(self.gate(torch.cat([att, com], dim=1)))
            fused = torch.cat([gate[:, :1] * att, gate[:, 1:] * com], dim=1)
            out["attributes"] = torch.tanh(self.att_pred(att))
            out["attribute_gate"] = gate
        dist = self.score_head(fused).softmax(-1)
        out["dist"], out["mean"] = dist, mean_from_dist(dist)
        return out

"""ConvNeXt V2 with saliency-guided feature modulation (SGFM) and GRN-aware attention pooling:
the course's seed project for composition assessment on CADB.

Pipeline (``[B, 3, S, S]`` -> score distribution + attributes):

1. timm ConvNeXt V2 (Woo et al., CVPR 2023) as a ``features_only`` backbone; its last two stages
   (3 and 4: 320 and 640 channels for ``convnextv2_nano``, 160 and 320 for ``convnextv2_atto``).
2. Each stage: 1x1 conv to ``dim`` channels + GroupNorm; stage 4 upsampled (bilinear) to stage 3's
   size and fused (``fusion``): ``"add"`` (p3 + p4), ``"concat"`` (1x1 conv of [p3, p4]) or
   ``"affine"`` (p3 * (1 + a(p4)) + b(p4) with 1x1 convs a, b starting at zero).
3. SGFM (:class:`SGFM`): the saliency map resized to the fused map, ``gamma = sigmoid(conv3x3(s))``,
   ``beta = conv3x3(s)``, ``x * (1 + gamma) + beta``.
4. GRN-aware attention pooling (:class:`GRNAttentionPool`): depthwise 3x3 -> norm (GRN, BatchNorm
   or LayerNorm) -> activation (GELU or ReLU) -> 1x1 conv to one channel -> softmax over positions
   (``attention`` [B, 1, h, w]) -> attention-weighted sum of the map -> ``dim``-d vector.
5. Optional, ``pooled_stages`` (e.g. ``(0, 1, 2)``): the earlier stages' maps summarised by their mean
   and standard deviation over positions (:class:`StageStatistics`), batch-normalised and appended
   to the pooled vector: the multi-level spatially pooled features of Hosu et al. (CVPR 2019),
   which keep the global statistics (brightness, contrast, colour, noise) that the last stages
   have abstracted away. The Grad-CAM target stays the fused map.
6. Score head ``dim-256-K`` + softmax; attribute head ``dim-256-A`` + tanh (targets in [-1, 1]).

The full configuration is :data:`FULL_CONFIG` (``convnextv2_nano``, ``dim=512``, 384 px); the
defaults (``convnextv2_atto``, ``dim=512``) run on a CPU at 64-128 px. Introduced in
notebooks/09_convnextv2_sgfm.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from timm.layers import LayerNorm2d
from torch import nn

from aesthetics_lib.data.schema import ATTRIBUTES
from aesthetics_lib.models.heads import (
    AestheticModel,
    AttributeHead,
    BackboneStages,
    DistributionHead,
    mean_from_dist,
    saliency_at,
)
from aesthetics_lib.models.registry import register_model

#: The seed project's full-size settings (use on a GPU, with ``image_size`` 384).
FULL_CONFIG: dict = {"backbone": "convnextv2_nano", "dim": 512, "image_size": 384}
FUSIONS = ("add", "concat", "affine")
NORMS = ("grn", "bn", "ln")
ACTS = {"gelu": nn.GELU, "relu": nn.ReLU}


class GRN(nn.Module):
    """Global response normalisation (ConvNeXt V2), channels first.

    ``[B, C, H, W] -> [B, C, H, W]``: ``Gx = ||x||_2`` over (H, W), ``Nx = Gx / mean_c(Gx)``,
    ``gamma * (x * Nx) + beta + x``; gamma and beta start at 0, so GRN starts as the identity.
    """

    def __init__(self, channels: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.beta = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gx = torch.linalg.vector_norm(x, ord=2, dim=(2, 3), keepdim=True)
        nx = gx / (gx.mean(dim=1, keepdim=True) + self.eps)
        return self.gamma * (x * nx) + self.beta + x


class SGFM(nn.Module):
    """Saliency-guided feature modulation: ``x [B, C, h, w]``, ``s [B, 1, h, w]`` ->
    ``x * (1 + sigmoid(conv3x3(s))) + conv3x3(s)``.

    Both convs start at zero (weights and bias), so at initialisation gamma = 0.5 and beta = 0:
    the module multiplies the map by 1.5 whatever the saliency, and learns how saliency matters.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.gamma_conv = nn.Conv2d(1, channels, 3, padding=1)
        self.beta_conv = nn.Conv2d(1, channels, 3, padding=1)
        for conv in (self.gamma_conv, self.beta_conv):
            nn.init.zeros_(conv.weight)
            nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        s = s.to(x.dtype)
        gamma = torch.sigmoid(self.gamma_conv(s))
        beta = self.beta_conv(s)
        return x * (1 + gamma) + beta


class GRNAttentionPool(nn.Module):
    """Attention pooling with a GRN (or BN / LN) scoring branch.

    ``[B, C, h, w] -> ([B, C], attention [B, 1, h, w])``: ``a = softmax_hw(conv1x1(act(norm(
    dwconv3x3(x)))))``, vector ``sum_hw a * x``. The attention sums to 1 over positions.
    """

    def __init__(self, channels: int, norm: str = "grn", act: str = "gelu") -> None:
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"GRNAttentionPool: expected norm in {NORMS}, got {norm!r}")
        if act not in ACTS:
            raise ValueError(f"GRNAttentionPool: expected act in {tuple(ACTS)}, got {act!r}")
        self.dwconv = nn.Conv2d(channels, channels, 3, padding=1, groups=channels)
        self.norm = {"grn": GRN, "bn": nn.BatchNorm2d, "ln": LayerNorm2d}[norm](channels)
        self.act = ACTS[act]()
        self.score = nn.Conv2d(channels, 1, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, c, h, w = x.shape
        logits = self.score(self.act(self.norm(self.dwconv(x))))
        attention = logits.flatten(1).softmax(-1).view(b, 1, h, w)
        return (x * attention).sum((2, 3)), attention


class StageStatistics(nn.Module):
    """Multi-level spatially pooled features (Hosu et al., CVPR 2019): each map's mean and standard
    deviation over positions, concatenated and standardised per feature (BatchNorm: the raw values
    sit at very different offsets and scales).

    ``list of [B, C_i, h_i, w_i] -> [B, 2 * sum(C_i)]`` (means of all maps first, then their SDs);
    :meth:`statistics` is the parameter-free part (what a frozen backbone's cache can store).
    """

    def __init__(self, channels: Sequence[int]) -> None:
        super().__init__()
        self.channels = tuple(int(c) for c in channels)
        self.out_features = 2 * sum(self.channels)
        self.norm = nn.BatchNorm1d(self.out_features)

    def statistics(self, maps: Sequence[torch.Tensor]) -> torch.Tensor:
        """The raw means and SDs, ``[B, 2 * sum(C_i)]``, before the normalisation."""
        found = tuple(int(m.shape[1]) for m in maps)
        if found != self.channels:
            raise ValueError(f"StageStatistics: expected maps with channels {self.channels}, found {found}")
        means = [m.float().mean((2, 3)) for m in maps]
        sds = [m.float().std((2, 3), correction=0) for m in maps]
        return torch.cat(means + sds, dim=1)

    def forward(self, maps: Sequence[torch.Tensor]) -> torch.Tensor:
        return self.norm(self.statistics(maps))


def _stage_indices(backbone: BackboneStages) -> tuple[int, ...]:
    """The stage indices a :class:`BackboneStages` returns, negative ones resolved."""
    model = backbone.model
    info = getattr(model, "feature_info", None)
    if info is not None and hasattr(info, "info"):  # timm features_only
        n, picked = len(info.info), info.out_indices
    else:  # the course's shallow CNN
        n, picked = len(model.widths), model.out_indices
    return tuple(int(i) % n for i in picked)


def _groups(channels: int, wanted: int = 32) -> int:
    return math.gcd(channels, wanted)


@register_model("convnextv2_sgfm")
class ConvNeXtSGFM(AestheticModel):
    """``[B, 3, S, S]`` (optional ``saliency=[B, 1, H, W]``, else computed from the images) ->
    ``{"dist": [B, K], "mean": [B], "attention": [B, 1, h, w]}`` + ``"attributes": [B, A]``
    (tanh; default the 11 of ``schema.ATTRIBUTES``).

    Switches for the ablations: ``fusion`` ("add" | "concat" | "affine"), ``norm`` ("grn" | "bn" |
    "ln"), ``act`` ("gelu" | "relu"), ``use_saliency`` (False: no SGFM). ``pooled_stages`` (default
    none) adds the mean and SD of earlier stages to the pooled vector (:class:`StageStatistics`);
    their raw statistics can then be passed in as the extra ``stage_stats=[B, D]`` (a frozen
    backbone's stored values) instead of being computed from the maps.
    """

    view = "warp"

    def __init__(
        self,
        num_bins: int = 5,
        attribute_names: Sequence[str] = ATTRIBUTES,
        backbone: str = "convnextv2_atto",
        pretrained: bool | str = False,
        dim: int = 512,
        fusion: str = "add",
        norm: str = "grn",
        act: str = "gelu",
        use_saliency: bool = True,
        stages: Sequence[int] = (-2, -1),
        pooled_stages: Sequence[int] = (),
        hidden: int = 256,
        dropout: float = 0.2,
    ) -> None:
        super().__init__(num_bins, attribute_names)
        if fusion not in FUSIONS:
            raise ValueError(f"ConvNeXtSGFM: expected fusion in {FUSIONS}, got {fusion!r}")
        if len(tuple(stages)) != 2:
            raise ValueError(f"ConvNeXtSGFM: expected two stages (e.g. (-2, -1)), got {tuple(stages)}")
        self.pooled_stages = tuple(int(i) for i in pooled_stages)
        if any(i < 0 for i in self.pooled_stages) or len(set(self.pooled_stages)) != len(self.pooled_stages):
            raise ValueError(f"ConvNeXtSGFM: expected distinct stage indices >= 0 in pooled_stages, got {self.pooled_stages}")
        self.fusion = fusion
        self.use_saliency = bool(use_saliency)
        self.extra_inputs = (("saliency",) if use_saliency else ()) + (("stage_stats",) if self.pooled_stages else ())
        self.optional_inputs = self.extra_inputs
        self.backbone = BackboneStages(backbone, tuple(sorted(self.pooled_stages)) + tuple(stages), pretrained)
        resolved = _stage_indices(self.backbone)
        if any(i >= min(resolved[-2:]) for i in resolved[:-2]):
            raise ValueError(f"ConvNeXtSGFM: pooled_stages {self.pooled_stages} overlap the fused stages {tuple(stages)} "
                             f"(stages {resolved[-2:]} of this backbone): pool earlier stages only")
        c3, c4 = self.backbone.out_channels[-2:]
        self.proj3 = nn.Sequential(nn.Conv2d(c3, dim, 1), nn.GroupNorm(_groups(dim), dim))
        self.proj4 = nn.Sequential(nn.Conv2d(c4, dim, 1), nn.GroupNorm(_groups(dim), dim))
        if fusion == "concat":
            self.fuse = nn.Conv2d(2 * dim, dim, 1)
        elif fusion == "affine":
            self.fuse_gamma = nn.Conv2d(dim, dim, 1)
            self.fuse_beta = nn.Conv2d(dim, dim, 1)
            for conv in (self.fuse_gamma, self.fuse_beta):
                nn.init.zeros_(conv.weight)
                nn.init.zeros_(conv.bias)
        self.sgfm = SGFM(dim) if self.use_saliency else None
        self.cam_tap = nn.Identity()
        self.pool = GRNAttentionPool(dim, norm, act)
        self.stage_statistics = StageStatistics(self.backbone.out_channels[:-2]) if self.pooled_stages else None
        width = dim + (self.stage_statistics.out_features if self.stage_statistics is not None else 0)
        act_cls = ACTS[act]
        self.head = DistributionHead(width, num_bins, hidden=(hidden,), dropout=dropout, act=act_cls)
        self.attribute_head = (
            AttributeHead(width, len(self.attribute_names), hidden=(hidden,), act=act_cls)
            if self.attribute_names
            else None
        )

    def cam_target_layers(self) -> list[nn.Module]:
        """The fused, saliency-modulated map that the attention pooling reads."""
        return [self.cam_tap]

    def fused_map(self, images: torch.Tensor) -> torch.Tensor:
        """Stages 3 and 4 projected and fused: ``[B, 3, H, W] -> [B, dim, H/16, W/16]``."""
        return self._fuse(*self.backbone(images)[-2:])

    def _fuse(self, f3: torch.Tensor, f4: torch.Tensor) -> torch.Tensor:
        p3 = self.proj3(f3)
        p4 = F.interpolate(self.proj4(f4), size=p3.shape[-2:], mode="bilinear", align_corners=False)
        if self.fusion == "add":
            return p3 + p4
        if self.fusion == "concat":
            return self.fuse(torch.cat([p3, p4], dim=1))
        return p3 * (1 + self.fuse_gamma(p4)) + self.fuse_beta(p4)

    def forward(
        self, images: torch.Tensor, saliency: torch.Tensor | None = None, stage_stats: torch.Tensor | None = None,
        **extras,
    ) -> dict[str, torch.Tensor]:
        """``stage_stats``: the raw :meth:`StageStatistics.statistics` of the pooled stages, when
        stored (otherwise computed from the maps). Other extras are ignored."""
        self._check_images(images)
        maps = self.backbone(images)
        x = self._fuse(*maps[-2:])
        if self.sgfm is not None:
            x = self.sgfm(x, saliency_at(images, x.shape[-2:], saliency))
        x = self.cam_tap(x)
        vec, attention = self.pool(x)
        if self.stage_statistics is not None:
            if stage_stats is None:
                stage_stats = self.stage_statistics.statistics(maps[:-2])
            vec = torch.cat([vec, self.stage_statistics.norm(stage_stats.to(vec.dtype))], dim=1)
        dist = self.head(vec)
        out = {"dist": dist, "mean": mean_from_dist(dist), "attention": attention}
        if self.attribute_head is not None:
            out["attributes"] = self.attribute_head(vec)
        return out

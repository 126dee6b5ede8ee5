"""Pieces every aesthetics model shares: the model base class, the backbone feature map, the
distribution / regression / binary / attribute heads, the mean of a predicted distribution and the
saliency input.

The output contract (docs/ARCHITECTURE.md): ``forward(images, **extras) -> dict`` with ``dist``
``[B, K]`` (softmax probabilities over the score bins 1..K), ``mean`` ``[B]`` (``sum_i i * p_i``)
and, where a model has them, ``attributes`` ``[B, A]`` in [-1, 1] (tanh: the targets are in
[-1, 1], so a sigmoid head could never reach the negative half). Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from timm.data import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from torch import nn

from aesthetics_lib.data.schema import dist_mean as mean_from_dist  # noqa: F401  (the models' name for it)
from aesthetics_lib.data.schema import dist_std as std_from_dist  # noqa: F401
from aesthetics_lib.pretrained import backbone_channels, create_backbone, input_adapter
from aesthetics_lib.saliency import spectral_residual_torch


class AestheticModel(nn.Module):
    """Base class of the course's models: the attributes the data pipeline and trainer read.

    ``view``: the input view to build (``warp``, ``double``, ``patches``, ``native``);
    ``extra_inputs``: batch keys read besides ``image``; ``optional_inputs``: those of them the
    model can do without (it computes them, e.g. ``saliency``); ``attribute_names``: the columns
    of ``attributes`` (empty without an attribute head); ``num_bins``: K.
    """

    view: str = "warp"
    extra_inputs: tuple[str, ...] = ()
    optional_inputs: tuple[str, ...] = ()

    def __init__(self, num_bins: int, attribute_names: Sequence[str] = ()) -> None:
        super().__init__()
        if int(num_bins) < 2:
            raise ValueError(f"{type(self).__name__}: expected num_bins >= 2, got {num_bins}")
        self.num_bins = int(num_bins)
        self.attribute_names: tuple[str, ...] = tuple(attribute_names)

    @classmethod
    def view_for(cls, **kwargs) -> str:
        """The view a model built with these keyword arguments reads (without building it)."""
        return cls.view

    def cam_target_layers(self) -> list[nn.Module]:
        """The modules whose output feature map Grad-CAM should use (the last backbone map)."""
        raise NotImplementedError

    def _check_images(self, images: torch.Tensor, ndims: tuple[int, ...] = (4,)) -> None:
        if not isinstance(images, torch.Tensor) or images.ndim not in ndims:
            found = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
            want = " or ".join({4: "[B, 3, H, W]", 5: "[B, P, 3, S, S]"}[n] for n in ndims)
            raise ValueError(f"{type(self).__name__}.forward: expected images {want}, found {found}")


class BackboneMap(nn.Module):
    """A backbone's last feature map: ``[B, 3, H, W]`` (ImageNet-normalised) -> ``[B, C, h, w]``.

    Wraps :func:`aesthetics_lib.pretrained.create_backbone` (timm ``forward_features``), converts
    the input normalisation to the backbone's own (:func:`~aesthetics_lib.pretrained.input_adapter`)
    and ends in ``tap``, an identity whose output is the map: the Grad-CAM target layer.
    """

    def __init__(self, name: str, pretrained: bool | str = False, **kw) -> None:
        super().__init__()
        self.name = name
        self.model = create_backbone(name, pretrained=pretrained, num_classes=0, **kw)
        self.adapter = input_adapter(self.model)
        self.tap = nn.Identity()
        self.out_channels = backbone_channels(self.model)[-1]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.tap(self.model.forward_features(self.adapter(images)))


class BackboneStages(nn.Module):
    """Several stages of a backbone: ``[B, 3, H, W] -> list[Tensor[B, C_i, h_i, w_i]]`` (timm
    ``features_only`` with ``out_indices``), with the input normalisation converted as in
    :class:`BackboneMap`. ``out_channels`` and ``reductions`` list each map's channels and stride."""

    def __init__(self, name: str, out_indices: Sequence[int], pretrained: bool | str = False, **kw) -> None:
        super().__init__()
        self.name = name
        self.model = create_backbone(name, pretrained=pretrained, features_only=True, out_indices=out_indices, **kw)
        self.adapter = input_adapter(self.model)
        self.out_channels = backbone_channels(self.model)
        info = getattr(self.model, "feature_info", None)
        self.reductions = list(info.reduction()) if info is not None else [None] * len(self.out_channels)

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        return list(self.model(self.adapter(images)))


def mlp(
    in_features: int,
    hidden: Sequence[int],
    out_features: int,
    dropout: float = 0.0,
    batchnorm: bool = False,
    act: type[nn.Module] = nn.ReLU,
    bias: bool = True,
) -> nn.Sequential:
    """``Linear(-BN)-act-Dropout`` per hidden width, then ``Linear(out_features)``."""
    layers: list[nn.Module] = []
    c = in_features
    for h in hidden:
        layers.append(nn.Linear(c, h, bias=bias and not batchnorm))
        if batchnorm:
            layers.append(nn.BatchNorm1d(h))
        layers.append(act())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        c = h
    layers.append(nn.Linear(c, out_features, bias=bias))
    return nn.Sequential(*layers)


class DistributionHead(nn.Module):
    """Feature vector -> score distribution: ``[B, F] -> [B, K]`` softmax probabilities
    (NIMA's head: dropout, linear, softmax; optional hidden layers)."""

    def __init__(
        self,
        in_features: int,
        num_bins: int,
        hidden: Sequence[int] = (),
        dropout: float = 0.0,
        batchnorm: bool = False,
        act: type[nn.Module] = nn.ReLU,
    ) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.net = mlp(in_features, hidden, num_bins, dropout=dropout, batchnorm=batchnorm, act=act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.dropout(x)).softmax(-1)


class RegressionHead(nn.Module):
    """Feature vector -> mean score in (1, K): ``1 + (K - 1) * sigmoid(z)``. ``[B, F] -> [B]``."""

    def __init__(
        self,
        in_features: int,
        num_bins: int,
        hidden: Sequence[int] = (),
        dropout: float = 0.0,
        batchnorm: bool = False,
    ) -> None:
        super().__init__()
        self.num_bins = num_bins
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.net = mlp(in_features, hidden, 1, dropout=dropout, batchnorm=batchnorm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 1.0 + (self.num_bins - 1) * torch.sigmoid(self.net(self.dropout(x)).squeeze(-1))


class BinaryHead(nn.Module):
    """Feature vector -> two logits (bad, good): ``[B, F] -> [B, 2]``."""

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int] = (),
        dropout: float = 0.0,
        batchnorm: bool = False,
    ) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.net = mlp(in_features, hidden, 2, dropout=dropout, batchnorm=batchnorm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.dropout(x))


class AttributeHead(nn.Module):
    """Feature vector -> attributes in [-1, 1] (tanh). ``[B, F] -> [B, A]``."""

    def __init__(
        self,
        in_features: int,
        num_attributes: int,
        hidden: Sequence[int] = (),
        dropout: float = 0.0,
        act: type[nn.Module] = nn.ReLU,
    ) -> None:
        super().__init__()
        self.net = mlp(in_features, hidden, num_attributes, dropout=dropout, act=act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.net(x))


def denormalize_imagenet(images: torch.Tensor) -> torch.Tensor:
    """Undo ImageNet normalisation: ``[B, 3, H, W]`` normalised -> pixel values in [0, 1] (clamped)."""
    mean = torch.tensor(IMAGENET_DEFAULT_MEAN, device=images.device, dtype=images.dtype).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_DEFAULT_STD, device=images.device, dtype=images.dtype).view(1, 3, 1, 1)
    return (images * std + mean).clamp(0, 1)


def saliency_at(
    images: torch.Tensor,
    size: tuple[int, int],
    saliency: torch.Tensor | None = None,
    compute_scale: int = 1,
) -> torch.Tensor:
    """Saliency ``[B, 1, h, w]`` at ``size = (h, w)`` for ImageNet-normalised ``images``.

    A given ``saliency`` (``[B, 1, H', W']`` or ``[B, H', W']``, any size) is average-pooled to
    ``size`` (bilinearly resized if smaller); otherwise spectral-residual saliency
    (:func:`aesthetics_lib.saliency.spectral_residual_torch`) of the de-normalised images is
    computed at ``compute_scale`` times ``size`` and average-pooled down (the spectral residual
    itself works at 1/6 of the image size, so a larger ``compute_scale`` only smooths).
    No gradient flows into the saliency.
    """
    h, w = int(size[0]), int(size[1])
    if saliency is None:
        sal = spectral_residual_torch(
            denormalize_imagenet(images.detach().float()), out_size=(h * compute_scale, w * compute_scale)
        )
    else:
        sal = saliency
        if sal.ndim == 3:
            sal = sal.unsqueeze(1)
        if sal.ndim != 4 or sal.shape[1] != 1 or sal.shape[0] != images.shape[0]:
            raise ValueError(
                f"saliency: expected [B, 1, H, W] with B = {images.shape[0]}, found {tuple(saliency.shape)}"
            )
        sal = sal.detach().to(device=images.device, dtype=torch.float32)
    if sal.shape[-2] >= h and sal.shape[-1] >= w:
        sal = F.adaptive_avg_pool2d(sal, (h, w))
    else:
        sal = F.interpolate(sal, size=(h, w), mode="bilinear", align_corners=False)
    return sal.to(images.dtype)

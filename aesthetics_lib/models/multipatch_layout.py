"""Multi-patch scoring with a layout column: patches that know the whole photo.

Wang et al.'s multi-patch network (:mod:`aesthetics_lib.models.multipatch`) scores square patches
cut from the un-warped photo, so no patch sees where the subject sits in the frame: on the course
studio the multi-patch runs follow placement not at all (``benchmarks/README.md``, "Which quality
terms each course model follows"). This variant, which is not in Wang et al.'s design, adds a second
small CNN that reads the whole photo warped to ``layout x layout``; its whole map, every position
kept (an average over the map would forget where the subject sits: session 32 measured such a
column blind to placement), is projected linearly (a ReLU there died under MPEMD and left the column
unused) and added to every patch's feature before the shared head. The model takes the photo at its own size (the ``native`` view) and
cuts its patches itself, with the ``patches`` view's rules: the shorter side resized to
``short_side``, random positions in training, :func:`~aesthetics_lib.data.transforms.patch_grid` at
evaluation. Trained with MPEMD like the multi-patch model. Introduced in notebooks/06_aspect_ratio.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torchvision.transforms.v2 import functional as TF

from aesthetics_lib.data.transforms import PatchesView, _crop_position, patch_grid
from aesthetics_lib.models.heads import AestheticModel, AttributeHead, BackboneMap, DistributionHead, mean_from_dist
from aesthetics_lib.models.registry import register_model

POOLS: tuple[str, ...] = ("max", "avg")


def _truncate(column: BackboneMap, levels: int) -> None:
    """Keep ``column``'s first ``levels`` feature levels and drop what follows them (timm's
    ``prune_intermediate_layers``: the later stages and the head convolution), so that its map is
    the last kept level's and its parameters only those that feed it."""
    model = column.model
    count = len(getattr(model, "feature_info", []) or [])
    if not hasattr(model, "prune_intermediate_layers") or not count:
        raise ValueError(f"LayoutPatchNet: levels needs a timm backbone with feature levels; {column.name!r} has none")
    if not 1 <= int(levels) <= count:
        raise ValueError(f"LayoutPatchNet: expected levels in 1..{count} for {column.name!r}, found {levels}")
    model.prune_intermediate_layers([int(levels) - 1])
    column.out_channels = int(model.num_features)


def _column(what: str, backbone: str, widths: Sequence[int] | None) -> dict:
    """The keyword arguments that give a ``"shallow"`` column ``widths`` (none when ``widths`` is None)."""
    if widths is None:
        return {}
    if backbone != "shallow":
        raise ValueError(f"LayoutPatchNet: widths for {what} set the 'shallow' backbone's blocks; {backbone!r} has its own")
    return {"widths": tuple(int(c) for c in widths)}


@register_model("multipatch_layout")
class LayoutPatchNet(AestheticModel):
    """``[B, 3, H, W]`` photos at their own size (a batch shares one shape: aspect buckets) ->
    ``{"patch_dist": [B, P, K], "dist": [B, K], "mean": [B]}`` (+ ``"attributes"`` ``[B, A]``,
    averaged over patches, with ``attribute_names``).

    ``num_patches`` patches of ``patch_size`` are cut after the shorter side is resized to
    ``short_side`` (default the ``patches`` view's, ``round(1.5 * patch_size)``); each goes through
    ``backbone``, pooled by ``pool`` (``max`` or ``avg``); the layout column (``layout_backbone`` on
    the photo warped to ``layout x layout``, its map flattened, a linear projection) is added to every
    patch's feature; the head (``hidden`` layers, ``dropout``) predicts each patch's distribution,
    and the photo's is their average. ``widths`` and ``layout_widths`` set the blocks of a
    ``"shallow"`` patch or layout column (default 16-32-64; the DCNN's RAPID-depth columns are
    32-64-64-64). ``levels`` keeps only the first feature levels of a timm patch column (of
    EfficientNet-Lite0's five, ending at strides 2 to 32, ``levels=4`` keeps 0.7 M of its 3.4 M
    parameters and a 112-channel map at stride 16), e.g. to fine-tune the ImageNet weights
    (``pretrained="package"``) within a small size budget.
    """

    view = "native"

    def __init__(
        self,
        num_bins: int = 5,
        attribute_names: Sequence[str] = (),
        backbone: str = "shallow",
        pretrained: bool | str = False,
        patch_size: int = 64,
        num_patches: int = 6,
        short_side: int | None = None,
        layout: int = 48,
        layout_backbone: str = "shallow",
        pool: str = "max",
        hidden: Sequence[int] = (256,),
        dropout: float = 0.5,
        widths: Sequence[int] | None = None,
        layout_widths: Sequence[int] | None = None,
        levels: int | None = None,
    ) -> None:
        super().__init__(num_bins, attribute_names)
        if pool not in POOLS:
            raise ValueError(f"LayoutPatchNet: expected pool in {POOLS}, found {pool!r}")
        if int(layout) < 8:
            raise ValueError(f"LayoutPatchNet: expected layout >= 8 pixels, found {layout}")
        # the patches view's own rules (and its checks of patch_size, num_patches, short_side)
        rules = PatchesView(int(patch_size), int(num_patches), short_side, train=False, flip=False, color_jitter=0.0, normalize=False)
        self.patch_size, self.num_patches, self.short_side = rules.patch_size, rules.num_patches, rules.short_side
        self.layout_size, self.pool = int(layout), pool
        self.backbone = BackboneMap(backbone, pretrained, **_column("backbone", backbone, widths))
        if levels is not None:
            _truncate(self.backbone, levels)
        self.layout = BackboneMap(layout_backbone, False, **_column("layout_backbone", layout_backbone, layout_widths))
        c = self.backbone.out_channels
        with torch.no_grad():  # the layout map's size: channels x positions
            layout_features = self.layout(torch.zeros(1, 3, self.layout_size, self.layout_size)).numel()
        self.layout_proj = nn.Linear(layout_features, c)
        self.head = DistributionHead(c, num_bins, hidden=hidden, dropout=dropout)
        self.attribute_head = AttributeHead(c, len(self.attribute_names)) if self.attribute_names else None

    def cam_target_layers(self) -> list[nn.Module]:
        """The layout column's map: the one map laid out like the (warped) photo."""
        return [self.layout.tap]

    def cut(self, images: torch.Tensor) -> torch.Tensor:
        """``[B, 3, H, W] -> [B, P, 3, S, S]``: the patches the model scores (random positions per
        photo in training, the evaluation grid otherwise)."""
        x = TF.resize(images, self.short_side, antialias=True)  # shorter side -> short_side, aspect kept
        h, w = x.shape[-2:]
        s, n = self.patch_size, self.num_patches
        if self.training:
            positions = [[_crop_position(h, w, s, True) for _ in range(n)] for _ in range(len(x))]
        else:
            positions = [patch_grid(h, w, s, n)] * len(x)
        return torch.stack([torch.stack([img[:, t : t + s, l : l + s] for t, l in pos]) for img, pos in zip(x, positions)])

    def layout_feature(self, images: torch.Tensor) -> torch.Tensor:
        """``[B, 3, H, W] -> [B, C]``: the layout column's projected map of the whole photo."""
        thumb = TF.resize(images, [self.layout_size, self.layout_size], antialias=True)
        return self.layout_proj(self.layout(thumb).flatten(1))

    def forward(self, images: torch.Tensor, **extras) -> dict[str, torch.Tensor]:
        """Extras are not used (and ignored)."""
        self._check_images(images)
        patches = self.cut(images)
        b, p = patches.shape[:2]
        maps = self.backbone(patches.flatten(0, 1))
        feat = maps.amax((2, 3)) if self.pool == "max" else maps.mean((2, 3))
        feat = feat.view(b, p, -1) + self.layout_feature(images).unsqueeze(1)
        patch_dist = self.head(feat.flatten(0, 1)).view(b, p, -1)
        dist = patch_dist.mean(1)
        out = {"dist": dist, "mean": mean_from_dist(dist), "patch_dist": patch_dist}
        if self.attribute_head is not None:
            out["attributes"] = self.attribute_head(feat.flatten(0, 1)).view(b, p, -1).mean(1)
        return out

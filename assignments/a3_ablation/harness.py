"""What assignment 3 provides: a course model's frozen maps, its head with your module plugged in,
and the ``train_and_predict(arm, seed)`` your ablation calls.

Two kinds of idea, two course models (the shipped course weights, ``weights/NAME.pt``):

- ``"fusion"``: a new way for the saliency map to enter the final model ``sgfm_lite0``
  (:class:`aesthetics_lib.models.convnext_sgfm.ConvNeXtSGFM` on EfficientNet-Lite0). Your module takes
  the place of SGFM, ``x * (1 + sigmoid(conv(s))) + conv(s)``;
- ``"pattern"``: a ninth composition pattern for SAMP-Net's multi-pattern pooling ``sampnet``
  (:class:`aesthetics_lib.models.sampnet.SAMPNet`), pooled beside the eight of the paper.

As in notebooks/09_convnextv2_sgfm's ablations, the course model's **backbone is frozen**: its maps
(and the spectral-residual saliency) are computed once per photo and cached; each run trains the
rest of the network, from scratch, on the stored maps of the practice photos (EMD loss, AdamW, a
fixed number of epochs: nothing is chosen on the evaluation photos) and predicts the held-out
photos' mean scores. ``"original"`` is the course model's own head, ``"variant"`` the same head with
your module. Introduced in assignments/a3_ablation/starter.ipynb.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from assignments import A3_KINDS
from assignments.data import Budget, cache_dir, get_budget, studio_set

KINDS: tuple[str, ...] = A3_KINDS
ARMS: tuple[str, ...] = ("original", "variant")
#: The course model each kind plugs into.
BASE_MODEL: dict[str, str] = {"fusion": "sgfm_lite0", "pattern": "sampnet"}
#: Width of the fusion head's fused map (notebooks/09's ablations use 64 as well).
DIM = 64
LR = 2e-3
WEIGHT_DECAY = 1e-4
BATCH = 64
#: SAMP-Net pools patterns on a grid this many times finer than its map.
SUPERSAMPLE = 8


# --------------------------------------------------------------------------------------------
# stored maps
# --------------------------------------------------------------------------------------------
@dataclass
class StoredMaps:
    """A frozen backbone's maps of some photos: ``maps`` ``[N, C, h, w]``, ``saliency``
    ``[N, 1, H, W]`` (at the map's size for ``fusion``, 8 times finer for ``pattern``), the
    raters' ``dist`` ``[N, K]`` and ``mean`` ``[N]``; ``c3``: channels of stage 3 in a ``fusion``
    map (stage 4 is packed behind them, rearranged to stage 3's grid)."""

    maps: torch.Tensor
    saliency: torch.Tensor
    dist: torch.Tensor
    mean: np.ndarray
    c3: int = 0

    def __len__(self) -> int:
        return len(self.maps)

    def subset(self, n: int) -> "StoredMaps":
        return StoredMaps(self.maps[:n], self.saliency[:n], self.dist[:n], self.mean[:n], self.c3)


def _weights(kind: str) -> tuple[Path, str]:
    """The checkpoint of the course model of ``kind`` and a short hash of its bytes."""
    from aesthetics_lib.course_weights import find_weights

    name = BASE_MODEL[kind]
    weights = find_weights(name)
    if weights is None:
        raise FileNotFoundError(f"assignment 3 needs the course weights of {name!r} (weights/{name}.pt); "
                                "they ship with the course")
    return weights.checkpoint, hashlib.sha256(weights.checkpoint.read_bytes()).hexdigest()[:10]


def _compute_maps(kind: str, model: nn.Module, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, int]:
    from aesthetics_lib.models.heads import saliency_at

    with torch.no_grad():
        if kind == "fusion":
            *_, m3, m4 = model.backbone(images)  # the final model also returns its pooled early stages first
            maps = torch.cat([m3, F.pixel_shuffle(m4, 2)], dim=1)
            sal = saliency_at(images, m3.shape[-2:])
            return maps, sal, m3.shape[1]
        fmap = model.reduce(model.backbone(images))
        h, w = fmap.shape[-2:]
        return fmap, saliency_at(images, (h * SUPERSAMPLE, w * SUPERSAMPLE)), 0


def stored_maps(kind: str, which: str, budget: str | Budget | None = None) -> StoredMaps:
    """The frozen maps of the course model of ``kind`` for the photos A3 uses from studio set
    ``which`` (``practice``: the first ``a3_train``, ``heldout``: the first ``a3_eval``), warped to
    ``a3_size`` pixels; computed once and cached."""
    from aesthetics_lib.data.transforms import build_transform
    from aesthetics_lib.paths import file_lock

    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {KINDS}")
    b = get_budget(budget)
    n = b.a3_train if which == "practice" else b.a3_eval
    s = studio_set(which, b)
    if n > len(s):
        raise ValueError(f"budget {b.name}: A3 wants {n} {which} photos but the set has {len(s)}")
    checkpoint, key = _weights(kind)
    path = cache_dir() / "a3" / f"{kind}-{key}-{s.root.name}-first{n}-S{b.a3_size}.pt"
    with file_lock(path.with_suffix(".lock")):
        if path.is_file():
            data = torch.load(path, map_location="cpu", weights_only=True)
        else:
            from aesthetics_lib.training.checkpoint import load_checkpoint

            model = load_checkpoint(checkpoint, map_location="cpu")[0].eval()
            transform = build_transform("warp", size=b.a3_size, train=False)
            parts: list[tuple[torch.Tensor, torch.Tensor, int]] = []
            from aesthetics_lib.data.io import load_image

            for start in range(0, n, 50):
                batch = torch.stack([transform(load_image(p).convert("RGB")) for p in s.paths[start:min(n, start + 50)]])
                parts.append(_compute_maps(kind, model, batch))
            data = {"maps": torch.cat([p[0] for p in parts]).contiguous(), "saliency": torch.cat([p[1] for p in parts]),
                    "c3": parts[0][2]}
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            torch.save(data, tmp)
            tmp.replace(path)
    dist = torch.tensor(np.array(s.dist[:n]), dtype=torch.float32)
    return StoredMaps(data["maps"].float(), data["saliency"].float(), dist, s.mean[:n].copy(), int(data["c3"]))


# --------------------------------------------------------------------------------------------
# the heads
# --------------------------------------------------------------------------------------------
class StoredStages(nn.Module):
    """Stands in for the fusion model's backbone: unpacks a stored map into stages 3 and 4."""

    def __init__(self, c3: int) -> None:
        super().__init__()
        self.c3 = c3

    def forward(self, packed: torch.Tensor) -> list[torch.Tensor]:
        return [packed[:, : self.c3], F.pixel_unshuffle(packed[:, self.c3 :], 2)]


def check_masks(masks: object, h: int, w: int) -> torch.Tensor:
    """A pattern's masks as a float tensor ``[n, h, w]``, after checking that they are a bool (or 0/1)
    tensor of that shape that partitions the grid (every pixel in exactly one partition, none empty).
    Raises ``ValueError`` saying what is wrong."""
    if not isinstance(masks, torch.Tensor):
        raise ValueError(f"pattern_masks({h}, {w}): expected a torch tensor [n, {h}, {w}], found {type(masks).__name__}")
    if masks.ndim != 3 or tuple(masks.shape[1:]) != (h, w):
        raise ValueError(f"pattern_masks({h}, {w}): expected shape [n, {h}, {w}], found {tuple(masks.shape)}")
    m = masks.detach().float()
    if not bool(((m == 0) | (m == 1)).all()):
        raise ValueError(f"pattern_masks({h}, {w}): expected a bool (0/1) tensor, found other values")
    per_pixel = m.sum(0)
    if not bool((per_pixel == 1).all()):
        bad = int((per_pixel != 1).sum())
        raise ValueError(f"pattern_masks({h}, {w}): {bad} of {h * w} pixels are in {'no' if per_pixel.min() < 1 else 'more than one'}"
                         " partition; every pixel must be in exactly one")
    empty = [i for i in range(m.shape[0]) if m[i].sum() == 0]
    if empty:
        raise ValueError(f"pattern_masks({h}, {w}): partitions {empty} are empty")
    return m


class PatternPoolPlus(nn.Module):
    """SAMP-Net's multi-pattern pooling with one more pattern: the library's
    :class:`~aesthetics_lib.models.sampnet.MultiPatternPool` (8 patterns) plus the partitions of
    ``masks_fn(H, W)`` (drawn on the fine grid, ``SUPERSAMPLE`` times the map), pooled the same way
    (area-weighted mean feature and mean saliency per partition, a bias-free linear layer, ReLU,
    dropout) and fused with the others by softmax weights over 9 logits.
    ``x`` ``[B, C, h, w]``, ``saliency`` ``[B, 1, 8h, 8w]``, ``weight_logits`` ``[B, 9]`` ->
    ``(feature [B, D], weights [B, 9])``."""

    def __init__(self, base: nn.Module, masks_fn: Callable[[int, int], torch.Tensor], map_size: tuple[int, int]) -> None:
        super().__init__()
        self.base = base
        self.masks_fn = masks_fn
        h, w = map_size
        s = base.supersample
        self.n_extra = check_masks(masks_fn(h * s, w * s), h * s, w * s).shape[0]
        per_part = base.pattern_layers[0].in_features // 2  # the first pattern has 2 partitions
        self.extra_layer = nn.Linear(per_part * self.n_extra, base.out_dim, bias=False)
        nn.init.kaiming_normal_(self.extra_layer.weight, nonlinearity="relu")

    def forward(self, x: torch.Tensor, saliency: torch.Tensor | None, weight_logits: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        from aesthetics_lib.models.sampnet import PARTITION_COUNTS

        base = self.base
        b, c, h, w = x.shape
        s = base.supersample
        fine = check_masks(self.masks_fn(h * s, w * s), h * s, w * s).to(x.dtype)
        area = F.avg_pool2d(fine.unsqueeze(0), s).squeeze(0)
        area = area / area.sum((1, 2), keepdim=True).clamp_min(1e-12)
        extra = torch.einsum("bchw,phw->bcp", x, area)
        if base.use_saliency:
            fine_n = fine / fine.sum((1, 2), keepdim=True).clamp_min(1.0)
            sal = torch.einsum("bhw,phw->bp", saliency[:, 0].to(x.dtype), fine_n)
            extra = torch.cat([extra, sal.unsqueeze(1)], dim=1)
        parts = base.dropout(torch.cat([base.partition_features(x, saliency), extra], dim=2))
        feats, start = [], 0
        for layer, n in zip([*base.pattern_layers, self.extra_layer], [*PARTITION_COUNTS, self.n_extra]):
            p = parts[:, :, start : start + n].transpose(1, 2).flatten(1)
            feats.append(base.dropout(F.relu(layer(p))))
            start += n
        weights = weight_logits.softmax(-1)
        return (torch.stack(feats, dim=1) * weights.unsqueeze(-1)).sum(1), weights


def build_head(kind: str, arm: str, submission: ModuleType | None, example: StoredMaps, num_bins: int) -> nn.Module:
    """The head of one arm (``original``: the course model's; ``variant``: with the submission's
    module), built under the current torch seed, reading stored maps like ``example``'s."""
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r}: expected one of {ARMS}")
    if kind == "fusion":
        from aesthetics_lib.models.convnext_sgfm import ConvNeXtSGFM

        model = ConvNeXtSGFM(num_bins=num_bins, attribute_names=(), backbone="efficientnet_lite0", pretrained=False, dim=DIM)
        model.backbone = StoredStages(example.c3)
        if arm == "variant":
            model.sgfm = submission.SaliencyFusion(DIM)
        return model
    from aesthetics_lib.models.sampnet import PATTERN_NAMES, SAMPNet

    channels = example.maps.shape[1]
    # the backbone is replaced by the stored maps: build the model around the library's tiny CNN
    # (the 1x1 reduction to `channels` is replaced too, so the pattern layers see the stored maps)
    model = SAMPNet(num_bins=num_bins, attribute_names=(), backbone="shallow", pretrained=False,
                    channels=channels, supersample=SUPERSAMPLE)
    model.backbone, model.reduce = nn.Identity(), nn.Identity()
    if arm == "variant":
        model.pool = PatternPoolPlus(model.pool, submission.pattern_masks, tuple(example.maps.shape[-2:]))
        dropout = model.pattern_weight_layer[0]
        model.pattern_weight_layer = nn.Sequential(dropout, nn.Linear(channels, len(PATTERN_NAMES) + 1, bias=False))
    return model


def train_head(model: nn.Module, data: StoredMaps, epochs: int, seed: int) -> nn.Module:
    """AdamW on the EMD loss (r = 2, :func:`aesthetics_lib.losses.emd_loss`) over mini-batches of
    the stored maps, in an order fixed by ``seed``. Returns the model in eval mode."""
    from aesthetics_lib.losses import emd_loss

    generator = torch.Generator().manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=LR, weight_decay=WEIGHT_DECAY)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(data), generator=generator)
        for start in range(0, len(data), BATCH):
            idx = order[start : start + BATCH]
            out = model(data.maps[idx], saliency=data.saliency[idx])
            loss = emd_loss(out["dist"], data.dist[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def predict_means(model: nn.Module, data: StoredMaps) -> np.ndarray:
    """The model's predicted mean scores of the stored photos: ``[N]`` float64."""
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(data), 256):
            sl = slice(start, start + 256)
            out.append(model(data.maps[sl], saliency=data.saliency[sl])["mean"].double())
    return torch.cat(out).numpy()


# --------------------------------------------------------------------------------------------
# the experiment
# --------------------------------------------------------------------------------------------
@dataclass
class AblationSetup:
    """What ``run_ablation`` gets: ``train_and_predict(arm, seed) -> [N]`` predicted mean scores of
    the evaluation photos, their raters' means ``target`` ``[N]``, the ``seeds`` to use, and
    ``n_boot``. ``predictions`` keeps every run's output, keyed by ``(arm, seed)``."""

    kind: str
    train_and_predict: Callable[[str, int], np.ndarray]
    target: np.ndarray
    seeds: tuple[int, ...]
    n_boot: int
    description: str
    predictions: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)


def prepare(kinds: Sequence[str], budget: str | Budget | None = None) -> None:
    """Compute (or find cached) the stored maps of both studio sets for each of ``kinds``."""
    for kind in kinds:
        for which in ("practice", "heldout"):
            stored_maps(kind, which, budget)


def submission_kind(submission: ModuleType) -> str:
    """The submission's ``KIND``, checked."""
    kind = getattr(submission, "KIND", None)
    if kind not in KINDS:
        raise ValueError(f"KIND: expected one of {KINDS}, found {kind!r}; set it at the top of your file")
    return kind


def ablation_setup(submission: ModuleType, budget: str | Budget | None = None, n_train: int | None = None,
                   n_eval: int | None = None, epochs: int | None = None, seeds: tuple[int, ...] | None = None) -> AblationSetup:
    """The ablation of the submission's module against the course model's own head, at a budget's
    sizes (``n_train``, ``n_eval``, ``epochs`` and ``seeds`` make it smaller)."""
    b = get_budget(budget)
    kind = submission_kind(submission)
    train = stored_maps(kind, "practice", b)
    test = stored_maps(kind, "heldout", b)
    if n_train is not None:
        train = train.subset(n_train)
    if n_eval is not None:
        test = test.subset(n_eval)
    epochs = b.a3_epochs if epochs is None else epochs
    num_bins = train.dist.shape[1]

    def train_and_predict(arm: str, seed: int) -> np.ndarray:
        torch.manual_seed(seed)
        model = build_head(kind, arm, submission, train, num_bins)
        pred = predict_means(train_head(model, train, epochs, seed), test)
        setup.predictions[(arm, int(seed))] = pred
        return pred.copy()

    setup = AblationSetup(kind, train_and_predict, test.mean.copy(), tuple(b.a3_seeds if seeds is None else seeds), b.n_boot,
                          f"{BASE_MODEL[kind]}'s frozen maps at {b.a3_size} px: heads trained on {len(train)} practice photos "
                          f"for {epochs} epochs, scored on {len(test)} held-out photos")
    return setup

"""Ablations on a frozen backbone, with several seeds and seed-aware verdicts.

Retraining a whole model per switch and seed is too slow for a lesson, so the backbone is run once
per photo and its two stages are stored; everything after the backbone then trains and predicts on
the stored maps through the library's own forward pass, :class:`~aesthetics_lib.train.Trainer` and
:func:`~aesthetics_lib.train.predict`:

- :func:`stage_maps` / :class:`StoredMaps`: a frozen backbone's stage 3 and 4 maps (packed into one
  tensor, stage 4 rearranged losslessly onto stage 3's grid), the saliency at stage 3's size and
  the targets, as a dataset (items are dicts, as everywhere);
- :class:`StoredStages` / :func:`on_maps`: the module that stands in for the backbone and unpacks
  the stored maps, and a copy of a model that reads them (same weights after the backbone);
- :func:`sgfm_effect` and :func:`mean_scores`: what a trained SGFM does over stored maps, and the
  mean scores of a model over them;
- :class:`SaliencyConcat`, :class:`SaliencyScale`: the two ways for the saliency to enter that
  :class:`~aesthetics_lib.models.convnext_sgfm.ConvNeXtSGFM` lacks (it has SGFM and none);
  :data:`SALIENCY_VARIANTS` names all four;
- :class:`Variant`, :func:`build_variant`, :func:`train_on_maps`, :func:`run_variant`,
  :class:`SeedRun`: one arm of an ablation, trained from scratch on the stored maps once per seed,
  every epoch's weights kept and the validation predictions of the epoch chosen on validation;
- :func:`seed_scores`, :func:`stack_seeds`, :func:`seed_srcc`, :func:`seed_mse`, :func:`seed_emd`,
  :func:`paired_over_seeds`, :func:`pooled_seed_sd`, :func:`seed_noise`, :func:`seed_aware_verdict`:
  the comparison of two arms, a paired bootstrap over the photos
  (:func:`aesthetics_lib.compare.paired_bootstrap`) of the metric averaged over the seeds, judged
  against the noise between seeds of the same arm; :func:`compare_seeds` does all of it for the
  predicted mean scores of two arms of shipped runs, per group of photos (:class:`SeedComparison`).

Introduced in notebooks/09_convnextv2_sgfm.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import rankdata
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

from aesthetics_lib import metrics
from aesthetics_lib.compare import PairedDifference, paired_bootstrap
from aesthetics_lib.inference import Predictions
from aesthetics_lib.models import create_model
from aesthetics_lib.models.heads import saliency_at
from aesthetics_lib.train import TrainConfig, Trainer, predict

#: The keys of every stored item besides ``image`` (the packed maps) and ``image_id``.
STORED_KEYS: tuple[str, ...] = ("saliency", "dist", "mean", "attributes", "attr_mask")


# --------------------------------------------------------------------------------------------
# the frozen-backbone stage cache
# --------------------------------------------------------------------------------------------


def pack_stages(m3: torch.Tensor, m4: torch.Tensor) -> torch.Tensor:
    """Stage 3 ``[B, C3, h, w]`` and stage 4 ``[B, C4, h/2, w/2]`` as one tensor ``[B, C3 + C4/4, h, w]``
    (stage 4 moved onto stage 3's grid by ``pixel_shuffle``, losslessly; :class:`StoredStages`
    undoes it). Introduced in notebooks/09_convnextv2_sgfm."""
    if m4.shape[1] % 4 or tuple(m4.shape[-2:]) != (m3.shape[-2] // 2, m3.shape[-1] // 2) or m3.shape[-2] % 2 or m3.shape[-1] % 2:
        raise ValueError(
            f"pack_stages: expected stage 4 at half stage 3's (even) size with channels divisible by 4, "
            f"found stage 3 {tuple(m3.shape)} and stage 4 {tuple(m4.shape)}"
        )
    return torch.cat([m3, F.pixel_shuffle(m4, 2)], dim=1)


def stage_maps(model: nn.Module, dataset: Dataset, batch_size: int = 8) -> dict[str, Any]:
    """Run ``model.backbone`` (its last two stages are the fused ones, e.g. :class:`~aesthetics_lib.models.heads.BackboneStages`)
    once over ``dataset``, in item order, without gradients.

    Returns ``{"image": [N, C3 + C4/4, h, w]`` (:func:`pack_stages`), ``"saliency": [N, 1, h, w]``
    (spectral residual at stage 3's size, :func:`~aesthetics_lib.models.heads.saliency_at`),
    ``"dist": [N, K]``, ``"mean": [N]``, ``"attributes": [N, A]``, ``"attr_mask": [N, A]``,
    ``"image_id"``: a list of N ids}, and ``"stage_stats": [N, D]`` for a model with pooled earlier
    stages (:class:`~aesthetics_lib.models.convnext_sgfm.StageStatistics`). Introduced in notebooks/09_convnextv2_sgfm.
    """
    out: dict[str, Any] = {"image_id": []}
    with torch.no_grad():
        for b in DataLoader(dataset, batch_size=batch_size, shuffle=False):
            *earlier, m3, m4 = model.backbone(b["image"])
            items = {"image": pack_stages(m3, m4), "saliency": saliency_at(b["image"], m3.shape[-2:])}
            if getattr(model, "stage_statistics", None) is not None:  # the pooled earlier stages' mean and SD
                items["stage_stats"] = model.stage_statistics.statistics(earlier)
            items.update({k: b[k] for k in STORED_KEYS if k != "saliency"})
            for k, v in items.items():
                out.setdefault(k, []).append(v)
            out["image_id"].extend(b["image_id"])
    return {k: v if k == "image_id" else torch.cat(v) for k, v in out.items()}


def _labelled(dataset: Any) -> Any:
    """The dataset that knows ``num_bins`` and ``threshold`` (a :class:`Subset`'s underlying one)."""
    while not hasattr(dataset, "num_bins") and isinstance(dataset, Subset):
        dataset = dataset.dataset
    return dataset


class StoredMaps(Dataset):
    """Stored maps (:func:`stage_maps`'s dict ``t``) as a dataset the trainer and ``predict`` read:
    item ``i`` is ``{k: t[k][i]}``; ``targets()`` ``[N, K]``, ``means()`` ``[N]``, ``num_bins`` and
    ``threshold`` as :class:`~aesthetics_lib.data.IAADataset`'s. Introduced in
    notebooks/09_convnextv2_sgfm."""

    def __init__(self, tensors: Mapping[str, Any], num_bins: int, threshold: float) -> None:
        self.t, self.num_bins, self.threshold = dict(tensors), num_bins, threshold

    @classmethod
    def compute(cls, model: nn.Module, dataset: Dataset, batch_size: int = 8) -> "StoredMaps":
        """:func:`stage_maps` of ``model`` over ``dataset`` (a dataset or a :class:`Subset` of one,
        whose ``num_bins`` and ``threshold`` are kept)."""
        labelled = _labelled(dataset)
        return cls(stage_maps(model, dataset, batch_size), labelled.num_bins, labelled.threshold)

    def with_saliency(self, saliency: torch.Tensor) -> "StoredMaps":
        """The same maps and targets with another saliency ``[N, 1, h, w]`` (e.g. a shuffled one)."""
        if saliency.shape != self.t["saliency"].shape:
            raise ValueError(f"with_saliency: expected {tuple(self.t['saliency'].shape)}, found {tuple(saliency.shape)}")
        return StoredMaps({**self.t, "saliency": saliency}, self.num_bins, self.threshold)

    def __len__(self) -> int:
        return len(self.t["mean"])

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {k: v[i] for k, v in self.t.items()}

    def targets(self) -> np.ndarray:
        """``[N, K]`` vote distributions."""
        return self.t["dist"].numpy()

    def means(self) -> np.ndarray:
        """``[N]`` mean scores."""
        return self.t["mean"].numpy()


class StoredStages(nn.Module):
    """Stands in for a two-stage backbone: ``packed [B, C3 + C4/4, h, w]`` -> ``(stage 3 [B, C3, h, w],
    stage 4 [B, C4, h/2, w/2])``, undoing :func:`pack_stages`. Introduced in
    notebooks/09_convnextv2_sgfm."""

    def __init__(self, c3: int) -> None:
        super().__init__()
        self.c3 = int(c3)

    def forward(self, packed: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return packed[:, : self.c3], F.pixel_unshuffle(packed[:, self.c3 :], 2)


def on_maps(model: nn.Module) -> nn.Module:
    """A copy of ``model`` (in eval mode) whose backbone is a :class:`StoredStages`: it reads stored
    maps (``StoredMaps`` items, ``saliency=`` and ``stage_stats=`` as extras) instead of photos, with the same weights
    after the backbone; ``model`` itself is untouched. Introduced in notebooks/09_convnextv2_sgfm."""
    head = copy.deepcopy(model).eval()
    if not isinstance(head.backbone, StoredStages):
        head.backbone = StoredStages(model.backbone.out_channels[-2])
    return head


def mean_scores(model: nn.Module, maps: StoredMaps, chunk: int = 128) -> np.ndarray:
    """``[N]`` predicted mean scores of ``model`` (one that reads stored maps, in the mode it is in)
    over every item of ``maps``, in chunks of ``chunk`` items, without gradients. Introduced in
    notebooks/09_convnextv2_sgfm."""
    images = maps.t["image"]
    extras = {k: maps.t[k] for k in ("saliency", "stage_stats") if k in maps.t}  # the model ignores what it does not use
    with torch.no_grad():
        return torch.cat([model(images[i : i + chunk], **{k: v[i : i + chunk] for k, v in extras.items()})["mean"]
                          for i in range(0, len(images), chunk)]).numpy()


@dataclass(frozen=True)
class SGFMEffect:
    """What a trained SGFM does over a set of stored maps (:func:`sgfm_effect`): the range of its
    scale ``1 + gamma`` over channels, positions and photos (``scale_low``, ``scale_high``), the range
    of the scale averaged over the channels (``channel_scale_low``, ``channel_scale_high``), the
    median over channels of each channel's SD over photos and positions (``channel_sd_median``) and
    the saliency-dependent share of SGFM's output (``saliency_share``)."""

    scale_low: float
    scale_high: float
    channel_scale_low: float
    channel_scale_high: float
    channel_sd_median: float
    saliency_share: float


def sgfm_effect(model: nn.Module, maps: StoredMaps, chunk: int = 190) -> SGFMEffect:
    """How much ``model``'s SGFM (``model.sgfm``, :class:`~aesthetics_lib.models.convnext_sgfm.SGFM`)
    depends on the saliency over ``maps`` (stored by :func:`stage_maps` from ``model``'s backbone).

    The saliency-dependent share is ``||x (g - g_c) + (b - b_c)|| / ||x (1 + g) + b||`` over all
    photos, channels and positions, with ``x`` the fused map, ``g``, ``b`` SGFM's gamma and beta and
    ``g_c``, ``b_c`` each channel's average of them: the part of the output a saliency-blind module
    with the average gamma and beta would not produce. It is an upper bound on the part that depends
    on the saliency: SGFM's 3 x 3 convolutions pad with zeros, so even a uniform saliency gives the
    border positions other gammas and betas than the inner ones. Giving each photo another photo's
    saliency measures the dependence itself. In float64, in chunks of ``chunk`` photos.
    Introduced in notebooks/09_convnextv2_sgfm.
    """
    head = on_maps(model)
    sgfm = head.sgfm
    if sgfm is None or not hasattr(sgfm, "gamma_conv"):
        raise ValueError(f"sgfm_effect: expected a model with an SGFM, found sgfm={type(sgfm).__name__}")
    s_all = maps.t["saliency"]
    parts = [slice(i, i + chunk) for i in range(0, len(s_all), chunk)]
    n_pos = s_all.shape[0] * s_all.shape[2] * s_all.shape[3]  # photos x positions
    g_sum = g_sq = b_sum = 0.0
    lows, highs, channel_mean = [], [], []
    with torch.no_grad():
        for sl in parts:
            g, b = torch.sigmoid(sgfm.gamma_conv(s_all[sl])).double(), sgfm.beta_conv(s_all[sl]).double()
            g_sum, g_sq, b_sum = g_sum + g.sum((0, 2, 3)), g_sq + (g**2).sum((0, 2, 3)), b_sum + b.sum((0, 2, 3))
            lows.append(g.min())
            highs.append(g.max())
            channel_mean.append(g.mean(1))
        g_bar, b_bar = (g_sum / n_pos)[None, :, None, None], (b_sum / n_pos)[None, :, None, None]
        channel_sd = (g_sq / n_pos - (g_sum / n_pos) ** 2).clamp_min(0).sqrt()  # each channel's SD over photos and positions
        dev2 = out2 = 0.0
        for sl in parts:
            g, b = torch.sigmoid(sgfm.gamma_conv(s_all[sl])).double(), sgfm.beta_conv(s_all[sl]).double()
            x = head.fused_map(maps.t["image"][sl]).double()
            dev2 += float(((x * (g - g_bar) + (b - b_bar)) ** 2).sum())
            out2 += float(((x * (1 + g) + b) ** 2).sum())
    channel_scale = 1 + torch.cat(channel_mean)
    return SGFMEffect(
        scale_low=float(1 + min(lows)), scale_high=float(1 + max(highs)),
        channel_scale_low=float(channel_scale.min()), channel_scale_high=float(channel_scale.max()),
        channel_sd_median=float(channel_sd.median()), saliency_share=(dev2 / out2) ** 0.5,
    )


# --------------------------------------------------------------------------------------------
# how the saliency enters
# --------------------------------------------------------------------------------------------


class SaliencyConcat(nn.Module):
    """The saliency as one more channel: ``x [B, C, h, w]``, ``s [B, 1, h, w]`` -> a 1 x 1 convolution
    of ``[x, s]`` back to ``[B, C, h, w]``, started as the identity on ``x`` (it starts as "no
    saliency" and learns what ``s`` should add). Introduced in notebooks/09_convnextv2_sgfm."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels + 1, channels, 1)
        with torch.no_grad():
            self.conv.weight.zero_()
            self.conv.bias.zero_()
            self.conv.weight[:, :channels, 0, 0] = torch.eye(channels)

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.cat([x, s.to(x.dtype)], dim=1))


class SaliencyScale(nn.Module):
    """``x * (1 + s)``: the saliency ``[B, 1, h, w]`` (in [0, 1]) scales every channel of ``x``
    ``[B, C, h, w]`` alike; nothing to learn (``channels`` is accepted for a uniform signature).
    Introduced in notebooks/09_convnextv2_sgfm."""

    def __init__(self, channels: int | None = None) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        return x * (1 + s.to(x.dtype))


# --------------------------------------------------------------------------------------------
# the runner
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One arm of an ablation: ``model_kwargs`` (switches of the model, e.g. ``{"norm": "bn"}``),
    ``config`` (changes of the training config, e.g. ``{"loss_rank": 0.0}``; not ``seed``) and
    ``saliency_module`` (a class ``cls(channels)`` with ``forward(x, s)`` that replaces
    ``model.sgfm``; None keeps the model's). Introduced in notebooks/09_convnextv2_sgfm."""

    model_kwargs: Mapping[str, Any] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    saliency_module: Callable[[int], nn.Module] | None = None


#: The four ways for the saliency to enter: not at all, concatenated, the fixed x(1+s), SGFM.
SALIENCY_VARIANTS: dict[str, Variant] = {
    "none": Variant(model_kwargs={"use_saliency": False}),
    "concat": Variant(saliency_module=SaliencyConcat),
    "scale": Variant(saliency_module=SaliencyScale),
    "sgfm": Variant(),
}


def build_variant(variant: Variant, backbone: str, dim: int, model: str = "convnextv2_sgfm") -> nn.Module:
    """``create_model(model, dim=dim, backbone=backbone, **variant.model_kwargs)`` (random weights),
    its ``sgfm`` replaced by ``variant.saliency_module(dim)`` when given, and its backbone by a
    :class:`StoredStages`: a model that reads maps stored from ``backbone``. Draws from torch's global
    generator (seed it first). Introduced in notebooks/09_convnextv2_sgfm."""
    net = create_model(model, dim=dim, backbone=backbone, **dict(variant.model_kwargs))
    if variant.saliency_module is not None:
        net.sgfm = variant.saliency_module(dim)
    net.backbone = StoredStages(net.backbone.out_channels[-2])
    return net


@dataclass
class SeedRun:
    """One variant trained with one ``seed``: its ``trainer`` (``history``, ``best``, ``model``),
    ``snapshots`` (the model's ``state_dict`` after every epoch, in order) and ``val`` (the
    :class:`~aesthetics_lib.inference.Predictions` of the epoch chosen on validation for the
    validation maps). Introduced in notebooks/09_convnextv2_sgfm."""

    seed: int
    trainer: Trainer
    snapshots: list[dict[str, torch.Tensor]]
    val: Predictions

    @property
    def val_curve(self) -> list[float]:
        """Validation SRCC after every epoch."""
        return [r["val_srcc"] for r in self.trainer.history]

    @property
    def best_epoch(self) -> int:
        """The epoch chosen on validation (1-based)."""
        return self.trainer.best["epoch"]

    def model_at(self, epoch: int) -> nn.Module:
        """A copy of the model with the weights after ``epoch`` (1-based), in eval mode."""
        if not 1 <= epoch <= len(self.snapshots):
            raise ValueError(f"model_at: expected an epoch in 1..{len(self.snapshots)}, found {epoch}")
        model = copy.deepcopy(self.trainer.model).eval()
        model.load_state_dict(self.snapshots[epoch - 1])
        return model


def train_on_maps(
    config: TrainConfig,
    variant: Variant,
    train_maps: StoredMaps,
    val_maps: StoredMaps,
    *,
    dim: int,
    backbone: str | None = None,
) -> SeedRun:
    """Train ``variant`` (:func:`build_variant`, after ``torch.manual_seed(config.seed)``) with the
    library's :class:`~aesthetics_lib.train.Trainer` and ``config`` (with ``variant.config``
    applied) on ``train_maps``, one epoch at a time, choosing the epoch on ``val_maps``.
    ``backbone`` (default ``config.model_kwargs["backbone"]``) must be the one the maps were stored
    from. Returns the :class:`SeedRun`. Introduced in notebooks/09_convnextv2_sgfm."""
    if "seed" in variant.config:
        raise ValueError("train_on_maps: a variant does not set the seed (the runner does)")
    c = config.replace(**dict(variant.config))
    torch.manual_seed(c.seed)
    net = build_variant(variant, backbone or c.model_kwargs["backbone"], dim, c.model)
    trainer = Trainer(c, model=net, datasets=(train_maps, val_maps))
    snapshots = []
    for _ in range(c.epochs):
        trainer.fit(epochs=1)
        snapshots.append(copy.deepcopy(trainer.model.state_dict()))
    return SeedRun(c.seed, trainer, snapshots, predict(trainer.best_model(), val_maps))


def run_variant(
    config: TrainConfig,
    variant: Variant,
    train_maps: StoredMaps,
    val_maps: StoredMaps,
    *,
    seeds: Sequence[int],
    dim: int,
    backbone: str | None = None,
) -> list[SeedRun]:
    """:func:`train_on_maps` once per seed of ``seeds`` (``config.replace(seed=seed)``), in order:
    one :class:`SeedRun` per seed. Introduced in notebooks/09_convnextv2_sgfm."""
    return [train_on_maps(config.replace(seed=int(s)), variant, train_maps, val_maps, dim=dim, backbone=backbone)
            for s in seeds]


# --------------------------------------------------------------------------------------------
# seed-aware comparison
# --------------------------------------------------------------------------------------------


def seed_scores(runs: Sequence[SeedRun], metric: Callable[[Any, Any], float], target: Any, key: str = "mean") -> list[float]:
    """``metric(run.val[key], target)`` for each run (each seed) of ``runs``. Introduced in
    notebooks/09_convnextv2_sgfm."""
    return [metric(r.val[key], target) for r in runs]


def stack_seeds(runs: Sequence[SeedRun], key: str) -> np.ndarray:
    """The validation predictions ``key`` of every seed side by side, float64: ``[N, seeds]`` for
    ``"mean"``, ``[N, seeds, K]`` for ``"dist"``. Introduced in notebooks/09_convnextv2_sgfm."""
    return np.stack([r.val[key] for r in runs], axis=1).astype(np.float64)


@metrics.averages_columns(metrics.srcc)
def seed_srcc(p: np.ndarray, t: np.ndarray) -> float:
    """SRCC of each column of ``p`` ``[N, seeds]`` with ``t`` ``[N]``, averaged over the seeds (SRCC
    is the Pearson correlation of the ranks; all seeds at once). Equals the mean of
    :func:`aesthetics_lib.metrics.srcc` over the columns. Introduced in notebooks/09_convnextv2_sgfm."""
    rp, rt = rankdata(p, axis=0), rankdata(t)
    rp, rt = rp - rp.mean(0), rt - rt.mean()
    return float(np.mean((rp * rt[:, None]).sum(0) / np.sqrt((rp**2).sum(0) * (rt**2).sum())))


@metrics.averages_columns(metrics.mse)
def seed_mse(p: np.ndarray, t: np.ndarray) -> float:
    """MSE of each column of ``p`` ``[N, seeds]`` with ``t`` ``[N]``, averaged over the seeds: the
    mean of :func:`aesthetics_lib.metrics.mse` over the columns. Introduced in
    notebooks/06_aspect_ratio."""
    p = np.asarray(p, dtype=float)
    return float(np.mean([metrics.mse(p[:, i], t) for i in range(p.shape[1])]))


@metrics.averages_columns(metrics.emd)
def seed_emd(p: np.ndarray, t: np.ndarray) -> float:
    """EMD (r = 2, as :func:`aesthetics_lib.metrics.emd`) of each seed's distributions ``p``
    ``[N, seeds, K]`` with ``t`` ``[N, K]``, averaged over the photos and the seeds (all seeds at
    once). Introduced in notebooks/09_convnextv2_sgfm."""
    gap = np.cumsum(p / p.sum(-1, keepdims=True), -1) - np.cumsum(t / t.sum(-1, keepdims=True), -1)[:, None]
    return float(np.sqrt((gap**2).mean(-1)).mean())


#: The seed-averaged metrics :func:`paired_over_seeds` knows, with the prediction each one reads.
SEED_METRICS: dict[str, tuple[Callable[[np.ndarray, np.ndarray], float], str]] = {
    "srcc": (seed_srcc, "mean"),
    "mse": (seed_mse, "mean"),
    "emd": (seed_emd, "dist"),
}


def paired_over_seeds(
    runs_a: Sequence[SeedRun],
    runs_b: Sequence[SeedRun],
    target: Any,
    metric: str = "srcc",
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> PairedDifference:
    """``metric`` of arm b minus arm a, each averaged over its seeds (:data:`SEED_METRICS`: ``"srcc"``
    or ``"mse"`` with ``target`` the ``[N]`` mean scores, ``"emd"`` with the ``[N, K]`` distributions), with a
    paired bootstrap interval over the N validation photos (:func:`~aesthetics_lib.compare.paired_bootstrap`:
    both arms, all seeds, scored on the same resamples). Introduced in notebooks/09_convnextv2_sgfm."""
    if metric not in SEED_METRICS:
        raise ValueError(f"paired_over_seeds: expected metric in {tuple(SEED_METRICS)}, found {metric!r}")
    fn, key = SEED_METRICS[metric]
    return paired_bootstrap(fn, stack_seeds(runs_a, key), stack_seeds(runs_b, key), target,
                            n_boot=n_boot, alpha=alpha, seed=seed)


def pooled_seed_sd(scores: Mapping[str, Sequence[float]] | Iterable[Sequence[float]]) -> float:
    """The SD of one run's score between seeds, pooled over arms: the square root of the mean of the
    arms' sample variances (``ddof=1``). ``scores``: per arm, one score per seed. Introduced in
    notebooks/09_convnextv2_sgfm."""
    groups = list(scores.values()) if isinstance(scores, Mapping) else list(scores)
    if not groups or any(len(v) < 2 for v in groups):
        raise ValueError("pooled_seed_sd: expected at least one arm, each with two or more seeds")
    return float(np.sqrt(np.mean([np.var(v, ddof=1) for v in groups])))


def seed_noise(seed_sd: float, n_seeds: int) -> float:
    """Twice the SD of a difference of two ``n_seeds``-seed means from seed luck alone:
    ``2 * seed_sd * sqrt(2 / n_seeds)``. Introduced in notebooks/09_convnextv2_sgfm."""
    return float(2 * seed_sd * np.sqrt(2 / n_seeds))


def seed_aware_verdict(d: PairedDifference, noise: float, higher: str = "better") -> str:
    """``"better"`` or ``"worse"`` when the paired interval of ``d`` excludes 0 **and** the difference
    exceeds ``noise`` (:func:`seed_noise`), else ``"no clear difference"``. ``higher``: what a
    positive difference means (``"better"`` for SRCC, ``"worse"`` for EMD). Introduced in
    notebooks/09_convnextv2_sgfm."""
    if higher not in ("better", "worse"):
        raise ValueError(f"seed_aware_verdict: expected higher in ('better', 'worse'), found {higher!r}")
    if d.verdict != "no clear difference" and abs(d.difference) > noise:
        return higher if d.difference > 0 else {"better": "worse", "worse": "better"}[higher]
    return "no clear difference"


@dataclass
class SeedComparison:
    """One row of :func:`compare_seeds`: the photos (``group``), the ``metric`` (``"srcc"`` or
    ``"mse"``), each seed's score of arm a (``a``) and of arm b (``b``), how much better b is on the
    seed averages (``d``, a :class:`~aesthetics_lib.compare.PairedDifference`; > 0: b better), the
    seed noise (:func:`seed_noise`) and the seed-aware ``verdict`` on b (:func:`seed_aware_verdict`)."""

    group: str
    metric: str
    a: list[float]
    b: list[float]
    d: PairedDifference
    noise: float
    verdict: str


#: The metrics :func:`compare_seeds` knows: name -> (one seed's metric, the seed-averaged metric,
#: whether higher is better).
COMPARE_METRICS: dict[str, tuple[Callable[[Any, Any], float], Callable[[np.ndarray, np.ndarray], float], bool]] = {
    "srcc": (metrics.srcc, seed_srcc, True),
    "mse": (metrics.mse, seed_mse, False),
}


def compare_seeds(
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    target: Any,
    groups: Mapping[str, Any] | None = None,
    n_boot: int = 1000,
    scores: Sequence[str] = ("srcc", "mse"),
) -> list[SeedComparison]:
    """Two arms of several seeds each, given as predicted mean scores ``[N, seeds]`` of the same N
    photos, compared on ``scores`` (:data:`COMPARE_METRICS`: SRCC and MSE) with ``target`` ``[N]``
    within each group of photos (``groups``: name -> boolean mask over the N; default ``{"all": every
    photo}``): each seed's score, b's lead on the seed averages (SRCC(b) - SRCC(a) and MSE(a) -
    MSE(b), so > 0 means b is better on both) with a paired bootstrap interval over the photos, the
    seed noise of the two arms and the seed-aware verdict. One row per group and metric, in that
    order. Introduced in notebooks/06_aspect_ratio."""
    pred_a, pred_b = np.asarray(pred_a, dtype=float), np.asarray(pred_b, dtype=float)
    target = np.asarray(target, dtype=float)
    if pred_a.ndim != 2 or pred_a.shape != pred_b.shape or len(target) != len(pred_a):
        raise ValueError(f"compare_seeds: expected two [N, seeds] arrays of one shape and N targets, found "
                         f"{pred_a.shape}, {pred_b.shape} and {target.shape}")
    unknown = [name for name in scores if name not in COMPARE_METRICS]
    if unknown:
        raise ValueError(f"compare_seeds: expected scores among {tuple(COMPARE_METRICS)}, found {unknown}")
    rows = []
    for group, mask in (groups or {"all": np.ones(len(target), bool)}).items():
        m = np.asarray(mask, dtype=bool)
        t = target[m]
        for metric in scores:
            one, averaged, higher_better = COMPARE_METRICS[metric]
            per_seed = [[float(one(p[m, i], t)) for i in range(p.shape[1])] for p in (pred_a, pred_b)]
            first, second = (pred_a, pred_b) if higher_better else (pred_b, pred_a)  # paired_bootstrap: second - first
            d = paired_bootstrap(averaged, first[m], second[m], t, n_boot=n_boot)
            noise = seed_noise(pooled_seed_sd(per_seed), pred_a.shape[1])
            rows.append(SeedComparison(group, metric, per_seed[0], per_seed[1], d, noise, seed_aware_verdict(d, noise)))
    return rows

"""From a :class:`~aesthetics_lib.training.config.TrainConfig` to the objects a run needs.

Data (:func:`resolve_data`, :func:`build_datasets`, :func:`eval_transform_for`), the model
(:func:`build_model`), the loss (:func:`build_loss`), the optimiser with its two learning rates
(:func:`param_groups`, :func:`build_optimizer`) and the device (:func:`resolve_device`). The
checkpoint loader and the ``evaluate``/``score`` commands use the same functions, so a checkpoint is
rebuilt exactly as it was trained.

**Backbone rule.** A parameter belongs to the *backbone* group (learning rate ``lr_backbone``) when
the first component of its qualified name starts with ``backbone`` (``backbone.stages.0...``,
``backbone_local.conv1...``); every other parameter is the *head* (``lr_head``). Biases and
normalisation weights (1-d tensors) get no weight decay.

Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Sequence

import torch
from torch import nn

from aesthetics_lib.data.schema import ATTRIBUTES
from aesthetics_lib.spec import InputSpec, ModelSpec
from aesthetics_lib.training.config import TrainConfig
from aesthetics_lib.training.predict import unwrap

if TYPE_CHECKING:
    from aesthetics_lib.data.registry import DataSpec



def resolve_device(name: str = "auto", local_rank: int | None = None) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; ``cuda`` without a GPU is an error."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("device: 'cuda' was asked for, but torch finds no CUDA GPU (use 'auto' or 'cpu')")
        return torch.device("cuda", local_rank or 0)
    if name == "cpu":
        return torch.device("cpu")
    raise ValueError(f"device: expected auto, cpu or cuda, found {name!r}")


def data_layout(config: TrainConfig) -> str:
    """``"cadb"`` or ``"ava"``: the on-disk layout the config's data spec names."""
    from aesthetics_lib.data.registry import parse_data_spec

    return parse_data_spec(config.data).layout


def with_data_root(spec: str, root: str | os.PathLike) -> str:
    """The data spec with its folder replaced: ``("cadb:/old", "/new") -> "cadb:/new"``; for a
    studio spec the folder is where the studio is rendered (``"studio-cadb:/new"``)."""
    from aesthetics_lib.data.registry import parse_data_spec

    parsed = parse_data_spec(spec)
    head = f"studio-{parsed.layout}" if parsed.studio else parsed.layout
    return f"{head}:{os.fspath(root)}"


def resolve_data(config: TrainConfig) -> "DataSpec":
    """The config's data as a :class:`~aesthetics_lib.data.registry.DataSpec` whose ``root`` is a
    dataset folder. A studio spec (``studio``, ``studio-ava``, ``studio-cadb:/dir``) renders the
    studio on first use, with the config's ``studio_n``, ``studio_seed`` and ``studio_long_side``.
    The spec string is parsed here, once; everything downstream takes the typed spec."""
    from aesthetics_lib.data.registry import resolve

    return resolve(config.data, n=config.studio_n, seed=config.studio_seed, long_side=config.studio_long_side)


def model_view(config: TrainConfig, model: nn.Module | None = None) -> str:
    """The input view: the config's ``view`` if set, else ``model``'s own ``view``, else the view the
    model class declares for the config's keyword arguments (``view_for``: e.g. ``dcnn`` with
    ``columns=2`` reads the ``double`` view). No model is built."""
    if config.view:
        return config.view
    if model is not None:
        return str(getattr(model, "view", "warp"))
    from aesthetics_lib.models import model_class

    cls = model_class(config.model)
    view_for = getattr(cls, "view_for", None)
    return str(view_for(**config.model_kwargs) if view_for is not None else getattr(cls, "view", "warp"))


def input_spec(config: TrainConfig, view: str | None = None) -> InputSpec:
    """The :class:`~aesthetics_lib.spec.InputSpec` of ``config``: view, size, local size, patches."""
    return InputSpec(view=view or model_view(config), size=config.size, local_size=config.local_size,
                     patches=config.patches)


def model_spec(config: TrainConfig, model: nn.Module, threshold: float) -> ModelSpec | None:
    """The :class:`~aesthetics_lib.spec.ModelSpec` a checkpoint of ``model`` trained with ``config``
    stores; None for a custom model not made by ``create_model`` (nothing could rebuild it)."""
    plain = unwrap(model)
    if not getattr(plain, "create_args", None):
        return None
    return ModelSpec.from_model(plain, input_spec(config, model_view(config, plain)), threshold)


def augmentation_kwargs(config: TrainConfig) -> dict[str, Any]:
    """The training transform's augmentation keywords (``augment``, ``color_jitter``)."""
    kw: dict[str, Any] = {}
    if not config.augment:
        kw["augment"] = False
    if config.color_jitter is not None:
        kw["color_jitter"] = config.color_jitter
    return kw


def eval_transform_for(config: TrainConfig, view: str | None = None):
    """The evaluation transform a model trained with ``config`` expects (``PIL.Image -> Tensor | dict``).

    Used to score new images with a checkpoint. Introduced in notebooks/05_dcnn."""
    return input_spec(config, view).transform(train=False)


def train_transform_for(config: TrainConfig, view: str | None = None):
    """The training transform (random augmentation) for ``config``."""
    return input_spec(config, view).transform(train=True, **augmentation_kwargs(config))


def build_datasets(
    config: TrainConfig,
    view: str | None = None,
    splits: Sequence[str] = ("train", "val", "test"),
) -> tuple[Any, Any, Any]:
    """``(train, val, test)`` datasets for ``config`` (None for a split not in ``splits``).

    ``train`` gets the training transform, ``val`` and ``test`` the evaluation transform; ``val`` is
    ``val_fraction`` of the training split, chosen deterministically from ``seed``. With
    ``config.cache`` the decoded images are kept in memory (or under ``cache_dir``).
    Introduced in notebooks/05_dcnn."""
    from aesthetics_lib.data.registry import open_dataset

    spec = resolve_data(config)
    view = view or model_view(config)
    out = []
    for split in ("train", "val", "test"):
        if split not in splits:
            out.append(None)
            continue
        tf = train_transform_for(config, view) if split == "train" else eval_transform_for(config, view)
        ds = open_dataset(spec, split, tf, val_fraction=config.val_fraction, seed=config.seed)
        if config.cache:
            ds.enable_cache(max_side=cache_side(config), path=config.cache_dir)
        out.append(ds)
    return tuple(out)  # type: ignore[return-value]


def cache_side(config: TrainConfig) -> int:
    """Longer side of the decoded-image cache: ``cache_max_side``, else twice the largest input side
    (enough for a square warp of a 2:1 image without upsampling)."""
    if config.cache_max_side:
        return int(config.cache_max_side)
    return 2 * max(config.size, config.local_size or 0)


def default_attribute_names(config: TrainConfig) -> tuple[str, ...] | None:
    """Attributes to predict: none on AVA (it has no attribute labels), the model's default else."""
    return () if data_layout(config) == "ava" else None


def num_bins_for(config: TrainConfig) -> int:
    """Score bins of the config's layout: 5 (CADB) or 10 (AVA)."""
    from aesthetics_lib.data.schema import AVA_BINS, CADB_BINS

    return AVA_BINS if data_layout(config) == "ava" else CADB_BINS


def build_model(
    config: TrainConfig,
    num_bins: int | None = None,
    attribute_names: Sequence[str] | None = None,
) -> nn.Module:
    """``create_model(config.model, num_bins, attribute_names, **config.model_kwargs)``.

    ``num_bins`` defaults to the layout's (5 CADB, 10 AVA); ``attribute_names`` to none on AVA and
    the model's default otherwise (``model_kwargs`` may set either). Introduced in notebooks/05_dcnn."""
    from aesthetics_lib.models import create_model

    kwargs = dict(config.model_kwargs)
    kwargs.setdefault("num_bins", num_bins if num_bins is not None else num_bins_for(config))
    names = attribute_names if attribute_names is not None else default_attribute_names(config)
    if names is not None:
        kwargs.setdefault("attribute_names", tuple(names))
    return create_model(config.model, **kwargs)


def build_loss(config: TrainConfig, model: nn.Module, threshold: float | None = None) -> nn.Module:
    """The :class:`~aesthetics_lib.losses.AestheticLoss` of ``config`` for ``model``'s attributes
    (``threshold``: the data's good/bad cut, which a binary head's loss needs)."""
    from aesthetics_lib.losses import AestheticLoss

    names = tuple(getattr(model, "attribute_names", ()) or ())
    return AestheticLoss(
        emd=config.loss_emd,
        rank=config.loss_rank,
        attributes=config.loss_attributes if names else 0.0,
        r=config.emd_r,
        margin=config.rank_margin,
        attribute_names=names or ATTRIBUTES,
        patch_mode=config.patch_mode,
        k=config.patch_k,
        beta=config.patch_beta,
        threshold=threshold,
    )


def is_backbone(name: str) -> bool:
    """Whether parameter ``name`` is in the backbone group: its first name component starts with
    ``backbone`` (see the module docstring)."""
    return name.split(".", 1)[0].startswith("backbone")


def param_groups(model: nn.Module, config: TrainConfig) -> list[dict[str, Any]]:
    """Up to four optimiser groups: backbone/head x decay/no-decay (1-d tensors get no weight decay).
    Each group carries a ``name`` (``backbone``, ``backbone_no_decay``, ``head``, ``head_no_decay``);
    empty groups and frozen parameters (``requires_grad=False``) are left out."""
    groups: dict[str, list[nn.Parameter]] = {"backbone": [], "backbone_no_decay": [], "head": [], "head_no_decay": []}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        part = "backbone" if is_backbone(name) else "head"
        if p.ndim <= 1:
            part += "_no_decay"
        groups[part].append(p)
    out = []
    for gname, params in groups.items():
        if not params:
            continue
        lr = config.lr_backbone if gname.startswith("backbone") else config.lr_head
        wd = 0.0 if gname.endswith("no_decay") else config.weight_decay
        out.append({"params": params, "lr": lr, "weight_decay": wd, "name": gname})
    if not out:
        raise ValueError("build_optimizer: the model has no trainable parameters")
    return out


def build_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW (or Adam, SGD with momentum 0.9) over :func:`param_groups`."""
    groups = param_groups(model, config)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=config.lr_head, weight_decay=config.weight_decay)
    if config.optimizer == "adam":
        # Adam's weight decay is L2 added to the gradient (SAMP-Net's setting), unlike AdamW's
        return torch.optim.Adam(groups, lr=config.lr_head, weight_decay=config.weight_decay)
    return torch.optim.SGD(groups, lr=config.lr_head, momentum=0.9, weight_decay=config.weight_decay)

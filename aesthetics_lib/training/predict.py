"""Running a model over a dataset: batches to the device, the model's dict out, NumPy arrays back.

:func:`predict` is what validation, ``evaluate``, ``score`` and the notebooks use to get a
model's predictions for every item of a dataset (or a ``DataLoader``), in item order.

Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterable, Mapping

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def unwrap(model: nn.Module) -> nn.Module:
    """The plain module inside ``torch.compile``, ``DistributedDataParallel`` and ``AveragedModel``
    wrappers (the one that carries ``view``, ``extra_inputs`` and ``attribute_names``)."""
    seen = 0
    while seen < 8:
        seen += 1
        if hasattr(model, "_orig_mod"):
            model = model._orig_mod
        elif isinstance(model, (nn.parallel.DistributedDataParallel, nn.DataParallel)):
            model = model.module
        elif isinstance(model, torch.optim.swa_utils.AveragedModel):
            model = model.module
        else:
            break
    return model


def autocast(device: torch.device, amp: str) -> contextlib.AbstractContextManager:
    """``torch.autocast`` for ``amp`` in ``none`` | ``bf16`` | ``fp16`` (a no-op for ``none``)."""
    if amp == "none":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=AMP_DTYPES[amp])


def model_inputs(
    model: nn.Module, batch: Mapping[str, Any], device: torch.device, channels_last: bool = False
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``(images, extras)`` on ``device``: ``batch["image"]`` and the keys the model lists in its
    ``extra_inputs`` (those present in the batch)."""
    images = batch["image"].to(device, non_blocking=True)
    if channels_last and images.ndim == 4:
        images = images.contiguous(memory_format=torch.channels_last)
    extras = {}
    for key in getattr(unwrap(model), "extra_inputs", ()):
        if key in batch:
            value = batch[key]
            if isinstance(value, torch.Tensor):
                value = value.to(device, non_blocking=True)
                if channels_last and value.ndim == 4 and value.shape[1] == 3:
                    value = value.contiguous(memory_format=torch.channels_last)
            extras[key] = value
    return images, extras


def batch_to(batch: Mapping[str, Any], device: torch.device) -> dict[str, Any]:
    """The batch with every tensor moved to ``device`` (strings and lists left as they are)."""
    return {k: v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (CPU for a model without parameters)."""
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def eval_loader(dataset: Dataset, batch_size: int = 32, num_workers: int = 0, pin_memory: bool = False) -> DataLoader:
    """An evaluation loader in item order; for a ``native``-view dataset (images of several shapes)
    the batches are grouped by aspect bucket (:class:`~aesthetics_lib.data.transforms.AspectBucketSampler`)."""
    from aesthetics_lib.data.transforms import NativeView

    tf = getattr(dataset, "transform", None)
    if isinstance(tf, NativeView) and tf.buckets is not None and hasattr(dataset, "sizes"):
        from aesthetics_lib.data.transforms import AspectBucketSampler

        sampler = AspectBucketSampler(dataset, batch_size, shuffle=False, buckets=tf.buckets)
        return DataLoader(dataset, batch_sampler=sampler, num_workers=num_workers, pin_memory=pin_memory)
    if isinstance(tf, NativeView):
        batch_size = 1  # exact aspect ratios do not stack
    return DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers, pin_memory=pin_memory)


def make_loader(data: Dataset | DataLoader | Iterable, batch_size: int = 32, num_workers: int = 0) -> Iterable:
    """``data`` itself if it is a ``DataLoader`` (or any iterable of batches), else :func:`eval_loader`."""
    if isinstance(data, Dataset):
        return eval_loader(data, batch_size, num_workers)
    return data


@torch.no_grad()
def predict(
    model: nn.Module,
    data: Dataset | DataLoader,
    device: str | torch.device | None = None,
    batch_size: int = 32,
    num_workers: int = 0,
    amp: str = "none",
    channels_last: bool = False,
    progress: bool = False,
) -> dict[str, np.ndarray]:
    """Predictions of ``model`` for every item of ``data`` (a dataset or a loader), in item order
    (for a ``native``-view dataset grouped by aspect bucket instead: ``image_id`` says which is which).

    Returns NumPy arrays: ``dist`` ``[N, K]``, ``mean`` ``[N]``, ``std`` ``[N]``, ``attributes``
    ``[N, A]`` (only if the model has an attribute head), ``image_id`` ``[N]`` (str), and the
    targets ``target_dist`` ``[N, K]``, ``target_mean`` ``[N]`` (when the items carry them). The
    model is put in eval mode and restored to its previous mode afterwards; ``device`` defaults to
    the model's. Introduced in notebooks/05_dcnn.
    """
    dev = torch.device(device) if device is not None else model_device(model)
    was_training = model.training
    model.eval()
    loader = make_loader(data, batch_size, num_workers)
    if progress:
        from tqdm.auto import tqdm

        loader = tqdm(loader, desc="predict", leave=False)
    chunks: dict[str, list] = {}
    try:
        for batch in loader:
            images, extras = model_inputs(model, batch, dev, channels_last)
            with autocast(dev, amp):
                out = model(images, **extras)
            for key in ("dist", "mean", "attributes"):
                if key in out and out[key] is not None:
                    chunks.setdefault(key, []).append(out[key].detach().float().cpu().numpy())
            for key, name in (("dist", "target_dist"), ("mean", "target_mean")):
                if key in batch:
                    chunks.setdefault(name, []).append(torch.as_tensor(batch[key]).float().cpu().numpy())
            if "image_id" in batch:
                chunks.setdefault("image_id", []).append(np.asarray(list(batch["image_id"]), dtype=str))
    finally:
        model.train(was_training)
    result = {k: np.concatenate(v) for k, v in chunks.items()}
    if "dist" in result:
        p = result["dist"].astype(np.float64)
        bins = np.arange(1, p.shape[1] + 1)
        mu = (p * bins).sum(1) / p.sum(1)
        result.setdefault("mean", mu.astype(np.float32))
        result["std"] = np.sqrt((p * (bins[None] - mu[:, None]) ** 2).sum(1) / p.sum(1)).astype(np.float32)
    if "mean" in result:
        result["mean"] = result["mean"].reshape(-1)
    if "target_mean" in result:
        result["target_mean"] = result["target_mean"].reshape(-1)
    return result

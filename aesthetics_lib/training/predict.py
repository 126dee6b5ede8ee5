"""The training package's view of inference: the batch helpers and :func:`predict` (a shortcut to
:class:`aesthetics_lib.inference.Predictor`, which holds the one inference loop). The helpers live in
:mod:`aesthetics_lib.inference` and are re-exported here.

Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

from typing import Iterable

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from aesthetics_lib.inference import (  # noqa: F401  (re-exported)
    AMP_DTYPES,
    autocast,
    batch_to,
    eval_loader,
    model_device,
    model_inputs,
    unwrap,
)


def predict(
    model: nn.Module,
    data: Dataset | DataLoader | Iterable,
    device: str | torch.device | None = None,
    batch_size: int = 32,
    num_workers: int = 0,
    amp: str = "none",
    channels_last: bool = False,
    progress: bool = False,
    keep: tuple[str, ...] = (),
):
    """Predictions of ``model`` for every item of ``data`` (a dataset, in item order, or a loader):
    ``Predictor(model, ...).predict(data)`` (:class:`aesthetics_lib.inference.Predictor`, the one
    inference loop). Returns :class:`~aesthetics_lib.inference.Predictions` (``dist`` ``[N, K]``,
    ``mean``, ``std``, ``attributes``, ``image_id``, ``target_dist``, ``target_mean``; also readable
    as a mapping). ``device`` defaults to the model's. Introduced in notebooks/05_dcnn.
    """
    from aesthetics_lib.inference import Predictor

    predictor = Predictor(model, None, device, batch_size=batch_size, amp=amp, channels_last=channels_last,
                          num_workers=num_workers)
    return predictor.predict(data, keep=keep, progress=progress)

"""What an epoch of training draws on: seeds, the learning-rate multiplier and the loss's sums.

Seeds: :func:`seed_everything`, :func:`set_deterministic`, :func:`epoch_seed` (a function of
``(seed, epoch, rank)`` only, which makes a resumed run exact) and :func:`seed_worker` (DataLoader
workers). :func:`lr_lambda`: linear warm-up, then a cosine decay or a constant. :class:`EpochSums`
keeps an epoch's loss and its parts on the device, so that the loop waits for the device only every
:data:`SYNC_EVERY` steps and once per epoch; :func:`progress_enabled` says whether the progress bar
is shown.

Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

import math
import os
import random
from typing import Callable

import numpy as np
import torch

from aesthetics_lib.training.config import TrainConfig
from aesthetics_lib.training.distributed import DistInfo

#: Steps between the progress bar's readings of the running loss and between divergence checks
#: (each one waits for the device).
SYNC_EVERY = 50


# ------------------------------------------------------------------------------------ seeds


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def set_deterministic(on: bool = True) -> None:
    """Deterministic kernels (``torch.use_deterministic_algorithms``, cuDNN without benchmarking)."""
    if on:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    # the first call imports torch._inductor (seconds): skip it when the flags are already so
    if torch.are_deterministic_algorithms_enabled() != on or (on and not torch.is_deterministic_algorithms_warn_only_enabled()):
        torch.use_deterministic_algorithms(on, warn_only=True)
    torch.backends.cudnn.benchmark = not on
    torch.backends.cudnn.deterministic = on


def epoch_seed(seed: int, epoch: int, rank: int = 0) -> int:
    """The seed of one epoch's DataLoader workers: a function of ``(seed, epoch, rank)`` only."""
    return (int(seed) * 1_000_003 + int(epoch) * 10_007 + int(rank)) % (2**63 - 1)


def seed_worker(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: seed ``random`` and NumPy from the worker's torch seed."""
    s = torch.initial_seed() % 2**32
    random.seed(s)
    np.random.seed(s)


def progress_enabled(config: TrainConfig, dist_info: DistInfo) -> bool:
    """A progress bar only on rank 0, when asked for, and never when the variable ``CI`` is set."""
    return bool(config.progress) and dist_info.is_main and not os.environ.get("CI")


# ------------------------------------------------------------------------------------ schedules


def lr_lambda(schedule: str, warmup_steps: int, total_steps: int) -> Callable[[int], float]:
    """Multiplier of the base learning rates at optimiser step ``s``: linear warm-up over
    ``warmup_steps``, then cosine decay to 0 at ``total_steps`` (``cosine``) or constant."""

    def factor(step: int) -> float:
        if warmup_steps > 0 and step < warmup_steps:
            return (step + 1) / warmup_steps
        if schedule != "cosine":
            return 1.0
        span = max(1, total_steps - warmup_steps)
        t = min(1.0, (step - warmup_steps) / span)
        return 0.5 * (1.0 + math.cos(math.pi * t))

    return factor


# ------------------------------------------------------------------------------------ epoch sums


class EpochSums:
    """One epoch's training loss and loss parts, summed on the device: nothing waits for it per step.

    :meth:`add` takes a step's detached loss, its parts (0-d tensors, as
    :class:`~aesthetics_lib.losses.AestheticLoss` returns them) and the batch size. Sums are
    per image in float64; a part's non-finite values are left out of its sum (a term the model cannot
    compute is NaN) and a part never finite is left out of :meth:`means`. With ``watch`` the first
    non-finite loss is remembered (step and value) for :meth:`first_nonfinite`.
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.keys: list[str] = []  # the parts, in the loss's order ("total" is the loss itself)
        self.parts = torch.zeros(0, dtype=torch.float64, device=device)
        self.finite = torch.zeros(0, dtype=torch.float64, device=device)  # finite values per part
        self.loss = torch.zeros((), dtype=torch.float64, device=device)
        self.n = 0
        self.bad_step = torch.full((), -1.0, dtype=torch.float64, device=device)
        self.bad_value = torch.zeros((), dtype=torch.float64, device=device)

    def add(self, loss: torch.Tensor, parts: dict[str, torch.Tensor], n: int, step: int, watch: bool = True) -> None:
        """Add one step of ``n`` images (all tensor operations, queued on the device)."""
        new = [k for k in parts if k != "total" and k not in self.keys]
        if new:
            self.keys += new
            pad = torch.zeros(len(new), dtype=torch.float64, device=self.device)
            self.parts, self.finite = torch.cat([self.parts, pad]), torch.cat([self.finite, pad])
        loss = loss.detach().to(torch.float64)
        if self.keys:
            nan = loss.new_full((), math.nan)
            values = torch.stack([parts[k].detach().to(torch.float64) if k in parts else nan for k in self.keys])
            ok = torch.isfinite(values)
            self.parts += torch.where(ok, values * n, 0.0)
            self.finite += ok
        self.loss += loss * n
        self.n += n
        if watch:
            first = ~torch.isfinite(loss) & (self.bad_step < 0)
            self.bad_step = torch.where(first, float(step), self.bad_step)
            self.bad_value = torch.where(first, loss, self.bad_value)

    def running_loss(self) -> float:
        """The mean loss so far on this process (waits for the device)."""
        return float(self.loss) / max(1, self.n)

    def first_nonfinite(self, dist_info: DistInfo) -> tuple[int, float] | None:
        """``(step, loss)`` of the first non-finite loss on any process, or None (waits for the device;
        a collective when distributed, so every process must call it at the same step)."""
        pair = torch.stack([self.bad_step, self.bad_value])
        pairs = [pair]
        if dist_info.distributed:
            import torch.distributed as dist

            pairs = [torch.empty_like(pair) for _ in range(dist_info.world_size)]
            dist.all_gather(pairs, pair)
        found = [(int(s), v) for s, v in (p.tolist() for p in pairs) if s >= 0]
        return min(found) if found else None

    def means(self, dist_info: DistInfo) -> dict[str, float]:
        """Per-image means: the parts that were ever finite, then ``"loss"``, and ``"images"`` (the
        count); summed over all processes when distributed. One transfer from the device."""
        count = torch.full((1,), float(self.n), dtype=torch.float64, device=self.device)
        packed = torch.cat([self.parts, self.finite, self.loss.reshape(1), count])
        if dist_info.distributed:
            import torch.distributed as dist

            dist.all_reduce(packed)
        values = packed.tolist()
        k, n = len(self.keys), int(values[-1])
        if n == 0:
            return {"images": 0.0}
        out = {key: values[i] / n for i, key in enumerate(self.keys) if values[k + i] > 0}
        out["loss"] = values[2 * k] / n
        out["images"] = float(n)
        return out

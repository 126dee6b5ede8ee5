"""Several processes (``torchrun``): where this process sits, its share of the batches, and the
collectives the trainer needs.

:class:`DistInfo` (world size, rank, local rank), :func:`init_distributed` (creates the process group
only when ``WORLD_SIZE > 1``: NCCL on GPUs, Gloo on CPUs), :class:`ShardedBatches` (one rank's share
of a batch sampler whose batches are the same on every rank), :func:`barrier` and :func:`from_main`
(rank 0's object on every process). How :class:`~aesthetics_lib.training.trainer.Trainer` uses them
is in the "Several GPUs" part of :mod:`aesthetics_lib.training.trainer`'s docstring.

Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class DistInfo:
    """Where this process sits in a ``torchrun`` job (world size 1 without ``torchrun``)."""

    world_size: int = 1
    rank: int = 0
    local_rank: int = 0
    initialized_here: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def init_distributed() -> DistInfo:
    """Create the process group when ``WORLD_SIZE > 1`` (NCCL on GPUs, Gloo on CPUs)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    import torch.distributed as dist

    local = int(os.environ.get("LOCAL_RANK", "0"))
    here = False
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(local)
        dist.init_process_group(backend=backend)
        here = True
    return DistInfo(world_size=dist.get_world_size(), rank=dist.get_rank(), local_rank=local, initialized_here=here)


class ShardedBatches:
    """Every ``world``-th batch of a batch sampler, from ``rank`` on, the same number on each rank.

    The ranks' shares partition the batches only if the sampler yields the same batches on every
    rank: drive its shuffle by a generator seeded from ``(seed, epoch)``, never from the rank."""

    def __init__(self, batches: Any, rank: int, world: int) -> None:
        self.batches, self.rank, self.world = batches, rank, world

    def __iter__(self):
        all_batches = list(self.batches)
        n = len(all_batches) // self.world
        return iter(all_batches[self.rank :: self.world][:n])

    def __len__(self) -> int:
        return len(self.batches) // self.world


def barrier() -> None:
    """Wait until every process gets here."""
    import torch.distributed as dist

    dist.barrier()


def from_main(obj: Any) -> Any:
    """Rank 0's ``obj`` on every process (a picklable builtin)."""
    import torch.distributed as dist

    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]

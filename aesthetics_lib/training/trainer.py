"""The training loop: one loop for every model, on a CPU, one GPU or several (``torchrun``).

:class:`Trainer` builds the datasets, model, loss, optimiser and schedule from a
:class:`~aesthetics_lib.training.config.TrainConfig`, trains with optional mixed precision
(bf16, or fp16 with a gradient scaler), channels-last memory, ``torch.compile``, gradient clipping and
an exponential moving average (EMA) of the weights, evaluates on the validation split after every
epoch (SRCC, LCC, MSE, EMD, accuracy) and keeps the checkpoint with the best validation SRCC. The
test split is never opened.

Files in the run folder (``config.out``; only rank 0 writes): ``last.pt`` (every epoch),
``best.pt`` (the best epoch so far), ``history.csv`` and ``history.json`` (one row per epoch) and
``config.yaml``. Checkpoints are written atomically and hold only tensors and builtins: the model,
the EMA, the optimiser, the schedulers, the gradient scaler, the random generators, the epoch, the
config and the history (``best.pt`` leaves out the optimiser, schedulers, scaler and generators).

**Exact resume.** ``Trainer(config, resume=True)`` continues from ``last.pt``. The shuffling order
of each epoch depends only on ``(seed, epoch)`` (a ``DistributedSampler``, also for one process),
DataLoader workers are seeded from a generator re-seeded with ``(seed, epoch)``, and the global
generators are restored from the checkpoint, so on a CPU in deterministic mode a run stopped after
any epoch and resumed ends with exactly the weights of an uninterrupted run. (Resume works at epoch
boundaries; a run killed mid-epoch repeats that epoch.)

**Several GPUs.** ``torchrun --nproc_per_node=N -m aesthetics_lib train --config ...`` runs the same
code with ``DistributedDataParallel`` and a ``DistributedSampler``; the process group is created
only when ``WORLD_SIZE > 1``. The batch size is per process. Every process evaluates the whole
validation split (identical results, so every process takes the same decisions).

Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler

from aesthetics_lib.training.build import (
    build_datasets,
    build_loss,
    build_model,
    build_optimizer,
    model_view,
    num_bins_for,
    resolve_device,
)
from aesthetics_lib.training.checkpoint import (
    CHECKPOINT_FORMAT,
    read_checkpoint,
    rng_state,
    set_rng_state,
    to_cpu,
    write_atomic,
)
from aesthetics_lib.training.config import TrainConfig, config_diff, config_from_dict, save_config
from aesthetics_lib.training.predict import autocast, batch_to, eval_loader, model_inputs, predict, unwrap

#: Files a run writes into its folder.
RUN_FILES: tuple[str, ...] = ("last.pt", "best.pt", "history.csv", "history.json", "config.yaml")
#: Checkpoint entries only ``last.pt`` needs (to resume); ``best.pt`` holds None for them, which keeps
#: it at the size of the weights (a SAMP-Net ``best.pt`` with Adam's moments would be three times larger).
TRAINING_STATE: tuple[str, ...] = ("optimizer", "scheduler", "plateau", "scaler", "rng")
#: Config keys that may differ when a run is resumed (they do not change what is computed, or,
#: for ``epochs``, extend the run).
RESUMABLE_CHANGES: frozenset[str] = frozenset(
    {"epochs", "out", "num_workers", "progress", "verbose", "device", "compile", "cache", "cache_dir", "cache_max_side"}
)


class RunFolderError(ValueError):
    """The run folder holds another run (or a different config) and would be overwritten."""


# ------------------------------------------------------------------------------------ set-up


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

    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    here = False
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(local)
        dist.init_process_group(backend=backend)
        here = True
    return DistInfo(world_size=dist.get_world_size(), rank=dist.get_rank(), local_rank=local, initialized_here=here)


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


def check_run_folder(out: Path, config: TrainConfig, resume: bool, force: bool) -> Path | None:
    """Decide what to do with an existing run folder; returns ``last.pt`` to resume from, or None.

    - an empty or missing folder: start a new run;
    - a folder with files and neither ``resume`` nor ``force``: refused (nothing is overwritten);
    - ``resume`` with a ``last.pt``: its config must equal ``config`` except :data:`RESUMABLE_CHANGES`;
      ``resume`` without any checkpoint (stopped before the first epoch ended): start a new run;
    - ``force``: start a new run, replacing the run files (other files are left alone).
    """
    if not out.exists():
        return None
    if not out.is_dir():
        raise RunFolderError(f"out: expected a folder for the run, found a file: {out}")
    present = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    last = out / "last.pt"
    if resume and last.is_file():
        state = read_checkpoint(last)
        diff = [k for k in config_diff(state["config"], config.to_dict()) if k not in RESUMABLE_CHANGES]
        if diff and not force:
            saved = ", ".join(f"{k}={state['config'].get(k)!r}" for k in diff)
            raise RunFolderError(
                f"{last}: cannot resume: the saved run's config differs in {', '.join(diff)} "
                f"(saved: {saved}). "
                "Resume with the same config, choose another out folder, or pass force to start over."
            )
        return last
    no_checkpoint = not last.exists() and not (out / "best.pt").exists()
    if not present or force or (resume and no_checkpoint):  # resume before any epoch ended: start over
        return None
    same = ""
    if last.is_file():
        try:
            saved = read_checkpoint(last)["config"]
            diff = config_diff(saved, config.to_dict())
            same = (
                " It holds a run of the same config: pass --resume (resume=True) to continue it."
                if not [k for k in diff if k not in RESUMABLE_CHANGES]
                else f" It holds a different run (config differs in {', '.join(diff)})."
            )
        except (ValueError, KeyError):
            same = " Its last.pt cannot be read."
    raise RunFolderError(
        f"out: the folder {out} is not empty ({', '.join(present[:6])}{' ...' if len(present) > 6 else ''})."
        f"{same} Nothing was overwritten: choose another out folder, pass --resume to continue, or "
        "--force (force=True) to start over in it."
    )


class ShardedBatches:
    """Every ``world``-th batch of a batch sampler, from ``rank`` on, the same number on each rank."""

    def __init__(self, batches: Any, rank: int, world: int) -> None:
        self.batches, self.rank, self.world = batches, rank, world

    def __iter__(self):
        all_batches = list(self.batches)
        n = len(all_batches) // self.world
        return iter(all_batches[self.rank :: self.world][:n])

    def __len__(self) -> int:
        return len(self.batches) // self.world


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


# ------------------------------------------------------------------------------------ trainer


class Trainer:
    """Train one model from a :class:`TrainConfig`; ``fit()`` returns the history (one dict per epoch).

    ``resume``: continue from ``out/last.pt`` (a new run when there is none). ``force``: start over
    in a folder that holds a run. ``model``/``datasets``: use these instead of building them from
    the config (``datasets`` = ``(train, val)``; checkpoints of a custom model are rebuilt by
    :func:`~aesthetics_lib.training.load_checkpoint` only if ``config.model`` names it).
    After ``fit()``: ``model`` (the last weights), :meth:`best_model` (the weights chosen on
    validation), ``history``, ``best`` (``{"epoch", "srcc"}``). Introduced in notebooks/05_dcnn.
    """

    def __init__(
        self,
        config: TrainConfig,
        resume: bool = False,
        force: bool = False,
        *,
        model: nn.Module | None = None,
        datasets: Sequence[Any] | None = None,
    ) -> None:
        self.config = config
        self.dist = init_distributed()
        self.device = resolve_device(config.device, self.dist.local_rank)
        if config.deterministic:
            set_deterministic(True)
        seed_everything(config.seed)
        self.out = Path(config.out) if config.out else None
        resume_from = check_run_folder(self.out, config, resume, force) if self.out is not None else None

        # model first (its view decides the input pipeline), then the data; the test split is never built
        if datasets is not None:
            self.train_set, self.val_set = datasets[0], datasets[1]
            bins = int(getattr(self.train_set, "num_bins", 0) or self.train_set[0]["dist"].numel())
        else:
            bins = num_bins_for(config)
        self.model = model if model is not None else build_model(config, num_bins=bins)
        self.view = model_view(config, self.model)
        if datasets is None:
            self.train_set, self.val_set, _ = build_datasets(config, view=self.view, splits=("train", "val"))
        if len(self.train_set) == 0 or len(self.val_set) == 0:
            raise ValueError(
                f"data {config.data!r}: expected images in the train and val splits, found "
                f"{len(self.train_set)} and {len(self.val_set)}"
            )
        self.num_bins = int(getattr(self.train_set, "num_bins", 0) or bins)
        out_bins = getattr(unwrap(self.model), "num_bins", self.num_bins)
        if out_bins != self.num_bins:
            raise ValueError(f"model {config.model!r} predicts {out_bins} score bins but the data has {self.num_bins}")
        self.threshold = float(getattr(self.train_set, "threshold", float("nan")))
        if math.isnan(self.threshold):
            self.threshold = (self.num_bins + 1) / 2

        # EMA, loss, optimiser, schedules, scaler
        self.model = self.model.to(self.device)
        if config.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.ema = None
        if config.ema > 0:
            from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

            self.ema = AveragedModel(self.model, multi_avg_fn=get_ema_multi_avg_fn(config.ema), use_buffers=True)
        self.loss_fn = build_loss(config, unwrap(self.model))
        self.optimizer = build_optimizer(self.model, config)
        self.train_loader = self._train_loader()
        self.steps_per_epoch = len(self.train_loader)
        if config.max_steps_per_epoch:
            self.steps_per_epoch = min(self.steps_per_epoch, config.max_steps_per_epoch)
        total = max(1, self.steps_per_epoch * config.epochs)
        warmup = int(round(config.warmup_epochs * self.steps_per_epoch))
        self.scheduler: Any = None  # stepped every optimiser step
        self.plateau: Any = None  # stepped every epoch on validation SRCC
        if config.schedule == "plateau":
            if warmup > 0:
                self.scheduler = torch.optim.lr_scheduler.LinearLR(
                    self.optimizer, start_factor=1.0 / warmup, end_factor=1.0, total_iters=warmup
                )
            self.plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
                self.optimizer, mode="max", factor=config.plateau_factor, patience=config.plateau_patience
            )
        elif config.schedule == "cosine" or warmup > 0:
            self.scheduler = torch.optim.lr_scheduler.LambdaLR(
                self.optimizer, lr_lambda(config.schedule, warmup, total)
            )
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=config.amp == "fp16")
        self.val_loader = eval_loader(self.val_set, config.batch_size, config.num_workers, self.device.type == "cuda")

        # state
        self.epoch = 0
        self.global_step = 0
        self.history: list[dict[str, Any]] = []
        self.best: dict[str, Any] = {"epoch": None, "srcc": None}
        self._best_state: dict[str, torch.Tensor] | None = None
        self.train_stats = self._train_statistics()
        if resume_from is not None:
            self._load_state(read_checkpoint(resume_from, map_location=self.device))

        # wrappers for the forward pass (the plain model is what is saved)
        self.net: nn.Module = self.model
        if self.dist.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            unused = self._unused_parameters()
            self.net = nn.parallel.DistributedDataParallel(
                self.model, device_ids=ids, find_unused_parameters=bool(unused)
            )
        if config.compile:
            self.net = torch.compile(self.net)
        if self.out is not None and self.dist.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            save_config(config, self.out / "config.yaml")

    # ------------------------------------------------------------------ pieces
    def _train_loader(self) -> DataLoader:
        """Shuffled batches whose order depends only on ``(seed, epoch)``: a ``DistributedSampler``
        (also for one process), or for the ``native`` view an aspect-bucket batch sampler driven by
        a generator re-seeded every epoch (sharded across processes)."""
        cfg = self.config
        self._loader_generator = torch.Generator()
        per_rank = math.ceil(len(self.train_set) / self.dist.world_size)
        drop_last = per_rank > cfg.batch_size  # a last batch of 1 breaks BatchNorm and ranking
        common = dict(
            num_workers=cfg.num_workers,
            generator=self._loader_generator,
            worker_init_fn=seed_worker,
            pin_memory=self.device.type == "cuda",
        )
        if self.view == "native":
            from aesthetics_lib.data.transforms import AspectBucketSampler

            self.sampler = None
            batches: Any = AspectBucketSampler(
                self.train_set, cfg.batch_size, shuffle=True, drop_last=drop_last, generator=self._loader_generator
            )
            if self.dist.distributed:
                batches = ShardedBatches(batches, self.dist.rank, self.dist.world_size)
            return DataLoader(self.train_set, batch_sampler=batches, **common)
        self.sampler = DistributedSampler(
            self.train_set,
            num_replicas=self.dist.world_size,
            rank=self.dist.rank,
            shuffle=True,
            seed=cfg.seed,
            drop_last=False,
        )
        return DataLoader(self.train_set, batch_size=cfg.batch_size, sampler=self.sampler, drop_last=drop_last, **common)

    def _unused_parameters(self) -> list[str]:
        """Trainable parameters that get no gradient from the loss (e.g. an attribute head with
        ``loss_attributes: 0``): DistributedDataParallel must be told about them. Found with one
        forward/backward pass in eval mode on two validation items (no statistics or RNG touched)."""
        from torch.utils.data import default_collate

        batch = default_collate([self.val_set[i] for i in range(min(2, len(self.val_set)))])
        self.model.eval()
        try:
            images, extras = model_inputs(self.model, batch, self.device, self.config.channels_last)
            output = self.model(images, **extras)
            output = {k: v.float() if torch.is_tensor(v) and v.is_floating_point() else v for k, v in output.items()}
            targets = batch_to({k: v for k, v in batch.items() if k not in ("image", *extras)}, self.device)
            loss, _ = self.loss_fn(output, targets)
            loss.backward()
            unused = [n for n, p in self.model.named_parameters() if p.requires_grad and p.grad is None]
        finally:
            self.model.zero_grad(set_to_none=True)
            self.model.train()
        return unused

    def _train_statistics(self) -> dict[str, Any]:
        """Mean training score and distribution: the naive baseline's prediction, saved in checkpoints."""
        ds = self.train_set
        try:
            dists = np.asarray(ds.targets(), dtype=np.float64)
            means = np.asarray(ds.means(), dtype=np.float64)
        except AttributeError:
            dists = np.stack([ds[i]["dist"].numpy() for i in range(len(ds))]).astype(np.float64)
            means = dists @ np.arange(1, dists.shape[1] + 1)
        return {"mean": float(means.mean()), "dist": [float(v) for v in dists.mean(0)], "n": int(len(ds))}

    def eval_model(self) -> nn.Module:
        """The weights that are evaluated and selected: the EMA when on, else the model."""
        return self.ema.module if self.ema is not None else self.model

    def _meta(self) -> dict[str, Any]:
        m = unwrap(self.model)
        import aesthetics_lib

        return {
            "num_bins": self.num_bins,
            "threshold": self.threshold,
            "attribute_names": list(getattr(m, "attribute_names", ()) or ()),
            "view": self.view,
            "train_mean": self.train_stats["mean"],
            "train_dist": self.train_stats["dist"],
            "n_train": self.train_stats["n"],
            "n_val": int(len(self.val_set)),
            "eval_weights": "ema" if self.ema is not None else "model",
            "torch_version": torch.__version__,
            "library_version": aesthetics_lib.__version__,
            "world_size": self.dist.world_size,
        }

    def state_dict(self) -> dict[str, Any]:
        """The checkpoint: tensors and builtins only (see the module docstring)."""
        return {
            "format": CHECKPOINT_FORMAT,
            "epoch": self.epoch,
            "global_step": self.global_step,
            "model": to_cpu(unwrap(self.model).state_dict()),
            "ema": to_cpu(self.ema.state_dict()) if self.ema is not None else None,
            "optimizer": to_cpu(self.optimizer.state_dict()),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "plateau": self.plateau.state_dict() if self.plateau is not None else None,
            "scaler": self.scaler.state_dict(),
            "rng": rng_state(),
            "config": self.config.to_dict(),
            "history": copy.deepcopy(self.history),
            "best": dict(self.best),
            "meta": self._meta(),
        }

    def _load_state(self, state: dict[str, Any]) -> None:
        unwrap(self.model).load_state_dict(state["model"])
        if self.ema is not None:
            if state.get("ema") is None:
                raise ValueError("resume: the config asks for an EMA but the checkpoint has none")
            self.ema.load_state_dict(state["ema"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        if self.plateau is not None and state.get("plateau") is not None:
            self.plateau.load_state_dict(state["plateau"])
        if state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.epoch = int(state["epoch"])
        self.global_step = int(state["global_step"])
        self.history = list(state["history"])
        self.best = dict(state["best"])
        set_rng_state(state["rng"])

    # ------------------------------------------------------------------ training
    def fit(self, epochs: int | None = None) -> list[dict[str, Any]]:
        """Train until ``config.epochs`` (or at most ``epochs`` more epochs in this call); returns
        the history, one dict per epoch: ``epoch``, ``train_loss`` and its parts, ``val_*`` metrics,
        ``lr_backbone``, ``lr_head``, ``images_per_s``, ``seconds``, ``best``."""
        end = self.config.epochs if epochs is None else min(self.config.epochs, self.epoch + epochs)
        while self.epoch < end:
            self._run_epoch(self.epoch)
        if self.dist.distributed:
            import torch.distributed as dist

            dist.barrier()
        return self.history

    def _run_epoch(self, epoch: int) -> None:
        cfg = self.config
        if self.sampler is not None:
            self.sampler.set_epoch(epoch)
        self._loader_generator.manual_seed(epoch_seed(cfg.seed, epoch, self.dist.rank))
        t0 = time.perf_counter()
        stats = self._train_one_epoch(epoch)
        seconds = time.perf_counter() - t0
        val = self.validate()
        score = val["srcc"] if math.isfinite(val["srcc"]) else -math.inf
        if self.plateau is not None:
            self.plateau.step(score)
        best_so_far = self.best["srcc"] if self.best["srcc"] is not None else -math.inf
        improved = self.best["epoch"] is None or score > best_so_far  # ties keep the earlier epoch
        self.epoch = epoch + 1
        if improved:
            self.best = {"epoch": self.epoch, "srcc": score if math.isfinite(score) else None}
            self._best_state = to_cpu(copy.deepcopy(self.eval_model().state_dict()))
        lrs = {g.get("name", str(i)): g["lr"] for i, g in enumerate(self.optimizer.param_groups)}
        row: dict[str, Any] = {"epoch": self.epoch, **{f"train_{k}": v for k, v in stats.items() if k != "images"}}
        row.update({f"val_{k}": v for k, v in val.items()})
        row["lr_backbone"] = lrs.get("backbone", lrs.get("backbone_no_decay", math.nan))
        row["lr_head"] = lrs.get("head", lrs.get("head_no_decay", math.nan))
        row["images_per_s"] = stats["images"] / seconds if seconds > 0 else math.nan
        row["seconds"] = seconds
        row["best"] = bool(improved)
        self.history.append(row)
        if self.out is not None and self.dist.is_main:
            self.save(best=improved)
        if cfg.verbose and self.dist.is_main:
            print(
                f"epoch {self.epoch}/{cfg.epochs}  loss {row['train_loss']:.3g}  val srcc {val['srcc']:.3f}  "
                f"lcc {val['lcc']:.3f}  mse {val['mse']:.3g}  emd2 {val['emd2']:.3g}{'  *' if improved else ''}",
                flush=True,
            )

    def _train_one_epoch(self, epoch: int) -> dict[str, float]:
        cfg = self.config
        self.net.train()
        sums: dict[str, float] = {}
        n_seen = 0
        bar = None
        if progress_enabled(cfg, self.dist):
            from tqdm.auto import tqdm

            bar = tqdm(total=self.steps_per_epoch, desc=f"epoch {epoch + 1}/{cfg.epochs}", leave=False, unit="step")
        t0 = time.perf_counter()
        try:
            for step, batch in enumerate(self.train_loader):
                if step >= self.steps_per_epoch:
                    break
                loss, parts, bsz = self._train_step(batch, epoch, step)
                n_seen += bsz
                for k, v in parts.items():
                    if isinstance(v, float) and math.isfinite(v):
                        sums[k] = sums.get(k, 0.0) + v * bsz
                sums["loss"] = sums.get("loss", 0.0) + loss * bsz
                if bar is not None:
                    rate = n_seen / max(1e-9, time.perf_counter() - t0)
                    bar.set_postfix(loss=f"{sums['loss'] / n_seen:.3g}", img_s=f"{rate:.0f}")
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        out = {k: v / max(1, n_seen) for k, v in sums.items() if k != "total"}
        out["images"] = float(n_seen * self.dist.world_size)
        return out

    def _train_step(self, batch: dict[str, Any], epoch: int, step: int) -> tuple[float, dict[str, float], int]:
        cfg = self.config
        images, extras = model_inputs(self.model, batch, self.device, cfg.channels_last)
        with autocast(self.device, cfg.amp):
            output = self.net(images, **extras)
        output = {k: v.float() if isinstance(v, torch.Tensor) and v.is_floating_point() else v for k, v in output.items()}
        targets = batch_to({k: v for k, v in batch.items() if k not in ("image", *extras)}, self.device)
        if not cfg.sample_weights:
            targets.pop("weight", None)
        loss, parts = self.loss_fn(output, targets)
        if not torch.isfinite(loss) and cfg.amp != "fp16":
            raise FloatingPointError(
                f"training diverged: the loss is {loss.item()} at epoch {epoch + 1}, step {step + 1} "
                f"(lr_head={cfg.lr_head}, lr_backbone={cfg.lr_backbone}); lower the learning rates, "
                "set grad_clip, or use amp: none"
            )
        self.scaler.scale(loss).backward()
        if cfg.grad_clip > 0:
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        if self.scheduler is not None:
            self.scheduler.step()
        if self.ema is not None:
            self.ema.update_parameters(self.model)
        self.global_step += 1
        return float(loss.detach()), {k: float(v) for k, v in parts.items()}, int(images.shape[0])

    @torch.no_grad()
    def validate(self) -> dict[str, float]:
        """Metrics of :meth:`eval_model` on the validation split (no intervals)."""
        from aesthetics_lib.metrics import evaluate_predictions

        pred = predict(self.eval_model(), self.val_loader, self.device, amp=self.config.amp,
                       channels_last=self.config.channels_last)
        return evaluate_predictions(
            pred.get("dist"), pred["target_dist"], self.threshold,
            pred_mean=pred["mean"] if "dist" not in pred else None, true_mean=pred.get("target_mean"),
        )

    # ------------------------------------------------------------------ files
    def save(self, best: bool = False) -> None:
        """Write ``last.pt`` (and ``best.pt`` when ``best``) and the history files, atomically."""
        assert self.out is not None
        self.out.mkdir(parents=True, exist_ok=True)
        state = self.state_dict()
        write_atomic(state, self.out / "last.pt")
        if best:  # weights, config and meta only: resuming goes through last.pt
            write_atomic({**state, **dict.fromkeys(TRAINING_STATE)}, self.out / "best.pt")
        write_history(self.history, self.out)

    def best_model(self) -> nn.Module:
        """A copy of the model with the weights chosen on validation (EMA weights when on)."""
        state = self._best_state
        if state is None and self.out is not None and (self.out / "best.pt").is_file():
            ckpt = read_checkpoint(self.out / "best.pt")
            state = ckpt["ema"] if ckpt.get("ema") is not None else ckpt["model"]
        if state is None:
            raise ValueError("best_model: no epoch has been trained and validated yet")
        model = copy.deepcopy(unwrap(self.model)).cpu()
        model.load_state_dict(_strip_ema(state))
        return model.eval()


def _strip_ema(state: dict[str, Any]) -> dict[str, Any]:
    """An ``AveragedModel`` state dict (``module.*`` keys and ``n_averaged``) as the plain model's."""
    if "n_averaged" not in state:
        return state
    return {k[len("module."):]: v for k, v in state.items() if k.startswith("module.")}


def write_history(history: list[dict[str, Any]], out: Path) -> None:
    """``history.json`` and ``history.csv`` in ``out`` (atomically). Intervals become two columns."""
    import pandas as pd

    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v

    rows = [{k: clean(v) for k, v in row.items()} for row in history]
    tmp = out / f".history.json.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    os.replace(tmp, out / "history.json")
    tmp = out / f".history.csv.tmp-{os.getpid()}"
    pd.DataFrame(history).to_csv(tmp, index=False)
    os.replace(tmp, out / "history.csv")


def train(config: TrainConfig, resume: bool = False, force: bool = False) -> list[dict[str, Any]]:
    """Train a model from ``config`` (see :class:`Trainer`); returns the history.

    ``train(config, resume=True)`` is "train or load": a finished run in ``config.out`` is not
    trained again, an interrupted one continues. Introduced in notebooks/05_dcnn."""
    trainer = Trainer(config, resume=resume, force=force)
    try:
        return trainer.fit()
    finally:
        if trainer.dist.initialized_here:
            import torch.distributed as dist

            dist.destroy_process_group()


def config_of(state: dict[str, Any]) -> TrainConfig:
    """The :class:`TrainConfig` saved in a checkpoint."""
    return config_from_dict(state["config"], where="checkpoint config")


def load_checkpoint(
    path: str | os.PathLike, map_location: Any = "cpu", weights: str = "eval"
) -> tuple[nn.Module, TrainConfig, dict[str, Any]]:
    """Rebuild the model of a checkpoint: ``(model in eval mode, config, state)``.

    Loads with ``torch.load(weights_only=True)`` (a file carrying any other pickled object is
    refused with :class:`~aesthetics_lib.training.checkpoint.CheckpointError`). ``weights="eval"``
    gives the weights that were validated (the EMA when the run kept one), ``"model"`` the raw
    trained weights. The model is built from the saved config without downloading anything
    (``pretrained`` is switched off: the weights come from the file). ``state["meta"]`` holds
    ``num_bins``, ``threshold``, ``attribute_names``, ``view`` and the training mean
    (``train_mean``, ``train_dist``) for the naive baseline. Introduced in notebooks/05_dcnn.
    """
    if weights not in ("eval", "model"):
        raise ValueError(f"load_checkpoint: expected weights 'eval' or 'model', found {weights!r}")
    state = read_checkpoint(path, map_location=map_location)
    config = config_of(state)
    meta = state.get("meta", {})
    kwargs = dict(config.model_kwargs)
    if "pretrained" in kwargs:
        kwargs["pretrained"] = False
    rebuilt = config.replace(model_kwargs=kwargs)
    model = build_model(rebuilt, num_bins=meta.get("num_bins"), attribute_names=meta.get("attribute_names"))
    sd = state["ema"] if weights == "eval" and state.get("ema") is not None else state["model"]
    try:
        model.load_state_dict(_strip_ema(sd))
    except RuntimeError as exc:
        raise ValueError(f"{path}: the weights do not fit the model {config.model!r} rebuilt from its config: {exc}") from None
    model.to(map_location if isinstance(map_location, (str, torch.device)) else "cpu")
    return model.eval(), config, state

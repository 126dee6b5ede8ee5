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
of each epoch depends only on ``(seed, epoch)`` (a ``DistributedSampler``, also for one process, or
for the ``native`` view an aspect-bucket batch sampler re-seeded every epoch), DataLoader workers are
seeded from ``(seed, epoch, rank)``, and the global generators are restored from the checkpoint, so
on a CPU in deterministic mode a run stopped after any epoch and resumed ends with exactly the
weights of an uninterrupted run, whatever the view, schedule or number of workers (as long as that
number is the same). Resume works at epoch boundaries; a run killed mid-epoch repeats that epoch.
A resumed run's config must equal the saved one except for
:data:`~aesthetics_lib.training.run_folder.RESUMABLE_CHANGES` (``epochs`` only without a cosine
schedule, ``num_workers`` with a :class:`~aesthetics_lib.training.run_folder.ResumeWarning`; the
rules are in :mod:`aesthetics_lib.training.run_folder`).

**No host synchronisation per step.** The loss and its parts stay tensors on the device; the epoch's
sums accumulate there (:class:`~aesthetics_lib.training.epoch.EpochSums`) and become numbers once per
epoch (the progress bar, when shown, reads them every
:data:`~aesthetics_lib.training.epoch.SYNC_EVERY` steps). A non-finite loss (not checked with
``amp: fp16``, whose gradient scaler skips such steps) is recorded in a tensor and raises
``FloatingPointError`` naming the epoch and step at the next check, every ``SYNC_EVERY`` steps and at
the end of the epoch: the files then still hold the last finished epoch (the trainer's weights in
memory are spoilt). The EMA is
updated without ``AveragedModel``'s per-step copy of its counter to the device; with ``amp: fp16``
the gradient scaler still reads its overflow flag every step (that is how it skips steps).

**Several GPUs.** ``torchrun --nproc_per_node=N -m aesthetics_lib train --config ...`` runs the same
code with ``DistributedDataParallel``; the process group is created only when ``WORLD_SIZE > 1``.
The batch size is per process. Each epoch's shuffle is the same on every process, which takes its
share: every N-th item (``DistributedSampler``) or, for the ``native`` view, every N-th aspect
bucket batch (:class:`~aesthetics_lib.training.distributed.ShardedBatches`). Ranks above 0 re-seed
their global generators every epoch from ``(seed, epoch, rank)`` so that no two processes draw the
same augmentation or dropout (rank 0 keeps a one-process run's stream, which ``last.pt`` saves).
The recorded training loss is the mean over all processes. Every process evaluates the whole
validation split and rank 0's metrics are broadcast, so every process takes the same decisions
(best epoch, plateau) even where BatchNorm statistics differ between processes. Without BatchNorm,
rank loss (its pairs are within a process's batch), dropout and augmentation, N processes of batch B
follow a one-process run of batch N * B up to float rounding (tests/test_distributed.py measures it).

The pieces live beside it: :mod:`~aesthetics_lib.training.distributed` (processes, a rank's share of
the batches), :mod:`~aesthetics_lib.training.run_folder` (the run folder, resume rules, history
files), :mod:`~aesthetics_lib.training.epoch` (seeds, learning-rate schedule, the epoch's loss sums).

Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

import copy
import itertools
import math
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler

from aesthetics_lib.inference import Predictor
from aesthetics_lib.spec import ModelSpec
from aesthetics_lib.training.build import (
    build_datasets,
    build_loss,
    build_model,
    build_optimizer,
    model_spec,
    model_view,
    num_bins_for,
    resolve_device,
)
from aesthetics_lib.training.checkpoint import (
    strip_ema,
    CHECKPOINT_FORMAT,
    read_checkpoint,
    rng_state,
    set_rng_state,
    to_cpu,
    write_atomic,
)
from aesthetics_lib.training.config import TrainConfig, save_config
from aesthetics_lib.training.distributed import ShardedBatches, barrier, from_main, init_distributed
from aesthetics_lib.training.epoch import (
    SYNC_EVERY,
    EpochSums,
    epoch_seed,
    lr_lambda,
    progress_enabled,
    seed_everything,
    seed_worker,
    set_deterministic,
)
from aesthetics_lib.training.predict import autocast, batch_to, eval_loader, model_inputs, unwrap
from aesthetics_lib.training.run_folder import TRAINING_STATE, ResumeWarning, check_run_folder, write_history


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
        resume_from = self._setup_runtime(resume, force)
        self._setup_model_and_data(model, datasets)
        self._setup_loaders()
        self._setup_optimisation()
        self._setup_state()
        if resume_from is not None:
            self._resume(resume_from)
        self._setup_wrappers()
        if self.out is not None and self.dist.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            save_config(config, self.out / "config.yaml")

    # ------------------------------------------------------------------ set-up steps
    def _setup_runtime(self, resume: bool, force: bool) -> Path | None:
        """Processes (``torchrun``), device, deterministic kernels and seeds; checks the run folder
        and returns the checkpoint to resume from (None for a new run)."""
        cfg = self.config
        self.dist = init_distributed()
        self.device = resolve_device(cfg.device, self.dist.local_rank)
        if cfg.deterministic:
            set_deterministic(True)
        seed_everything(cfg.seed)
        self.out = Path(cfg.out) if cfg.out else None
        resume_from = check_run_folder(self.out, cfg, resume, force) if self.out is not None else None
        if self.out is not None and self.dist.distributed:
            barrier()  # every process has looked at the folder before rank 0 writes into it
        return resume_from

    def _setup_model_and_data(self, model: nn.Module | None, datasets: Sequence[Any] | None) -> None:
        """The model first (its view decides the input pipeline), then the train and val splits (the
        test split is never built); checks they agree on the score bins; the model on its device."""
        config = self.config
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
        self.model = self.model.to(self.device)
        if config.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)

    def _setup_loaders(self) -> None:
        """The shuffled training loader (:meth:`_train_loader`), ``steps_per_epoch`` and the
        validation loader (item order)."""
        config = self.config
        self.train_loader = self._train_loader()
        self.steps_per_epoch = len(self.train_loader)
        if config.max_steps_per_epoch:
            self.steps_per_epoch = min(self.steps_per_epoch, config.max_steps_per_epoch)
        self.val_loader = eval_loader(self.val_set, config.batch_size, config.num_workers, self.device.type == "cuda")

    def _setup_optimisation(self) -> None:
        """EMA of the weights, loss, optimiser, learning-rate schedules (``scheduler`` stepped every
        optimiser step, ``plateau`` every epoch on validation SRCC) and the fp16 gradient scaler."""
        config = self.config
        self.ema = None
        if config.ema > 0:
            from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

            self.ema = AveragedModel(self.model, multi_avg_fn=get_ema_multi_avg_fn(config.ema), use_buffers=True)
        self._ema_count = 0  # the EMA's n_averaged, mirrored on the host (see _update_ema)
        self.loss_fn = build_loss(config, unwrap(self.model), self.threshold)
        self.optimizer = build_optimizer(self.model, config)
        # the cosine's horizon is fixed by the epochs the run is planned for (resume_refusal keeps it so)
        total = max(1, self.steps_per_epoch * config.epochs)
        warmup = int(round(config.warmup_epochs * self.steps_per_epoch))
        self.scheduler: Any = None
        self.plateau: Any = None
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

    def _setup_state(self) -> None:
        """A new run's progress (epoch 0, empty history) and the training statistics for ``meta``."""
        self.epoch = 0
        self.global_step = 0
        self.history: list[dict[str, Any]] = []
        self.best: dict[str, Any] = {"epoch": None, "srcc": None}
        self._best_state: dict[str, torch.Tensor] | None = None
        self.train_stats = self._train_statistics()

    def _resume(self, path: Path) -> None:
        """Continue the run saved in ``path`` (``last.pt``); warns (:class:`ResumeWarning`) when a
        change of ``num_workers`` makes the rest of the run differ from an uninterrupted one."""
        state = read_checkpoint(path, map_location=self.device)
        self._load_state(state)
        if self.ema is not None:
            self._ema_count = int(self.ema.n_averaged)
        saved = state["config"].get("num_workers", self.config.num_workers)
        if saved != self.config.num_workers and self.epoch < self.config.epochs and self.dist.is_main:
            import warnings

            warnings.warn(
                f"{path}: resuming with num_workers={self.config.num_workers} (the run used {saved}): "
                "the augmentation's random draws now come from other generators, so the resumed run is "
                "not bit-exact with an uninterrupted one. Resume with num_workers="
                f"{saved} for an exact continuation.",
                ResumeWarning,
                stacklevel=3,
            )

    def _setup_wrappers(self) -> None:
        """``net``, what the forward pass runs: DistributedDataParallel and ``torch.compile``
        wrappers around ``model`` (the plain module, which is what is saved)."""
        self.net: nn.Module = self.model
        if self.dist.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            unused = self._unused_parameters()
            self.net = nn.parallel.DistributedDataParallel(
                self.model, device_ids=ids, find_unused_parameters=bool(unused)
            )
        if self.config.compile:
            self.net = torch.compile(self.net)

    # ------------------------------------------------------------------ pieces
    def _train_loader(self) -> DataLoader:
        """Shuffled batches whose order depends only on ``(seed, epoch)``: a ``DistributedSampler``
        (also for one process), or for the ``native`` view an aspect-bucket batch sampler driven by
        a generator re-seeded every epoch (sharded across processes). ``_loader_generator`` (seeded
        from ``(seed, epoch, rank)``) seeds the workers; with several processes the bucket sampler
        has its own ``_batch_generator`` (from ``(seed, epoch)``: the same batches on every rank)."""
        cfg = self.config
        self._loader_generator = torch.Generator()
        self._batch_generator: torch.Generator | None = None
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
            # one process: the loader's generator, as it always was (the batches of a saved run)
            self._batch_generator = torch.Generator() if self.dist.distributed else self._loader_generator
            batches: Any = AspectBucketSampler(
                self.train_set, cfg.batch_size, shuffle=True, drop_last=drop_last, generator=self._batch_generator
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
            "spec": spec.to_dict() if (spec := self.spec()) is not None else None,
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
            barrier()
        return self.history

    def _seed_epoch(self, epoch: int) -> None:
        """Seed what an epoch draws: the shuffle from ``(seed, epoch)`` (the same on every process),
        the workers from ``(seed, epoch, rank)``; ranks above 0 re-seed their global generators from
        ``(seed, epoch, rank)`` (their own augmentation and dropout; rank 0 keeps a one-process run's
        stream, which ``last.pt`` saves)."""
        cfg = self.config
        if self.sampler is not None:
            self.sampler.set_epoch(epoch)
        self._loader_generator.manual_seed(epoch_seed(cfg.seed, epoch, self.dist.rank))
        if self._batch_generator is not None and self._batch_generator is not self._loader_generator:
            self._batch_generator.manual_seed(epoch_seed(cfg.seed, epoch))
        if self.dist.rank > 0:
            seed_everything(epoch_seed(cfg.seed, epoch, self.dist.rank))

    def _run_epoch(self, epoch: int) -> None:
        cfg = self.config
        self._seed_epoch(epoch)
        t0 = time.perf_counter()
        stats = self._train_one_epoch(epoch)
        seconds = time.perf_counter() - t0
        val = self.validate()
        if self.dist.distributed:  # BatchNorm statistics may differ between processes: decide as rank 0
            val = from_main(val)
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
        """One pass over the training batches; returns the per-image means of the loss and its
        parts and ``images`` (all processes). Waits for the device only every :data:`SYNC_EVERY`
        steps (divergence check, progress bar) and once at the end."""
        cfg = self.config
        self.net.train()
        sums = EpochSums(self.device)
        watch = cfg.amp != "fp16"  # fp16's gradient scaler skips the steps whose loss is not finite
        bar = None
        if progress_enabled(cfg, self.dist):
            from tqdm.auto import tqdm

            bar = tqdm(total=self.steps_per_epoch, desc=f"epoch {epoch + 1}/{cfg.epochs}", leave=False, unit="step")
        t0 = time.perf_counter()
        try:
            for step, batch in enumerate(self.train_loader):
                if step >= self.steps_per_epoch:
                    break
                loss, parts, bsz = self._train_step(batch)
                sums.add(loss, parts, bsz, step, watch)
                if watch and (step + 1) % SYNC_EVERY == 0:
                    self._check_finite(sums, epoch)
                if bar is not None:
                    if step % SYNC_EVERY == 0:
                        rate = sums.n / max(1e-9, time.perf_counter() - t0)
                        bar.set_postfix(loss=f"{sums.running_loss():.3g}", img_s=f"{rate:.0f}")
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        if watch:
            self._check_finite(sums, epoch)
        return sums.means(self.dist)

    def _check_finite(self, sums: EpochSums, epoch: int) -> None:
        """Raise ``FloatingPointError`` if a loss of this epoch so far was not finite (any process)."""
        bad = sums.first_nonfinite(self.dist)
        if bad is not None:
            cfg = self.config
            raise FloatingPointError(
                f"training diverged: the loss is {bad[1]} at epoch {epoch + 1}, step {bad[0] + 1} "
                f"(lr_head={cfg.lr_head}, lr_backbone={cfg.lr_backbone}); lower the learning rates, "
                "set grad_clip, or use amp: none"
            )

    def _train_step(self, batch: dict[str, Any]) -> tuple[torch.Tensor, dict[str, torch.Tensor], int]:
        """One optimiser step; returns the detached loss and parts (tensors: no sync) and the batch size."""
        cfg = self.config
        images, extras = model_inputs(self.model, batch, self.device, cfg.channels_last)
        with autocast(self.device, cfg.amp):
            output = self.net(images, **extras)
        output = {k: v.float() if isinstance(v, torch.Tensor) and v.is_floating_point() else v for k, v in output.items()}
        targets = batch_to({k: v for k, v in batch.items() if k not in ("image", *extras)}, self.device)
        if not cfg.sample_weights:
            targets.pop("weight", None)
        loss, parts = self.loss_fn(output, targets)
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
            self._update_ema()
        self.global_step += 1
        return loss.detach(), parts, int(images.shape[0])

    def _update_ema(self) -> None:
        """``ema.update_parameters(model)``, the same arithmetic without its per-step copy of the
        CPU counter ``n_averaged`` to the device (a host sync on a GPU): the count is mirrored in
        ``_ema_count``; the first update copies the weights, later ones apply the EMA function per
        (device, dtype) group of parameters and buffers."""
        ema = self.ema
        if self._ema_count == 0:
            ema.update_parameters(self.model)
        else:
            groups: dict[tuple[torch.device, torch.dtype], tuple[list, list]] = {}
            pairs = zip(itertools.chain(ema.module.parameters(), ema.module.buffers()),
                        itertools.chain(self.model.parameters(), self.model.buffers()))
            for averaged, current in pairs:
                mine, theirs = groups.setdefault((averaged.device, averaged.dtype), ([], []))
                mine.append(averaged.detach())
                theirs.append(current.detach())
            for mine, theirs in groups.values():
                ema.multi_avg_fn(mine, theirs, None)  # get_ema_multi_avg_fn's update ignores the count
            ema.n_averaged += 1
        self._ema_count += 1

    @torch.no_grad()
    def validate(self) -> dict[str, float]:
        """Metrics of :meth:`eval_model` on the validation split (no intervals)."""
        from aesthetics_lib.metrics import evaluate_predictions

        pred = self.predictor().predict(self.val_loader)
        return evaluate_predictions(
            pred.dist, pred.target_dist, self.threshold,
            pred_mean=pred.score if pred.dist is None else None, true_mean=pred.target_mean,
        )

    def spec(self) -> ModelSpec | None:
        """The :class:`~aesthetics_lib.spec.ModelSpec` of this run (stored in every checkpoint); None
        for a custom model passed as ``model=`` that ``create_model`` did not make."""
        return model_spec(self.config, self.model, self.threshold)

    def predictor(self, model: nn.Module | None = None) -> Predictor:
        """A :class:`~aesthetics_lib.inference.Predictor` over ``model`` (default :meth:`eval_model`)
        with this run's spec, device and precision settings: what validation uses."""
        return Predictor(model if model is not None else self.eval_model(), self.spec(), self.device,
                         batch_size=self.config.batch_size, amp=self.config.amp,
                         channels_last=self.config.channels_last)

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
        model.load_state_dict(strip_ema(state))
        return model.eval()


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

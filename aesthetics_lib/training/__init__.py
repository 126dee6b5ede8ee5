"""The training core, split into one module per idea; :mod:`aesthetics_lib.train` re-exports it.

``config`` (:class:`TrainConfig`, :func:`load_config`), ``build`` (datasets, model, loss, optimiser
from a config), ``checkpoint`` (atomic, weights-only checkpoints and RNG states), ``predict``
(running a model over a dataset), ``trainer`` (:class:`Trainer`, :func:`train`,
:func:`load_checkpoint`), and the trainer's pieces: ``distributed`` (``torchrun`` processes and their
share of the batches), ``run_folder`` (the run folder, the resume rules, the history files) and
``epoch`` (seeds, the learning-rate schedule, an epoch's loss sums). Introduced in notebooks/05_dcnn.
"""

from aesthetics_lib.training.build import (
    build_datasets,
    build_loss,
    build_model,
    build_optimizer,
    eval_transform_for,
    is_backbone,
    param_groups,
    resolve_data,
    resolve_device,
    train_transform_for,
)
from aesthetics_lib.training.checkpoint import CHECKPOINT_FORMAT, CheckpointError, load_checkpoint, read_checkpoint
from aesthetics_lib.training.config import ConfigError, TrainConfig, load_config, parse_override
from aesthetics_lib.training.epoch import set_deterministic
from aesthetics_lib.training.predict import predict
from aesthetics_lib.training.run_folder import ResumeWarning, RunFolderError
from aesthetics_lib.training.trainer import Trainer, train

__all__ = [
    "CHECKPOINT_FORMAT",
    "CheckpointError",
    "ConfigError",
    "ResumeWarning",
    "RunFolderError",
    "TrainConfig",
    "Trainer",
    "build_datasets",
    "build_loss",
    "build_model",
    "build_optimizer",
    "eval_transform_for",
    "is_backbone",
    "load_checkpoint",
    "load_config",
    "param_groups",
    "parse_override",
    "predict",
    "read_checkpoint",
    "resolve_data",
    "resolve_device",
    "set_deterministic",
    "train",
    "train_transform_for",
]

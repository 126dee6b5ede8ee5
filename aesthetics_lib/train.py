"""The training core of the course: configs, the trainer, checkpoints and predictions.

One loop for every model, on a CPU, one GPU or several (``torchrun``): :class:`TrainConfig` /
:func:`load_config` (YAML), :class:`Trainer` and :func:`train`, :func:`predict`,
:func:`load_checkpoint`, and the builders :func:`build_model`, :func:`build_datasets`,
:func:`eval_transform_for` that rebuild a run from its config. The code lives in
:mod:`aesthetics_lib.training` (one module per idea); this module is its public face.

Introduced in notebooks/05_dcnn.
"""

from aesthetics_lib.training import *  # noqa: F401,F403
from aesthetics_lib.training import __all__  # noqa: F401

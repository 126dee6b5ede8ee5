"""The course's trained models: train once on the default data, then load from a cache.

``course_model("sampnet")`` trains SAMP-Net from ``configs/studio_sampnet.yaml`` on the default data
(the studio, or ``AESTHETICS_DATA``) deterministically, keeps the run in a cache folder, and on
every later call loads it instead of training again. A run is keyed by a hash of its full config,
so changing a config retrains. Concurrent callers (notebooks run in parallel by the test suite)
wait for each other through a file lock instead of training the same model twice.

Introduced in notebooks/09_convnextv2_sgfm (the comparison table) and used by 10 and 11.
Scoring goes through :class:`aesthetics_lib.inference.Predictor`, rebuilt from the checkpoint's spec.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from PIL import Image
from torch import nn

from aesthetics_lib.inference import Predictions, Predictor
from aesthetics_lib.paths import cache_root, config_dir, file_lock
from aesthetics_lib.spec import ModelSpec
from aesthetics_lib.train import TrainConfig, load_config, train

#: The models of the course, in the order of the notebooks that introduce them.
COURSE_MODELS: tuple[str, ...] = ("dcnn", "spp", "nima", "multipatch", "sampnet", "convnextv2_sgfm")


def cache_dir() -> Path:
    """Where trained course models are kept: ``models/`` under :func:`aesthetics_lib.paths.cache_root`."""
    return cache_root() / "models"


def course_config(name: str, data: str | None = None, overrides: Mapping[str, Any] | None = None) -> TrainConfig:
    """The small offline config of course model ``name`` (``configs/studio_<name>.yaml``, or the copy
    shipped in the package), with the data spec replaced by ``data`` (or ``AESTHETICS_DATA`` when
    set) and ``overrides`` applied."""
    path = config_dir() / f"studio_{name}.yaml"
    if not path.exists():
        known = ", ".join(COURSE_MODELS)
        raise FileNotFoundError(f"no config for course model {name!r}: expected {path} (known: {known})")
    cfg = load_config(path, dict(overrides or {}))
    data = data or os.environ.get("AESTHETICS_DATA")
    if data:
        cfg = cfg.replace(data=data)
    return cfg.replace(progress=False, verbose=False)


def run_key(cfg: TrainConfig) -> str:
    """A short stable hash of everything in ``cfg`` that changes the trained weights."""
    values = cfg.to_dict()
    for k in ("out", "progress", "verbose", "num_workers", "cache_dir"):
        values.pop(k, None)
    blob = json.dumps(values, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


@dataclass
class CourseModel:
    """A trained course model with what it needs to score new photos.

    ``predictor`` (:class:`~aesthetics_lib.inference.Predictor`: the model in eval mode on the CPU,
    its spec and eval transform), ``config``, ``history`` (one dict per epoch), ``meta`` (the
    training record: ``train_mean``, ``train_dist``, ``threshold`` ...), ``run_dir`` (the cached run
    folder). ``model``, ``spec``, ``transform`` and :meth:`score` are the predictor's.
    """

    name: str
    predictor: Predictor
    config: TrainConfig
    history: list[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)
    run_dir: Path | None = None

    @property
    def model(self) -> nn.Module:
        return self.predictor.model

    @property
    def spec(self) -> ModelSpec:
        return self.predictor.spec

    @property
    def transform(self) -> Any:
        """The eval transform (PIL image -> tensor or dict of tensors), from the spec."""
        return self.predictor.transform

    @property
    def attribute_names(self) -> tuple[str, ...]:
        """Names of the attributes the model predicts (empty when it has no attribute head)."""
        return self.predictor.attribute_names

    def score(self, images: Sequence[Image.Image], keep: Sequence[str] = ()) -> Predictions:
        """Score PIL images (:meth:`Predictor.score`): ``mean`` ``[N]``, ``dist`` ``[N, K]`` (when the
        model predicts one), ``attributes`` ``[N, A]`` (when it has an attribute head), in order."""
        return self.predictor.score(images, keep=keep)


def course_model(
    name: str,
    data: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    root: str | os.PathLike | None = None,
) -> CourseModel:
    """Train course model ``name`` once (deterministically) and load it from the cache afterwards.

    ``data``: a data spec (default: ``AESTHETICS_DATA`` or the studio); ``overrides``: config keys
    to change (``{"epochs": 2}``); ``root``: the cache folder (default :func:`cache_dir`).
    """
    cfg = course_config(name, data, overrides)
    base = Path(root) if root is not None else cache_dir()
    run_dir = base / f"{name}-{run_key(cfg)}"
    cfg = cfg.replace(out=str(run_dir))
    with file_lock(base / f".{run_dir.name}.lock"):
        history = train(cfg, resume=True)
    predictor = Predictor.from_checkpoint(run_dir / "best.pt", device="cpu")
    return CourseModel(
        name=name,
        predictor=predictor,
        config=predictor.checkpoint.config,
        history=list(history),
        meta=dict(predictor.checkpoint.meta),
        run_dir=run_dir,
    )

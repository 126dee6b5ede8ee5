"""The course's trained models: train once on the default data, then load from a cache.

``course_model("sampnet")`` trains SAMP-Net from ``configs/studio_sampnet.yaml`` on the default data
(the studio, or ``AESTHETICS_DATA``) deterministically, keeps the run in a cache folder, and on
every later call loads it instead of training again. A run is keyed by a hash of its full config,
so changing a config retrains. Concurrent callers (notebooks run in parallel by the test suite)
wait for each other through a file lock instead of training the same model twice.

Introduced in notebooks/09_convnextv2_sgfm (the comparison table) and used by 10 and 11.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import torch
from PIL import Image
from torch import nn

from aesthetics_lib.train import TrainConfig, eval_transform_for, load_checkpoint, load_config, train

#: The models of the course, in the order of the notebooks that introduce them.
COURSE_MODELS: tuple[str, ...] = ("dcnn", "spp", "nima", "multipatch", "sampnet", "convnextv2_sgfm")

REPO_ROOT = Path(__file__).resolve().parents[1]


def config_dir() -> Path:
    """The folder of the YAML configs (``configs/`` of the source checkout, or ``AESTHETICS_CONFIGS``)."""
    env = os.environ.get("AESTHETICS_CONFIGS")
    return Path(env) if env else REPO_ROOT / "configs"


def cache_dir() -> Path:
    """Where trained course models are kept: ``AESTHETICS_CACHE``/models, else ``data/cache/models``
    of the source checkout when writable, else ``~/.cache/aesthetics_lab/models``."""
    env = os.environ.get("AESTHETICS_CACHE")
    if env:
        return Path(env) / "models"
    local = REPO_ROOT / "data"
    if local.is_dir() and os.access(local, os.W_OK):
        return local / "cache" / "models"
    return Path.home() / ".cache" / "aesthetics_lab" / "models"


def course_config(name: str, data: str | None = None, overrides: Mapping[str, Any] | None = None) -> TrainConfig:
    """The small offline config of course model ``name`` (``configs/studio_<name>.yaml``), with the
    data spec replaced by ``data`` (or ``AESTHETICS_DATA`` when set) and ``overrides`` applied."""
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


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class CourseModel:
    """A trained course model with what it needs to score new photos.

    ``model`` (eval mode, CPU), ``config``, ``history`` (one dict per epoch), ``transform`` (PIL ->
    tensor or dict of tensors), ``meta`` (``num_bins``, ``threshold``, ``attribute_names``, ``view``,
    ``train_mean``), ``run_dir`` (the cached run folder).
    """

    name: str
    model: nn.Module
    config: TrainConfig
    history: list[dict[str, Any]]
    transform: Any
    meta: dict[str, Any] = field(default_factory=dict)
    run_dir: Path | None = None

    @property
    def attribute_names(self) -> tuple[str, ...]:
        """Names of the attributes the model predicts (empty when it has no attribute head)."""
        return tuple(getattr(self.model, "attribute_names", ()) or ())

    def inputs(self, image: Image.Image) -> dict[str, torch.Tensor]:
        """The eval transform of one PIL image, as a dict of model inputs (``image``, maybe ``local``)."""
        item = self.transform(image.convert("RGB"))
        return dict(item) if isinstance(item, Mapping) else {"image": item}

    @torch.no_grad()
    def score(self, images: Sequence[Image.Image], batch_size: int = 32) -> dict[str, np.ndarray]:
        """Score PIL images: ``mean`` ``[N]``, ``dist`` ``[N, K]`` (when the model predicts one),
        ``attributes`` ``[N, A]`` (when it has an attribute head). Images whose inputs differ in
        shape (the aspect-preserving ``native`` view) are batched by shape; order is kept."""
        items = [self.inputs(im) for im in images]
        extra = tuple(getattr(self.model, "extra_inputs", ()))
        groups: dict[tuple, list[int]] = {}
        for i, it in enumerate(items):
            groups.setdefault(tuple(it["image"].shape), []).append(i)
        results: dict[str, dict[int, np.ndarray]] = {}
        for idx in groups.values():
            for start in range(0, len(idx), batch_size):
                chunk = idx[start : start + batch_size]
                batch = {k: torch.stack([items[i][k] for i in chunk]) for k in items[chunk[0]]}
                pred = self.model(batch["image"], **{k: batch[k] for k in extra if k in batch})
                for key in ("mean", "dist", "attributes"):
                    if pred.get(key) is not None:
                        values = pred[key].float().cpu().numpy()
                        results.setdefault(key, {}).update(zip(chunk, values))
        return {k: np.stack([v[i] for i in range(len(items))]) for k, v in results.items()}


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
    with _locked(base / f".{run_dir.name}.lock"):
        history = train(cfg, resume=True)
    model, saved_cfg, state = load_checkpoint(run_dir / "best.pt")
    model.eval()
    return CourseModel(
        name=name,
        model=model,
        config=saved_cfg,
        history=list(history),
        transform=eval_transform_for(saved_cfg),
        meta=dict(state.get("meta", {})),
        run_dir=run_dir,
    )
